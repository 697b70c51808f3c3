package io.headroom.sharding.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's view and levers on the topology. Every change is validated first (unknown tenant or shard,
 * overlapping ranges, unreachable database: IllegalArgumentException, nothing written), written to the control
 * schema in one transaction with the routing version bumped, and seen by every node within its refresh interval.
 */
@ProviderType
public interface ShardAdmin {
    List<ShardInfo> shards();

    /**
     * Adds a shard at {@code jdbcUrl} (a MySQL database). With a key range, it serves that range, which must not
     * overlap another shard's; without one (null) it is a dedicated shard that serves only tenants pinned to it.
     */
    ShardInfo addShard(String name, String jdbcUrl, String keyRange);

    /**
     * Pins a tenant to a shard. Only for a tenant that has no rows yet on the shard it routes to now (moving rows
     * is a tenant move); otherwise IllegalStateException.
     */
    TenantLocation pin(TenantId tenant, String shard);

    /** Removes a tenant's pin, under the same condition as {@link #pin}. */
    TenantLocation unpin(TenantId tenant);

    /** The tables sharded by tenant (each holds the configured tenant column). */
    List<String> shardedTables();

    List<TenantLoad> tenantLoad();

    long routingVersion();
}
