package io.headroom.sharding.api;

/**
 * A shard as operators see it: its key range (null for a dedicated shard that serves pinned tenants only), where it
 * is (JDBC URL without credentials), known tenants on it, its health (UP, DOWN, or OPEN while its circuit fails
 * fast) and counters since this node started, and its replicas with their replication state and lag. The statement
 * latency is this node's since it started: the mean, and the median and 99th percentile from the shard's query duration
 * histogram ({@code headroom_shard_query_duration_seconds}, estimated within its buckets as {@code histogram_quantile}
 * does; null before the first statement, or without the shard meters).
 */
public record ShardInfo(String name, String keyRange, String url, int tenants, int pinnedTenants, String health,
        long queries, long errors, double meanLatencyMillis, int activeConnections, int poolSize, java.util.List<ReplicaInfo> replicas,
        Double p50LatencyMillis, Double p99LatencyMillis) {
    public ShardInfo {
        replicas = replicas == null ? java.util.List.of() : java.util.List.copyOf(replicas);
    }

    /** A shard without latency percentiles. */
    public ShardInfo(String name, String keyRange, String url, int tenants, int pinnedTenants, String health,
            long queries, long errors, double meanLatencyMillis, int activeConnections, int poolSize, java.util.List<ReplicaInfo> replicas) {
        this(name, keyRange, url, tenants, pinnedTenants, health, queries, errors, meanLatencyMillis, activeConnections, poolSize, replicas,
                null, null);
    }

    /** A shard without replicas. */
    public ShardInfo(String name, String keyRange, String url, int tenants, int pinnedTenants, String health, long queries, long errors,
            double meanLatencyMillis, int activeConnections, int poolSize) {
        this(name, keyRange, url, tenants, pinnedTenants, health, queries, errors, meanLatencyMillis, activeConnections, poolSize, java.util.List.of());
    }
}
