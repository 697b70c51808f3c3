/** Tenant identity (one, or a comma-separated list) and job names: the value types every capability uses to scope data and name what customers do. */
@Export
@Version("1.2.0")
package io.headroom.core.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
