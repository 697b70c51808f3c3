package io.headroom.sharding.api;

/**
 * A shard as operators see it: its key range (null for a dedicated shard that serves pinned tenants only), where it
 * is (JDBC URL without credentials), known tenants on it, its health (UP, DOWN, or OPEN while its circuit fails
 * fast) and counters since this node started, and its replicas with their replication state and lag.
 */
public record ShardInfo(String name, String keyRange, String url, int tenants, int pinnedTenants, String health,
        long queries, long errors, double meanLatencyMillis, int activeConnections, int poolSize, java.util.List<ReplicaInfo> replicas) {
    public ShardInfo {
        replicas = replicas == null ? java.util.List.of() : java.util.List.copyOf(replicas);
    }

    /** A shard without replicas. */
    public ShardInfo(String name, String keyRange, String url, int tenants, int pinnedTenants, String health, long queries, long errors,
            double meanLatencyMillis, int activeConnections, int poolSize) {
        this(name, keyRange, url, tenants, pinnedTenants, health, queries, errors, meanLatencyMillis, activeConnections, poolSize, java.util.List.of());
    }
}
