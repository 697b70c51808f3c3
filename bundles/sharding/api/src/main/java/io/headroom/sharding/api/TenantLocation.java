package io.headroom.sharding.api;

/** Where a tenant's rows live: its keyspace id (hex), the shard, the shard's range, and whether it is pinned there. */
public record TenantLocation(String tenant, String keyspaceId, String shard, String keyRange, boolean pinned, long routingVersion) {
}
