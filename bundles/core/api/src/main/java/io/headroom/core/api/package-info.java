/** Tenant identity: the value type every capability uses to scope data. */
@Export
@Version("1.0.0")
package io.headroom.core.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
