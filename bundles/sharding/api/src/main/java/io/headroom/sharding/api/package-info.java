/**
 * Sharding: tenants are spread over MySQL shards by a stable keyspace id; platform bundles reach a tenant's data
 * only through a tenant-scoped {@link io.headroom.sharding.api.TenantShard} handle, and cross-tenant reads only
 * through the explicit {@link io.headroom.sharding.api.ShardRouter#scatter scatter} API.
 */
@Export
@Version("1.5.0")
package io.headroom.sharding.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
