/** Readiness checks: each capability says whether the real systems it needs answer. */
@Export
@Version("1.0.0")
package io.headroom.core.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
