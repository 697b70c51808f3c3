package io.headroom.sharding.internal;

import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.internal.core.Ownership;
import io.headroom.sharding.internal.core.ScatterPlan;
import io.headroom.sharding.internal.core.Topology;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's scatter queries: a statement planned once per set of sharded tables, run on every shard (or a replica
 * of it that fits the read preference) on a bounded pool, gathered within one deadline for all shards and merged.
 */
final class ScatterQueries implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScatterQueries.class);
    private static final int MAX_CACHED_STATEMENTS = 10_000;

    private final ShardMap map;
    private final ShardingSettings settings;
    private volatile Set<String> plannedFor;
    private final Map<String, ScatterPlan> plans = new ConcurrentHashMap<>();
    private final Map<String, String> ownedSql = new ConcurrentHashMap<>();
    private final ExecutorService scatterPool;
    /** Kills the statements of shards a scatter gave up on (rare; bounded, a kill that does not fit is skipped). */
    private final ExecutorService canceller;

    ScatterQueries(ShardMap map) {
        this.map = map;
        this.settings = map.settings();
        this.scatterPool = Executors.newFixedThreadPool(settings.scatterThreads(), r -> {
            Thread t = new Thread(r, "headroom-scatter");
            t.setDaemon(true);
            return t;
        });
        this.canceller = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1000), r -> {
            Thread t = new Thread(r, "headroom-scatter-cancel");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    @Override
    public void close() {
        scatterPool.shutdownNow();
        canceller.shutdownNow();
    }

    ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout, ReadPreference reads) {
        ScatterPlan plan = plan(sql);
        long timeoutMillis = perShardTimeout == null ? settings.queryTimeoutSeconds() * 1000L : Math.max(1, perShardTimeout.toMillis());
        Object[] p = ShardStatements.normalise(params == null ? null : params.toArray());
        Map<String, ShardCall> calls = new LinkedHashMap<>();
        List<ShardPool> targets = new ArrayList<>(map.pools());
        targets.sort(Comparator.comparing(sp -> sp.name));
        Topology t = map.topology();
        boolean copies = map.movesActive();
        boolean onReplicas = reads != null && reads.kind() != ReadPreference.Kind.PRIMARY;
        for (ShardPool sp : targets) {
            ShardPool replica = onReplicas ? map.readPool(sp.name, reads) : null;
            // while a move or split keeps a tenant's rows on two shards, each shard answers only for tenants it owns
            calls.put(sp.name, new ShardCall(replica != null ? replica : sp, copies ? ownedSql(plan, sql, t, sp.name) : plan.shardSql(), p));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<QueryResult> parts = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        Map<String, String> failed = new HashMap<>();
        ShardQueryException refused = null;
        for (Map.Entry<String, ShardCall> e : calls.entrySet()) {
            try {
                // each shard's clock starts when the scatter starts: queued shards still answer within the timeout
                long left = Math.max(0, deadline - System.nanoTime());
                parts.add(e.getValue().result.get(left, TimeUnit.NANOSECONDS));
                answered.add(e.getKey());
            } catch (TimeoutException te) {
                e.getValue().timeOut();
                failed.put(e.getKey(), "no answer within " + timeoutMillis + " ms");
            } catch (ExecutionException ee) {
                Throwable cause = ee.getCause();
                if (cause instanceof ShardQueryException q && refused == null) {
                    refused = q;
                }
                failed.put(e.getKey(), cause == null ? "failed" : cause.getMessage());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                calls.values().forEach(ShardCall::timeOut);
                throw new ShardUnavailableException(null, "interrupted while gathering shards", ie);
            }
        }
        if (refused != null && answered.isEmpty()) {
            throw refused; // the statement is wrong everywhere: report it as such, not as an outage
        }
        return new ScatterResult(plan.merge(parts), answered, failed);
    }

    /** The statement's plan, kept while the sharded tables stay the same. */
    private ScatterPlan plan(String sql) {
        Set<String> tables = map.safePath().shardedTables();
        if (tables != plannedFor) {
            plans.clear();
            ownedSql.clear();
            plannedFor = tables;
        }
        ScatterPlan plan = plans.get(sql);
        if (plan == null) {
            plan = ScatterPlan.of(sql, tables);
            if (plans.size() >= MAX_CACHED_STATEMENTS) {
                plans.clear();
            }
            plans.put(sql, plan);
        }
        return plan;
    }

    /** The shard's SQL restricted to the tenants it owns, parsed once per routing version (not per call and shard). */
    private String ownedSql(ScatterPlan plan, String sql, Topology t, String shard) {
        String key = t.version() + "\u0000" + shard + "\u0000" + sql;
        String owned = ownedSql.get(key);
        if (owned == null) {
            owned = plan.shardSql(q -> Ownership.condition(t, shard, q, settings.tenantColumn()));
            if (ownedSql.size() >= MAX_CACHED_STATEMENTS) {
                ownedSql.clear();
            }
            ownedSql.put(key, owned);
        }
        return owned;
    }

    /** A shard's statement was not started: the scatter had already given up on that shard. */
    private static final class GaveUp extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GaveUp() {
            super("the scatter gave up on this shard before its statement started", null, false, false);
        }
    }

    /**
     * One shard's part of a scatter. When the shard's time is up, its statement is cancelled on the server (KILL QUERY,
     * off the caller's thread) instead of arming the driver's statement timer for every shard of every scatter: the
     * timers cost the scatter path about a quarter of its CPU (bench/RESULTS.md), and timeouts are rare.
     */
    private final class ShardCall implements ShardStatements.Watch {
        private final Future<QueryResult> result;
        private final Object lock = new Object();
        private PreparedStatement statement;
        private boolean timedOut;
        private boolean returned;

        ShardCall(ShardPool pool, String sql, Object[] params) {
            this.result = scatterPool.submit(() -> pool.run(ShardPool.SCATTER_BUCKET, conn -> ShardStatements.read(conn, sql, params, this)));
        }

        /** The shard's task, just before its statement runs. */
        @Override
        public void running(PreparedStatement ps) {
            synchronized (lock) {
                if (timedOut) {
                    throw new GaveUp();
                }
                statement = ps;
            }
        }

        /** The shard's task, once its statement returned: waits for a kill in flight, so none reaches the connection's next statement. */
        @Override
        public void returned() {
            synchronized (lock) {
                returned = true;
            }
        }

        /** Gives up on the shard: a statement not started does not start, one running is killed. */
        void timeOut() {
            result.cancel(false);
            synchronized (lock) {
                timedOut = true;
                if (statement == null) {
                    return;
                }
            }
            canceller.execute(this::kill);
        }

        /** A few attempts: cancelling does nothing until the statement is on the wire, which may be a moment after it was handed over. */
        private void kill() {
            for (int attempt = 0; attempt < 10; attempt++) {
                synchronized (lock) {
                    if (returned) {
                        return;
                    }
                    try {
                        statement.cancel();
                    } catch (SQLException | RuntimeException e) {
                        LOG.debug("sharding: cannot cancel a scatter statement: {}", e.getMessage());
                        return;
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
