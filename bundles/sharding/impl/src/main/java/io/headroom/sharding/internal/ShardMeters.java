package io.headroom.sharding.internal;

import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TenantTotals;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.TenantLoad;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.core.SchemaChangeState;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Sharding's meters, read when scraped: per shard its pool, breaker state, queries and errors; the busiest tenants'
 * queries; and the progress of tenant moves, splits and schema changes that are not finished. Recorded per statement:
 * a histogram of its duration per shard (labels bounded by the shards registered; a removed shard's series is dropped).
 */
@Component(immediate = true)
public final class ShardMeters {
    private final ShardMap map;

    @Activate
    public ShardMeters(@Reference Metrics metrics, @Reference ShardAdmin shards, @Reference TenantMoves moves,
            @Reference SchemaChanges schema, @Reference ShardMap map, @Reference TopTenants top) {
        this.map = map;
        TenantTotals tenantQueries = new TenantTotals(top);
        List<String> shard = List.of("shard");
        metrics.gauge("headroom_shard_pool_active_connections", "Connections in use in the shard's pool", shard,
                s -> shards.shards().forEach(i -> s.sample(i.activeConnections(), i.name())));
        metrics.gauge("headroom_shard_pool_size", "Connections the shard's pool may open", shard,
                s -> shards.shards().forEach(i -> s.sample(i.poolSize(), i.name())));
        metrics.gauge("headroom_shard_health", "1 for the shard's state from its breaker: UP (closed), DOWN (open), RECOVERING (half-open)",
                List.of("shard", "state"), s -> shards.shards().forEach((ShardInfo i) -> s.sample(1, i.name(), i.health())));
        metrics.counter("headroom_shard_queries", "Statements run on the shard since start", shard,
                s -> shards.shards().forEach(i -> s.sample(i.queries(), i.name())));
        metrics.counter("headroom_shard_errors", "Statements that failed on the shard since start", shard,
                s -> shards.shards().forEach(i -> s.sample(i.errors(), i.name())));
        Histogram duration = metrics.histogram("headroom_shard_query_duration_seconds", "Time a statement took on the shard's"
                + " primary (waiting for a connection included), by shard", Metrics.LATENCY_SECONDS, "shard");
        map.queryTimes.recordInto(duration); // also read back: shard:list and the console show its p50 and p99
        metrics.gauge("headroom_shard_replica_lag_seconds", "How far each replicating replica is behind its shard's primary"
                + " (since a probe last found it holding the primary's whole GTID set)", List.of("shard", "replica"),
                s -> shards.shards().forEach(i -> i.replicas().stream().filter(r -> r.lagMillis() != null)
                        .forEach(r -> s.sample(r.lagMillis() / 1000.0, i.name(), replica(r.url())))));
        metrics.gauge("headroom_shard_replica_state", "1 for each replica's replication state (REPLICATING, BROKEN, ...)",
                List.of("shard", "replica", "state"), s -> shards.shards().forEach(i -> i.replicas()
                        .forEach(r -> s.sample(1, i.name(), replica(r.url()), r.state()))));
        metrics.counter("headroom_shard_tenant_queries", "Statements per tenant (the busiest by name, the rest as other)",
                List.of("tenant"), s -> tenantQueries.report(s, new java.util.ArrayList<>(shards.tenantLoad().stream()
                        // a tenant with statements on two shards (a move) is one series: its queries summed
                        .collect(java.util.stream.Collectors.toMap(TenantLoad::tenant, TenantLoad::queries, Long::sum)).entrySet()),
                        java.util.Map.Entry::getKey, java.util.Map.Entry::getValue));
        metrics.gauge("headroom_shard_move_copied_rows", "Rows copied by each unfinished tenant move or split",
                List.of("move", "kind", "state"), s -> moves.list().stream().filter(m -> !MoveState.valueOf(m.state()).terminal())
                        .forEach((MoveStatus m) -> s.sample(m.copiedRows(), Long.toString(m.id()), m.kind(), m.state())));
        metrics.gauge("headroom_shard_move_applied_events", "Binlog events replayed by each unfinished move (catching up)",
                List.of("move", "kind", "state"), s -> moves.list().stream().filter(m -> !MoveState.valueOf(m.state()).terminal())
                        .forEach(m -> s.sample(m.appliedEvents(), Long.toString(m.id()), m.kind(), m.state())));
        metrics.gauge("headroom_shard_move_replay_lag_bytes", "Binary log bytes each unfinished move's change replay is behind the"
                + " server it reads (copying: written since the move's start, not yet replayed)", List.of("move", "kind", "state"),
                s -> moves.list().stream().filter(m -> !MoveState.valueOf(m.state()).terminal() && m.replayLagBytes() != null)
                        .forEach(m -> s.sample(m.replayLagBytes(), Long.toString(m.id()), m.kind(), m.state())));
        metrics.gauge("headroom_shard_move_replay_lag_seconds", "Upper bound on the age of the oldest change each unfinished move's"
                + " replay has not applied yet (0: caught up)", List.of("move", "kind", "state"),
                s -> moves.list().stream().filter(m -> !MoveState.valueOf(m.state()).terminal() && m.replayLagMillis() != null)
                        .forEach(m -> s.sample(m.replayLagMillis() / 1000.0, Long.toString(m.id()), m.kind(), m.state())));
        metrics.gauge("headroom_shard_schema_change_shards", "Shards of each unfinished schema change, by their state",
                List.of("version", "state"), s -> schema.changes().stream().filter(c -> !SchemaChangeState.valueOf(c.state()).terminal())
                        .forEach((SchemaChangeStatus c) -> c.shards().values().stream()
                                .collect(java.util.stream.Collectors.groupingBy(v -> v, java.util.stream.Collectors.counting()))
                                .forEach((state, n) -> s.sample(n, Integer.toString(c.version()), state))));
    }

    @Deactivate
    void deactivate() {
        map.queryTimes.recordInto(null);
    }

    /** A replica as host:port/database: no driver prefix, no properties (operators' metrics, bounded by the replicas). */
    static String replica(String url) {
        String u = url == null ? "" : url.replaceFirst("^jdbc:[a-z]+://", "");
        int q = u.indexOf('?');
        return q < 0 ? u : u.substring(0, q);
    }
}
