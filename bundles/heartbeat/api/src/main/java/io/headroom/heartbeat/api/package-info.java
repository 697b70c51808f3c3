/** Heartbeat: can customers do the jobs they came for, per tenant and platform-wide. */
@Export
@Version("1.3.0")
package io.headroom.heartbeat.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
