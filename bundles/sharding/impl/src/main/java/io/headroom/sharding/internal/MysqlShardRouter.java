package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.sharding.api.Keyspace;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.UnsafeStatementException;
import io.headroom.sharding.internal.core.Ownership;
import io.headroom.sharding.internal.core.RouteCache;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.ScatterPlan;
import io.headroom.sharding.internal.core.Topology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router over the shared {@link ShardMap}: tenant handles whose every statement is checked on the safe path and
 * runs on the tenant's shard under its connection share, scatter queries on a bounded pool, per-tenant load reported
 * to the heartbeat signals.
 */
@Component(service = ShardRouter.class)
public final class MysqlShardRouter implements ShardRouter {
    private static final Logger LOG = LoggerFactory.getLogger(MysqlShardRouter.class);
    private static final int MAX_CACHED_STATEMENTS = 10_000;

    private final ShardMap map;
    private final ShardingSettings settings;
    private final Signals signals;
    private final SafePath safePath;
    private final Map<String, SafePath.Checked> checked = new ConcurrentHashMap<>();
    private final Map<String, ScatterPlan> plans = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final ExecutorService scatterPool;
    private final ScheduledExecutorService reporter;

    @Activate
    public MysqlShardRouter(@Reference ShardMap map, @Reference Signals signals) {
        this.map = map;
        this.settings = map.settings();
        this.signals = signals;
        this.safePath = new SafePath(Set.copyOf(settings.shardedTables()), settings.tenantColumn());
        this.scatterPool = Executors.newFixedThreadPool(settings.scatterThreads(), r -> {
            Thread t = new Thread(r, "headroom-scatter");
            t.setDaemon(true);
            return t;
        });
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-load");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleWithFixedDelay(this::reportLoad, 5, 5, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        reporter.shutdownNow();
        scatterPool.shutdownNow();
    }

    @Override
    public TenantLocation locate(TenantId tenant) {
        return map.locate(tenant);
    }

    // ---------------------------------------------------------------- routing

    @Override
    public TenantShard forTenant(TenantId tenant) {
        ShardPool pool = resolve(tenant);
        if (!registered.contains(tenant.value()) && registered.add(tenant.value())) {
            try {
                map.store().registerTenant(tenant.value());
            } catch (SQLException e) {
                registered.remove(tenant.value());
                LOG.debug("sharding: cannot record tenant {}: {}", tenant, e.getMessage());
            }
        }
        return new Handle(tenant, pool.name);
    }

    private ShardPool resolve(TenantId tenant) {
        Topology.ShardDef def = map.routes().route(tenant);
        if (def == null) {
            throw new ShardUnavailableException(null, "no shard serves tenant " + tenant + " (keyspace id "
                    + Keyspace.hex(Keyspace.idOf(tenant)) + "): add a shard for its range", null);
        }
        ShardPool pool = map.pool(def.name());
        if (pool == null) {
            throw new ShardUnavailableException(def.name(), "shard " + def.name() + " is not open on this node yet", null);
        }
        return pool;
    }

    /** Thrown inside a pool when routing changed between resolving the shard and holding its connection share. */
    private static final class Rerouted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Rerouted() {
            super(null, null, false, false);
        }
    }

    /** Runs a tenant's work on the shard it routes to now, re-checking routing and fences once its share is held. */
    private <T> T onTenantShard(TenantId tenant, ShardPool.Work<T> work) {
        for (int attempt = 0; ; attempt++) {
            ShardPool pool = resolve(tenant);
            try {
                return pool.run(tenant.value(), settings.queryTimeoutSeconds(), () -> {
                    RouteCache r = map.routes();
                    if (!r.topology().fences().isEmpty() && r.topology().fenced(tenant)) {
                        throw new ShardUnavailableException(pool.name, "tenant " + tenant
                                + " is being moved: its statements are held for the cut-over; retry in a moment", null);
                    }
                    Topology.ShardDef now = r.route(tenant);
                    if (now == null || !now.name().equals(pool.name)) {
                        throw new Rerouted();
                    }
                }, work);
            } catch (Rerouted r) {
                if (attempt >= 3) {
                    throw new ShardUnavailableException(pool.name, "tenant " + tenant + "'s routing keeps changing; retry", null);
                }
            }
        }
    }

    private SafePath.Checked check(String sql) {
        SafePath.Checked c = checked.get(sql);
        if (c == null) {
            c = safePath.check(sql);
            if (checked.size() >= MAX_CACHED_STATEMENTS) {
                checked.clear();
            }
            checked.put(sql, c);
        }
        return c;
    }

    private final class Handle implements TenantShard {
        private final TenantId tenant;
        private final String shardAtStart;

        Handle(TenantId tenant, String shard) {
            this.tenant = tenant;
            this.shardAtStart = shard;
        }

        @Override
        public TenantId tenant() {
            return tenant;
        }

        @Override
        public String shard() {
            return map.topology().route(tenant).map(Topology.ShardDef::name).orElse(shardAtStart);
        }

        @Override
        public QueryResult query(String sql, Object... params) {
            SafePath.Checked c = check(sql);
            if (!c.query()) {
                throw new UnsafeStatementException("query() runs SELECT; use update() for INSERT, UPDATE and DELETE");
            }
            Object[] p = normalise(params);
            c.verify(tenant.value(), p);
            return observed(() -> onTenantShard(tenant, conn -> read(conn, sql, p, 0)));
        }

        @Override
        public int update(String sql, Object... params) {
            SafePath.Checked c = check(sql);
            if (c.query()) {
                throw new UnsafeStatementException("update() runs INSERT, UPDATE and DELETE; use query() for SELECT");
            }
            Object[] p = normalise(params);
            c.verify(tenant.value(), p);
            return observed(() -> onTenantShard(tenant, conn -> {
                try (PreparedStatement ps = conn.prepareStatement(sql)) {
                    bind(ps, p);
                    return ps.executeUpdate();
                }
            }));
        }

        @Override
        public List<Integer> updateAll(List<Statement> statements) {
            List<Object[]> bound = new ArrayList<>();
            for (Statement s : statements) {
                SafePath.Checked c = check(s.sql());
                if (c.query()) {
                    throw new UnsafeStatementException("updateAll() runs INSERT, UPDATE and DELETE only");
                }
                Object[] p = normalise(s.params().toArray());
                c.verify(tenant.value(), p);
                bound.add(p);
            }
            return observed(() -> onTenantShard(tenant, conn -> {
                conn.setAutoCommit(false);
                try {
                    List<Integer> counts = new ArrayList<>();
                    for (int i = 0; i < statements.size(); i++) {
                        try (PreparedStatement ps = conn.prepareStatement(statements.get(i).sql())) {
                            bind(ps, bound.get(i));
                            counts.add(ps.executeUpdate());
                        }
                    }
                    conn.commit();
                    return counts;
                } catch (SQLException | RuntimeException e) {
                    conn.rollback();
                    throw e;
                } finally {
                    conn.setAutoCommit(true);
                }
            }));
        }

        private <T> T observed(java.util.function.Supplier<T> call) {
            long start = System.nanoTime();
            boolean ok = false;
            try {
                T r = call.get();
                ok = true;
                return r;
            } catch (ShardQueryException e) {
                ok = true; // the shard served; the statement itself was refused (the caller's error, not an outage)
                throw e;
            } finally {
                signals.outcome(new OutcomeEvent(tenant, "sharding.query", ok, (System.nanoTime() - start) / 1_000_000, Instant.now()));
            }
        }
    }

    private static Object[] normalise(Object[] params) {
        Object[] p = params == null ? new Object[0] : params.clone();
        for (int i = 0; i < p.length; i++) {
            if (p[i] instanceof TenantId t) {
                p[i] = t.value();
            }
        }
        return p;
    }

    private static void bind(PreparedStatement ps, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    /** Reads all rows; {@code timeoutSeconds} > 0 sets a statement timeout (scatter), else the pool's socket timeout bounds it. */
    private QueryResult read(Connection conn, String sql, Object[] params, int timeoutSeconds) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            if (timeoutSeconds > 0) {
                ps.setQueryTimeout(timeoutSeconds);
            }
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                List<String> cols = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    cols.add(md.getColumnLabel(i));
                }
                List<List<Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                    rows.add(Arrays.asList(row));
                }
                return new QueryResult(cols, rows);
            }
        }
    }

    // ---------------------------------------------------------------- scatter

    @Override
    public ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout) {
        ScatterPlan plan = plans.get(sql);
        if (plan == null) {
            plan = ScatterPlan.of(sql);
            if (plans.size() >= MAX_CACHED_STATEMENTS) {
                plans.clear();
            }
            plans.put(sql, plan);
        }
        long timeoutMillis = perShardTimeout == null ? settings.queryTimeoutSeconds() * 1000L : Math.max(1, perShardTimeout.toMillis());
        Object[] p = normalise(params == null ? null : params.toArray());
        Map<String, Future<QueryResult>> futures = new LinkedHashMap<>();
        List<ShardPool> targets = new ArrayList<>(map.pools());
        targets.sort(Comparator.comparing(sp -> sp.name));
        int seconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
        Topology t = map.topology();
        boolean copies = map.movesActive();
        for (ShardPool sp : targets) {
            // while a move or split keeps a tenant's rows on two shards, each shard answers only for tenants it owns
            String shardSql = copies ? plan.shardSql(q -> Ownership.condition(t, sp.name, q, settings.tenantColumn())) : plan.shardSql();
            futures.put(sp.name, scatterPool.submit(() -> sp.run(ShardPool.SCATTER_BUCKET, seconds, conn -> read(conn, shardSql, p, seconds))));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<QueryResult> parts = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        Map<String, String> failed = new HashMap<>();
        ShardQueryException refused = null;
        for (Map.Entry<String, Future<QueryResult>> e : futures.entrySet()) {
            try {
                // each shard's clock starts when the scatter starts: queued shards still answer within the timeout
                long left = Math.max(0, deadline - System.nanoTime());
                parts.add(e.getValue().get(left, TimeUnit.NANOSECONDS));
                answered.add(e.getKey());
            } catch (TimeoutException te) {
                e.getValue().cancel(true);
                failed.put(e.getKey(), "no answer within " + timeoutMillis + " ms");
            } catch (ExecutionException ee) {
                Throwable cause = ee.getCause();
                if (cause instanceof ShardQueryException q && refused == null) {
                    refused = q;
                }
                failed.put(e.getKey(), cause == null ? "failed" : cause.getMessage());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                futures.values().forEach(f -> f.cancel(true));
                throw new ShardUnavailableException(null, "interrupted while gathering shards", ie);
            }
        }
        if (refused != null && answered.isEmpty()) {
            throw refused; // the statement is wrong everywhere: report it as such, not as an outage
        }
        return new ScatterResult(plan.merge(parts), answered, failed);
    }


    /** Per-tenant load on each shard since the last report, as signals for the heartbeat capability. */
    private void reportLoad() {
        try {
            Instant now = Instant.now();
            for (ShardPool p : map.pools()) {
                p.load.forEach((tenant, l) -> {
                    long total = l.queries.sum();
                    long delta = total - l.reported.getAndSet(total);
                    if (delta > 0 && TenantId.isValid(tenant)) {
                        signals.load(new LoadSample(TenantId.of(tenant), "sharding", p.name, delta, now));
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.debug("sharding: load report failed: {}", e.getMessage());
        }
    }
}
