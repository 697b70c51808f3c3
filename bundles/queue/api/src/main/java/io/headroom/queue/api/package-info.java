/** Fair queuing: multi-tenant background work where one tenant's burst cannot starve the others. */
@Export
@Version("1.2.0")
package io.headroom.queue.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
