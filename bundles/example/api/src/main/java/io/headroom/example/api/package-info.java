/** The example capability: each tenant's greeting. The smallest complete capability, and the template for new ones. */
@Export
@Version("1.0.0")
package io.headroom.example.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
