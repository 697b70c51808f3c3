/**
 * Meters every capability registers for the platform's one Prometheus endpoint ({@code GET /api/metrics}), and the
 * shared tracker that keeps tenant labels bounded.
 */
@Export
@Version("1.3.0")
package io.headroom.core.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
