/** The control store: the MySQL control schema that holds platform state, with versioned migrations. */
@Export
@Version("1.3.0")
package io.headroom.core.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
