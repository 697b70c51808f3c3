package io.headroom.sharding.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The sharding configuration (PID {@code io.headroom.sharding}), read by {@link ShardMap} and handed to every component. */
@ObjectClassDefinition(name = "Headroom sharding")
public @interface ShardingConfig {
    @AttributeDefinition(description = "User for every shard database")
    String user() default "root";

    @AttributeDefinition(description = "Password for every shard database (never logged or returned)", type = AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(description = "The column that holds the tenant id in every sharded table")
    String tenantColumn() default "tenant_id";

    @AttributeDefinition(description = "Tables sharded by tenant; a tenant handle reaches only these")
    String[] shardedTables() default {};

    @AttributeDefinition(description = "Connections per shard on this node")
    int poolSize() default 10;

    @AttributeDefinition(description = "Share of a shard's pool one tenant may hold at once (0-1]")
    double tenantShare() default 0.5;

    @AttributeDefinition(description = "How long a tenant over its share waits for one of its connections, ms")
    long tenantWaitMillis() default 200;

    @AttributeDefinition(description = "Connect timeout to a shard, ms (how fast a dead server is noticed)")
    int connectTimeoutMillis() default 1000;

    @AttributeDefinition(description = "Consecutive connection failures that open a shard's circuit")
    int breakerThreshold() default 3;

    @AttributeDefinition(description = "How long an open circuit fails calls fast before a trial, ms")
    long breakerOpenMillis() default 1000;

    @AttributeDefinition(description = "How often this node checks the control schema for a new routing version, ms")
    long refreshMillis() default 1000;

    @AttributeDefinition(description = "Threads running scatter queries (bounds shards queried at once)")
    int scatterThreads() default 16;

    @AttributeDefinition(description = "Statement timeout on a shard, seconds")
    int queryTimeoutSeconds() default 30;

    @AttributeDefinition(description = "How long a move keeps the source copy (reversible) after cut-over, ms")
    long moveGraceMillis() default 600_000;

    @AttributeDefinition(description = "Rows per chunk when a move copies, verifies or cleans up")
    int moveChunkRows() default 1000;

    @AttributeDefinition(description = "Pause between a move's copy chunks, ms (throttles the load on the source)")
    long moveChunkPauseMillis() default 0;

    @AttributeDefinition(description = "Shards a schema change alters at once after the canary")
    int schemaConcurrency() default 2;

    @AttributeDefinition(description = "Pause before starting a schema change on the next shard, ms (throttle)")
    long schemaShardPauseMillis() default 0;

    @AttributeDefinition(description = "Rows per chunk when a schema change copies a table to a shadow table")
    int schemaCopyChunkRows() default 1000;

    @AttributeDefinition(description = "Pause between a shadow copy's chunks, ms (throttles the load on the shard)")
    long schemaCopyChunkPauseMillis() default 5;

    @AttributeDefinition(description = "Longest a shadow copy's cut-over may block writes before it backs off and retries, ms")
    long schemaCutOverLockMillis() default 2000;

    @AttributeDefinition(description = "Cut-over attempts of a shadow copy before the shard fails")
    int schemaCutOverAttempts() default 5;

    @AttributeDefinition(description = "How long a statement that meets a write fence (a move's cut-over, a switchover) is held before it fails, ms")
    long writeBufferMillis() default 5000;

    @AttributeDefinition(description = "How long a planned switchover may take until the replica is promoted before it rolls back, ms")
    long switchoverBudgetMillis() default 3000;

    @AttributeDefinition(description = "How often this node checks each replica's replication state and lag, ms")
    long replicaProbeMillis() default 250;

    @AttributeDefinition(description = "Fail a shard over by itself when its primary has not answered for failoverAfterMillis (one node watches, under a lease)")
    boolean autoFailover() default false;

    @AttributeDefinition(description = "How long a shard's primary must be dead before an automatic failover, ms")
    long failoverAfterMillis() default 10_000;
}
