package io.headroom.sharding.internal;

import java.util.List;

/** The sharding configuration as plain values (from the component's config, or a test). */
record ShardingSettings(String user, String password, String tenantColumn, List<String> shardedTables, int poolSize,
        double tenantShare, long tenantWaitMillis, int connectTimeoutMillis, int breakerThreshold, long breakerOpenMillis,
        long refreshMillis, int scatterThreads, int queryTimeoutSeconds) {
}
