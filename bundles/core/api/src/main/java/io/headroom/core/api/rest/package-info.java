/** The REST host contract: publish JAX-RS resources, identify the caller, report problems. */
@Export
@Version("1.2.0")
package io.headroom.core.api.rest;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
