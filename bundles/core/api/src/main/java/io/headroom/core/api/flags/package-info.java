/** Feature flags: per-tenant switches, allow/deny lists and deterministic percentage rollouts. */
@Export
@Version("1.0.0")
package io.headroom.core.api.flags;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
