package io.headroom.sharding.internal;

import io.headroom.sharding.internal.engine.ShadowCopy;
import java.util.Arrays;
import java.util.List;

/** The sharding configuration as plain values (from the component's config, or a benchmark). */
public record ShardingSettings(String user, String password, String tenantColumn, List<String> shardedTables, int poolSize,
        double tenantShare, long tenantWaitMillis, int connectTimeoutMillis, int breakerThreshold, long breakerOpenMillis,
        long refreshMillis, int scatterThreads, int queryTimeoutSeconds, long moveGraceMillis, int moveChunkRows, long moveChunkPauseMillis,
        int schemaConcurrency, long schemaShardPauseMillis, ShadowCopy.Settings shadowCopy, long writeBufferMillis, long switchoverBudgetMillis,
        long replicaProbeMillis, boolean autoFailover, long failoverAfterMillis) {
    public ShardingSettings {
        if (poolSize < 1 || tenantShare <= 0 || scatterThreads < 1) {
            throw new IllegalArgumentException("poolSize, tenantShare and scatterThreads must be positive");
        }
        shardedTables = List.copyOf(shardedTables);
        moveChunkRows = Math.max(10, moveChunkRows);
        moveChunkPauseMillis = Math.max(0, moveChunkPauseMillis);
        schemaConcurrency = Math.max(1, schemaConcurrency);
        schemaShardPauseMillis = Math.max(0, schemaShardPauseMillis);
        writeBufferMillis = Math.max(0, writeBufferMillis);
        switchoverBudgetMillis = Math.max(100, switchoverBudgetMillis);
        replicaProbeMillis = Math.max(20, replicaProbeMillis);
        failoverAfterMillis = Math.max(100, failoverAfterMillis);
    }

    static ShardingSettings of(ShardingConfig c) {
        return new ShardingSettings(c.user(), c.password(), c.tenantColumn(),
                Arrays.stream(c.shardedTables()).flatMap(t -> Arrays.stream(t.split(","))).map(String::trim).filter(t -> !t.isEmpty()).toList(),
                c.poolSize(), c.tenantShare(), c.tenantWaitMillis(), c.connectTimeoutMillis(), c.breakerThreshold(), c.breakerOpenMillis(),
                c.refreshMillis(), c.scatterThreads(), c.queryTimeoutSeconds(), c.moveGraceMillis(), c.moveChunkRows(), c.moveChunkPauseMillis(),
                c.schemaConcurrency(), c.schemaShardPauseMillis(), new ShadowCopy.Settings(c.schemaCopyChunkRows(), c.schemaCopyChunkPauseMillis(),
                        c.schemaCutOverLockMillis(), c.schemaCutOverAttempts()), c.writeBufferMillis(), c.switchoverBudgetMillis(), c.replicaProbeMillis(),
                c.autoFailover(), c.failoverAfterMillis());
    }

    /** The password stays out of logs and toString. */
    @Override
    public String toString() {
        return "ShardingSettings[user=" + user + ", tables=" + shardedTables + ", poolSize=" + poolSize + "]";
    }
}
