package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
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
import io.headroom.sharding.api.TenantOverLimitException;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.ResultLimitException;
import io.headroom.sharding.api.StatementResult;
import io.headroom.sharding.api.TenantFencedException;
import io.headroom.sharding.api.UnsafeStatementException;
import io.headroom.sharding.internal.core.TenantGate;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
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
    private volatile SafePath checkedBy;
    /** The core's per-tenant limits across layers, while the core offers them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile TenantLimits tenantLimits;
    private final Map<String, SafePath.Checked> checked = new ConcurrentHashMap<>();
    private volatile Set<String> plannedFor;
    private final Map<String, ScatterPlan> plans = new ConcurrentHashMap<>();
    private final Map<String, String> ownedSql = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final ExecutorService scatterPool;
    /** Kills the statements of shards a scatter gave up on (rare; bounded, a kill that does not fit is skipped). */
    private final ExecutorService canceller;
    private final ScheduledExecutorService reporter;
    /** The Data API's statement timeouts, on one timer (not the driver's timer per connection). */
    private final StatementDeadlines deadlines = new StatementDeadlines();

    @Activate
    public MysqlShardRouter(@Reference ShardMap map, @Reference Signals signals) {
        this.map = map;
        this.settings = map.settings();
        this.signals = signals;
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
        canceller.shutdownNow();
        deadlines.close();
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
        return new Handle(tenant, pool.name, io.headroom.sharding.api.ReadPreference.PRIMARY, settings.writeBufferMillis());
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

    /**
     * An operator's shard share for the tenant (the core's tenant limits), checked once its connection is held: the
     * connections it holds, this one included, may not exceed that share of the pool, so at most that many proceed.
     */
    private void checkShare(TenantId tenant, ShardPool pool) {
        TenantLimits l = tenantLimits;
        Double share = l == null ? null : l.limit(tenant).map(TenantLimit::shardShare).orElse(null);
        if (share != null) {
            int cap = TenantGate.share(pool.poolSize, share);
            if (pool.gate.inUse(tenant.value()) > cap) {
                throw new TenantOverLimitException(pool.name, "tenant " + tenant + " already holds its " + cap
                        + " connection(s) on shard " + pool.name + " (an operator's limit); retry shortly");
            }
        }
    }

    /**
     * Runs a tenant's work on the shard it routes to now, re-checking routing and fences once its share is held. A
     * statement that meets a fence is held (its share released, so the cut-over's drain is not kept waiting) and tried
     * again until the fence lifts or {@code holdMillis} have passed.
     */
    private <T> T onTenantShard(TenantId tenant, long holdMillis, ShardPool.Work<T> work) {
        long deadline = System.nanoTime() + holdMillis * 1_000_000;
        while (true) {
            try {
                return onTenantShard(tenant, work);
            } catch (TenantFencedException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(FENCE_RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static final long FENCE_RETRY_MILLIS = 5;
    /** Reroutes before giving up: the first few at once, the rest 5 ms apart (about 1 s in all). */
    private static final int REROUTES = 200;

    /** A read on a replica that fits the preference; null when none does (then it runs on the primary). */
    private <T> T onReplica(TenantId tenant, io.headroom.sharding.api.ReadPreference preference, ShardPool.Work<T> work) {
        if (preference.kind() == io.headroom.sharding.api.ReadPreference.Kind.PRIMARY) {
            return null;
        }
        Topology.ShardDef def = map.routes().route(tenant);
        ShardPool replica = def == null ? null : map.readPool(def.name(), preference);
        if (replica == null) {
            return null;
        }
        try {
            return replica.run(tenant.value(), work);
        } catch (ShardUnavailableException e) {
            return null; // the replica went away: the primary answers
        }
    }

    /** Runs a tenant's work on the shard it routes to now, re-checking routing and fences once its share is held. */
    private <T> T onTenantShard(TenantId tenant, ShardPool.Work<T> work) {
        for (int attempt = 0; ; attempt++) {
            ShardPool pool = resolve(tenant);
            try {
                return pool.run(tenant.value(), () -> {
                    checkShare(tenant, pool);
                    RouteCache r = map.routes();
                    if ((!r.topology().fences().isEmpty() || !r.topology().fencedShards().isEmpty()) && r.topology().fenced(tenant)) {
                        throw new TenantFencedException(pool.name, "tenant " + tenant
                                + " is being moved: its statements are held for the cut-over; retry in a moment");
                    }
                    Topology.ShardDef now = r.route(tenant);
                    // the same shard at another server (a switchover flipped it): the old pool's server is no longer the primary
                    if (now == null || !now.name().equals(pool.name) || !now.url().equals(pool.url)) {
                        throw new Rerouted();
                    }
                }, work);
            } catch (Rerouted r) {
                if (attempt >= 3) {
                    // routing is being applied on this node right now (a switchover's new pool): a moment later it is done
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        attempt = REROUTES;
                    }
                }
                if (attempt >= REROUTES) {
                    throw new ShardUnavailableException(pool.name, "tenant " + tenant + "'s routing keeps changing; retry", null);
                }
            }
        }
    }

    private SafePath.Checked check(String sql) {
        SafePath safePath = map.safePath();
        if (safePath != checkedBy) {
            checked.clear(); // the tables or their keys changed: check again
            checkedBy = safePath;
        }
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
        private final io.headroom.sharding.api.ReadPreference reads;
        private final long holdMillis;

        Handle(TenantId tenant, String shard, io.headroom.sharding.api.ReadPreference reads, long holdMillis) {
            this.tenant = tenant;
            this.shardAtStart = shard;
            this.reads = reads;
            this.holdMillis = holdMillis;
        }

        @Override
        public TenantShard reading(io.headroom.sharding.api.ReadPreference preference) {
            return new Handle(tenant, shardAtStart, preference == null ? io.headroom.sharding.api.ReadPreference.PRIMARY : preference, holdMillis);
        }

        @Override
        public TenantShard withFenceHold(Duration hold) {
            return new Handle(tenant, shardAtStart, reads, hold == null ? 0 : Math.max(0, hold.toMillis()));
        }

        /** Reads where the preference allows, else (and always for writes) the primary. */
        private <T> T readWhereAllowed(ShardPool.Work<T> work) {
            T fromReplica = onReplica(tenant, reads, work);
            return fromReplica != null ? fromReplica : onTenantShard(tenant, holdMillis, work);
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
            return observed(() -> readWhereAllowed(conn -> MysqlShardRouter.read(conn, c.sql(), p, null)));
        }

        @Override
        public int update(String sql, Object... params) {
            SafePath.Checked c = check(sql);
            if (c.query()) {
                throw new UnsafeStatementException("update() runs INSERT, UPDATE and DELETE; use query() for SELECT");
            }
            Object[] p = normalise(params);
            c.verify(tenant.value(), p);
            return observed(() -> onTenantShard(tenant, holdMillis, conn -> {
                try (PreparedStatement ps = conn.prepareStatement(c.sql())) {
                    bind(ps, p);
                    return ps.executeUpdate();
                }
            }));
        }

        @Override
        public List<Integer> updateAll(List<Statement> statements) {
            List<Object[]> bound = new ArrayList<>();
            List<String> sqls = new ArrayList<>();
            for (Statement s : statements) {
                SafePath.Checked c = check(s.sql());
                sqls.add(c.sql());
                if (c.query()) {
                    throw new UnsafeStatementException("updateAll() runs INSERT, UPDATE and DELETE only");
                }
                Object[] p = normalise(s.params().toArray());
                c.verify(tenant.value(), p);
                bound.add(p);
            }
            return observed(() -> onTenantShard(tenant, holdMillis, conn -> {
                conn.setAutoCommit(false);
                try {
                    List<Integer> counts = new ArrayList<>();
                    for (int i = 0; i < statements.size(); i++) {
                        try (PreparedStatement ps = conn.prepareStatement(sqls.get(i))) {
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

        @Override
        public List<StatementResult> execute(List<Statement> statements, int maxRows, int timeoutSeconds) {
            if (statements == null || statements.isEmpty()) {
                throw new IllegalArgumentException("no statement to run");
            }
            List<SafePath.Checked> checks = new ArrayList<>();
            List<Object[]> bound = new ArrayList<>();
            for (Statement s : statements) {
                if (s == null || s.sql() == null || s.sql().isBlank()) {
                    throw new UnsafeStatementException("a statement has no sql");
                }
                SafePath.Checked c = check(s.sql());
                Object[] p = normalise(s.params().toArray());
                c.verifyCount(p);
                c.verify(tenant.value(), p);
                checks.add(c);
                bound.add(p);
            }
            boolean readOnly = checks.stream().allMatch(SafePath.Checked::query);
            ShardPool.Work<List<StatementResult>> run = conn -> {
                boolean tx = statements.size() > 1;
                if (tx) {
                    conn.setAutoCommit(false);
                }
                try {
                    List<StatementResult> out = new ArrayList<>();
                    for (int i = 0; i < checks.size(); i++) {
                        out.add(DataValues.run(conn, checks.get(i).sql(), checks.get(i).query(), bound.get(i), maxRows, timeoutSeconds, deadlines));
                    }
                    if (tx) {
                        conn.commit();
                    }
                    return out;
                } catch (SQLException | RuntimeException e) {
                    if (tx) {
                        conn.rollback();
                    }
                    throw e;
                } finally {
                    if (tx) {
                        conn.setAutoCommit(true);
                    }
                }
            };
            return observed(() -> readOnly ? readWhereAllowed(run) : onTenantShard(tenant, holdMillis, run));
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

    /** Reads all rows; {@code call}, when given, learns the statement so a scatter past its deadline can cancel it. */
    private static QueryResult read(Connection conn, String sql, Object[] params, ShardCall call) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            bind(ps, params);
            if (call != null) {
                call.running(ps);
            }
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
            } finally {
                if (call != null) {
                    call.returned();
                }
            }
        }
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
    private final class ShardCall {
        private final Future<QueryResult> result;
        private final Object lock = new Object();
        private PreparedStatement statement;
        private boolean timedOut;
        private boolean returned;

        ShardCall(ShardPool pool, String sql, Object[] params) {
            this.result = scatterPool.submit(() -> pool.run(ShardPool.SCATTER_BUCKET, conn -> read(conn, sql, params, this)));
        }

        /** The shard's task, just before its statement runs. */
        void running(PreparedStatement ps) {
            synchronized (lock) {
                if (timedOut) {
                    throw new GaveUp();
                }
                statement = ps;
            }
        }

        /** The shard's task, once its statement returned: waits for a kill in flight, so none reaches the connection's next statement. */
        void returned() {
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

    // ---------------------------------------------------------------- scatter

    @Override
    public ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout) {
        return scatter(sql, params, perShardTimeout, io.headroom.sharding.api.ReadPreference.PRIMARY);
    }

    @Override
    public ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout, io.headroom.sharding.api.ReadPreference reads) {
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
        long timeoutMillis = perShardTimeout == null ? settings.queryTimeoutSeconds() * 1000L : Math.max(1, perShardTimeout.toMillis());
        Object[] p = normalise(params == null ? null : params.toArray());
        Map<String, ShardCall> calls = new LinkedHashMap<>();
        List<ShardPool> targets = new ArrayList<>(map.pools());
        targets.sort(Comparator.comparing(sp -> sp.name));
        Topology t = map.topology();
        boolean copies = map.movesActive();
        boolean onReplicas = reads != null && reads.kind() != io.headroom.sharding.api.ReadPreference.Kind.PRIMARY;
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
