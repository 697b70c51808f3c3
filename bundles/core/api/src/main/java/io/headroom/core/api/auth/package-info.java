/** API tokens bound to one tenant or to platform scope. */
@Export
@Version("1.1.0")
package io.headroom.core.api.auth;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
