/** Signals: per-tenant outcomes and load reported by capabilities to optional consumers. */
@Export
@Version("1.1.0")
package io.headroom.core.api.signal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
