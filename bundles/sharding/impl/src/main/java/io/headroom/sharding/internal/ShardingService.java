package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantLoad;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.UnsafeStatementException;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.ScatterPlan;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.move.MoveHost;
import io.headroom.sharding.internal.move.Moves;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.internal.move.ShadowCopy;
import io.headroom.sharding.internal.schema.SchemaChangeManager;
import java.util.Optional;
import javax.sql.DataSource;
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
import java.util.Locale;
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
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router and the operator levers: caches the topology from the control schema (refreshed every
 * {@code refreshMillis}), keeps one pool per shard, checks every tenant statement on the safe path, runs scatter
 * queries on a bounded pool and reports per-tenant load. A thin shell around the pure cores in {@code .core}.
 */
@Component(service = {ShardRouter.class, ShardAdmin.class, TenantMoves.class, SchemaChanges.class}, configurationPid = ShardingService.PID)
@Designate(ocd = ShardingService.Config.class)
public final class ShardingService implements ShardRouter, ShardAdmin, TenantMoves, SchemaChanges, MoveHost {
    public static final String PID = "io.headroom.sharding";
    static final String SCATTER_BUCKET = "*scatter*";
    private static final Logger LOG = LoggerFactory.getLogger(ShardingService.class);
    private static final int MAX_CACHED_STATEMENTS = 10_000;

    @ObjectClassDefinition(name = "Headroom sharding")
    public @interface Config {
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
    }

    private final ShardingSettings settings;
    private final TopologyStore store;
    private final Signals signals;
    private final SafePath safePath;
    private final Map<String, SafePath.Checked> checked = new ConcurrentHashMap<>();
    private final Map<String, ScatterPlan> plans = new ConcurrentHashMap<>();
    private final Map<String, ShardPool> pools = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService background;
    private final ExecutorService scatterPool;
    private volatile Topology topology = Topology.empty();
    /** Whether some move or split is between its first copied row and its cleanup (rows may exist on two shards). */
    private volatile boolean movesActive;
    /** Routes computed for the current topology (hashing a tenant id costs more than looking it up). */
    private volatile Routes routes = new Routes(Topology.empty());
    private final String node = java.util.UUID.randomUUID().toString();

    private record Routes(Topology topology, Map<String, Topology.ShardDef> byTenant) {
        Routes(Topology topology) {
            this(topology, new ConcurrentHashMap<>());
        }

        Topology.ShardDef route(TenantId tenant) {
            Topology.ShardDef d = byTenant.get(tenant.value());
            if (d == null) {
                d = topology.route(tenant).orElse(null);
                if (d != null && byTenant.size() < 100_000) {
                    byTenant.put(tenant.value(), d);
                }
            }
            return d;
        }
    }
    private final DataSource controlDb;
    private final Moves moves;
    private final SchemaChangeManager schema;

    @Activate
    public ShardingService(@Reference ControlStore control, @Reference Signals signals, Config config) throws SQLException {
        this(control, signals, new ShardingSettings(config.user(), config.password(), config.tenantColumn(),
                Arrays.stream(config.shardedTables()).flatMap(t -> Arrays.stream(t.split(","))).map(String::trim)
                        .filter(t -> !t.isEmpty()).toList(),
                config.poolSize(), config.tenantShare(), config.tenantWaitMillis(), config.connectTimeoutMillis(),
                config.breakerThreshold(), config.breakerOpenMillis(), config.refreshMillis(), config.scatterThreads(),
                config.queryTimeoutSeconds()), config.moveGraceMillis(), config.moveChunkRows(), config.moveChunkPauseMillis(),
                config.schemaConcurrency(), config.schemaShardPauseMillis(), new ShadowCopy.Settings(config.schemaCopyChunkRows(),
                        config.schemaCopyChunkPauseMillis(), config.schemaCutOverLockMillis(), config.schemaCutOverAttempts()));
    }

    ShardingService(ControlStore control, Signals signals, ShardingSettings settings, long moveGraceMillis, int moveChunkRows, long moveChunkPauseMillis,
            int schemaConcurrency, long schemaShardPauseMillis) throws SQLException {
        this(control, signals, settings, moveGraceMillis, moveChunkRows, moveChunkPauseMillis, schemaConcurrency, schemaShardPauseMillis,
                ShadowCopy.Settings.DEFAULTS);
    }

    ShardingService(ControlStore control, Signals signals, ShardingSettings settings, long moveGraceMillis, int moveChunkRows, long moveChunkPauseMillis,
            int schemaConcurrency, long schemaShardPauseMillis, ShadowCopy.Settings shadowCopy) throws SQLException {
        if (settings.poolSize() < 1 || settings.tenantShare() <= 0 || settings.scatterThreads() < 1) {
            throw new IllegalArgumentException("poolSize, tenantShare and scatterThreads must be positive");
        }
        this.settings = settings;
        this.signals = signals;
        control.migrate("sharding", TopologyStore.MIGRATIONS);
        this.controlDb = control.dataSource();
        this.store = new TopologyStore(controlDb);
        this.schema = new SchemaChangeManager(this, schemaConcurrency, schemaShardPauseMillis,
                new ShadowCopy(this, shadowCopy));
        this.moves = new Moves(this, moveGraceMillis, Math.max(10, moveChunkRows), Math.max(0, moveChunkPauseMillis));
        this.safePath = new SafePath(Set.copyOf(settings.shardedTables()), settings.tenantColumn());
        this.scatterPool = Executors.newFixedThreadPool(settings.scatterThreads(), r -> {
            Thread t = new Thread(r, "headroom-scatter");
            t.setDaemon(true);
            return t;
        });
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-refresh");
            t.setDaemon(true);
            return t;
        });
        apply(store.load());
        movesActive = moves.anyHoldingCopies();
        background.scheduleWithFixedDelay(this::refresh, settings.refreshMillis(), settings.refreshMillis(), TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(this::reportLoad, 5, 5, TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(moves::claimOrphans, 0, 2, TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(schema::claimOrphans, 0, 2, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        moves.close();
        schema.close();
        background.shutdownNow();
        try {
            store.leave(node);
        } catch (SQLException e) {
            LOG.debug("sharding: cannot remove this node from shard_nodes: {}", e.getMessage());
        }
        scatterPool.shutdownNow();
        pools.values().forEach(ShardPool::close);
        pools.clear();
    }

    // ---------------------------------------------------------------- topology cache

    private void refresh() {
        try {
            if (store.version() != topology.version()) {
                apply(store.load());
            }
            ack();
            movesActive = moves.anyHoldingCopies();
            pools.values().forEach(ShardPool::probe);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: cannot refresh the topology from the control schema: {}", e.getMessage());
        }
    }

    private synchronized void apply(Topology t) {
        for (Topology.ShardDef s : t.shards().values()) {
            ShardPool existing = pools.get(s.name());
            if (existing == null || !existing.url.equals(s.url())) {
                pools.put(s.name(), new ShardPool(s.name(), s.url(), settings));
                if (existing != null) {
                    existing.close();
                }
            }
        }
        for (String name : List.copyOf(pools.keySet())) {
            if (!t.shards().containsKey(name)) {
                pools.remove(name).close();
            }
        }
        if (t.version() >= topology.version()) {
            topology = t;
            routes = new Routes(t);
        }
    }


    @Override
    public Topology topology() {
        return topology;
    }

    // ---------------------------------------------------------------- routing

    @Override
    public TenantShard forTenant(TenantId tenant) {
        ShardPool pool = resolve(tenant);
        if (!registered.contains(tenant.value()) && registered.add(tenant.value())) {
            try {
                store.registerTenant(tenant.value());
            } catch (SQLException e) {
                registered.remove(tenant.value());
                LOG.debug("sharding: cannot record tenant {}: {}", tenant, e.getMessage());
            }
        }
        return new Handle(tenant, pool.name);
    }

    private ShardPool resolve(TenantId tenant) {
        Topology.ShardDef def = routes.route(tenant);
        if (def == null) {
            throw new ShardUnavailableException(null, "no shard serves tenant " + tenant + " (keyspace id "
                    + Keyspace.hex(Keyspace.idOf(tenant)) + "): add a shard for its range", null);
        }
        ShardPool pool = pools.get(def.name());
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
                    Routes r = routes;
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
            return topology.route(tenant).map(Topology.ShardDef::name).orElse(shardAtStart);
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
        List<ShardPool> targets = new ArrayList<>(pools.values());
        targets.sort(Comparator.comparing(sp -> sp.name));
        int seconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
        Topology t = topology;
        boolean copies = movesActive;
        for (ShardPool sp : targets) {
            // while a move or split keeps a tenant's rows on two shards, each shard answers only for tenants it owns
            String shardSql = copies ? plan.shardSql(q -> ownership(t, sp.name, q)) : plan.shardSql();
            futures.put(sp.name, scatterPool.submit(() -> sp.run(SCATTER_BUCKET, seconds, conn -> read(conn, shardSql, p, seconds))));
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

    /** The SQL condition "the row's tenant routes to this shard", with values inlined (tenant ids and hex are safe). */
    private String ownership(Topology t, String shard, String qualifier) {
        String col = "`" + qualifier.replace("`", "") + "`.`" + settings.tenantColumn() + "`";
        List<String> pinnedHere = new ArrayList<>();
        List<String> pinnedAway = new ArrayList<>();
        t.pins().forEach((tenant, s) -> (s.equals(shard) ? pinnedHere : pinnedAway).add("'" + tenant + "'"));
        Topology.ShardDef def = t.shards().get(shard);
        List<String> byRange = new ArrayList<>();
        if (def != null && def.range() != null) {
            String id = "LEFT(MD5(" + col + "), 16)";
            if (!def.range().unboundedStart()) {
                byRange.add(id + " >= '" + Keyspace.hex(def.range().start()) + "'");
            }
            if (!def.range().unboundedEnd()) {
                byRange.add(id + " < '" + Keyspace.hex(def.range().end()) + "'");
            }
            if (!pinnedAway.isEmpty()) {
                byRange.add(col + " NOT IN (" + String.join(", ", pinnedAway) + ")");
            }
            if (byRange.isEmpty()) {
                byRange.add("1 = 1");
            }
        }
        List<String> parts = new ArrayList<>();
        if (!byRange.isEmpty()) {
            parts.add("(" + String.join(" AND ", byRange) + ")");
        }
        if (!pinnedHere.isEmpty()) {
            parts.add(col + " IN (" + String.join(", ", pinnedHere) + ")");
        }
        return parts.isEmpty() ? "1 = 0" : String.join(" OR ", parts);
    }

    // ---------------------------------------------------------------- operator view

    @Override
    public TenantLocation locate(TenantId tenant) {
        Topology t = topology;
        Topology.ShardDef def = t.route(tenant).orElse(null);
        return new TenantLocation(tenant.value(), Keyspace.hex(Keyspace.idOf(tenant)), def == null ? null : def.name(),
                def == null || def.range() == null ? null : def.range().toString(), t.pinned(tenant), t.version());
    }

    @Override
    public List<ShardInfo> shards() {
        Topology t = topology;
        Map<String, Integer> tenants = new HashMap<>();
        Map<String, Integer> pinned = new HashMap<>();
        try {
            for (String id : store.tenants()) {
                if (!TenantId.isValid(id)) {
                    continue;
                }
                t.route(TenantId.of(id)).ifPresent(s -> tenants.merge(s.name(), 1, Integer::sum));
            }
        } catch (SQLException e) {
            LOG.warn("sharding: cannot count tenants: {}", e.getMessage());
        }
        t.pins().forEach((tenant, shard) -> pinned.merge(shard, 1, Integer::sum));
        List<ShardInfo> out = new ArrayList<>();
        for (Topology.ShardDef s : t.shards().values()) {
            out.add(info(s, tenants.getOrDefault(s.name(), 0), pinned.getOrDefault(s.name(), 0)));
        }
        out.sort(Comparator.comparing(ShardInfo::name));
        return out;
    }

    private ShardInfo info(Topology.ShardDef s, int tenants, int pinned) {
        ShardPool p = pools.get(s.name());
        long q = 0;
        long err = 0;
        long micros = 0;
        if (p != null) {
            for (ShardPool.Load l : p.load.values()) {
                q += l.queries.sum();
                err += l.errors.sum();
                micros += l.latencyMicros.sum();
            }
        }
        return new ShardInfo(s.name(), s.range() == null ? null : s.range().toString(), s.url(), tenants, pinned,
                p == null ? "UNKNOWN" : p.health(), q, err, q == 0 ? 0 : micros / 1000.0 / q,
                p == null ? 0 : p.activeConnections(), p == null ? 0 : p.poolSize);
    }

    @Override
    public synchronized ShardInfo addShard(String name, String jdbcUrl, String keyRange) {
        KeyRange range = keyRange == null || keyRange.isBlank() ? null : KeyRange.parse(keyRange);
        String url = jdbcUrl == null ? null : jdbcUrl.trim();
        try {
            reload();
            topology.validateNewShard(name, url, range);
            checkReachable(url);
            store.addShard(name, url, range);
            reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the shard in the control schema: " + e.getMessage(), e);
        }
        return info(topology.shards().get(name), 0, 0);
    }

    private void checkReachable(String url) {
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setUrl(url);
        ds.setUser(settings.user());
        ds.setPassword(settings.password());
        try {
            ds.setConnectTimeout(3000);
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad shard URL: " + e.getMessage());
        }
        try (Connection c = ds.getConnection()) {
            if (!c.isValid(3)) {
                throw new IllegalArgumentException("shard database at " + url + " does not answer");
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot connect to the shard database at " + url + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized TenantLocation pin(TenantId tenant, String shard) {
        try {
            reload();
            if (!topology.shards().containsKey(shard)) {
                throw new IllegalArgumentException("no shard " + shard);
            }
            Topology.ShardDef now = topology.route(tenant).orElse(null);
            if (now != null && !now.name().equals(shard)) {
                requireNoRows(tenant, now.name());
            }
            store.pin(tenant.value(), shard);
            registered.add(tenant.value());
            reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the pin in the control schema: " + e.getMessage(), e);
        }
        return locate(tenant);
    }

    @Override
    public synchronized TenantLocation unpin(TenantId tenant) {
        try {
            reload();
            if (!topology.pinned(tenant)) {
                throw new IllegalArgumentException("tenant " + tenant + " is not pinned");
            }
            Topology.ShardDef now = topology.route(tenant).orElseThrow();
            Topology unpinned = new Topology(topology.version(), topology.shards(), without(topology.pins(), tenant.value()));
            Topology.ShardDef after = unpinned.route(tenant).orElse(null);
            if (after == null || !after.name().equals(now.name())) {
                requireNoRows(tenant, now.name());
            }
            store.unpin(tenant.value());
            reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the pin in the control schema: " + e.getMessage(), e);
        }
        return locate(tenant);
    }

    private static Map<String, String> without(Map<String, String> m, String key) {
        Map<String, String> copy = new HashMap<>(m);
        copy.remove(key);
        return copy;
    }

    /** Re-routing a tenant that has rows would strand them: that is a move, not a pin. */
    private void requireNoRows(TenantId tenant, String shard) {
        ShardPool p = pools.get(shard);
        for (String table : settings.shardedTables()) {
            String t = table.toLowerCase(Locale.ROOT);
            boolean has = p.run(SCATTER_BUCKET, settings.queryTimeoutSeconds(), conn -> {
                try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM `" + t + "` WHERE `" + settings.tenantColumn() + "` = ? LIMIT 1")) {
                    ps.setString(1, tenant.value());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                } catch (SQLException e) {
                    if ("42S02".equals(e.getSQLState())) {
                        return false; // table not created on this shard yet: no rows
                    }
                    throw e;
                }
            });
            if (has) {
                throw new IllegalStateException("tenant " + tenant + " has rows in " + t + " on shard " + shard
                        + ": re-routing it would strand them; move the tenant instead");
            }
        }
    }


    @Override
    public List<TenantLoad> tenantLoad() {
        List<TenantLoad> out = new ArrayList<>();
        for (ShardPool p : pools.values()) {
            p.load.forEach((tenant, l) -> {
                long q = l.queries.sum();
                out.add(new TenantLoad(tenant, p.name, q, l.errors.sum(), q == 0 ? 0 : l.latencyMicros.sum() / 1000.0 / q,
                        l.maxLatencyMicros.get() / 1000, l.refused.sum(), p.gate.inUse(tenant)));
            });
        }
        out.sort(Comparator.comparing(TenantLoad::shard).thenComparing(TenantLoad::tenant));
        return out;
    }

    @Override
    public long routingVersion() {
        return topology.version();
    }

    /** Per-tenant load on each shard since the last report, as signals for the heartbeat capability. */
    private void reportLoad() {
        try {
            Instant now = Instant.now();
            for (ShardPool p : pools.values()) {
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

    // ---------------------------------------------------------------- moves and splits

    @Override
    public MoveStatus move(TenantId tenant, String targetShard) {
        movesActive = true;
        return moves.move(tenant, targetShard);
    }

    @Override
    public MoveStatus split(String shard, String lowShard, String highShard) {
        movesActive = true;
        return moves.split(shard, lowShard, highShard);
    }

    @Override
    public Optional<MoveStatus> status(long id) {
        return moves.status(id);
    }

    @Override
    public List<MoveStatus> list() {
        return moves.list();
    }

    @Override
    public MoveStatus cancel(long id) {
        return moves.cancel(id);
    }

    @Override
    public MoveStatus cleanup(long id) {
        return moves.cleanup(id);
    }

    // ---------------------------------------------------------------- schema changes

    @Override
    public SchemaChangeStatus apply(int version, String ddl) {
        return schema.apply(version, ddl);
    }

    @Override
    public Optional<SchemaChangeStatus> status(int version) {
        return schema.status(version);
    }

    @Override
    public List<SchemaChangeStatus> changes() {
        return schema.changes();
    }

    @Override
    public SchemaChangeStatus pause(int version) {
        return schema.pause(version);
    }

    @Override
    public SchemaChangeStatus resume(int version) {
        return schema.resume(version);
    }

    @Override
    public SchemaChangeStatus cancel(int version) {
        return schema.cancel(version);
    }

    @Override
    public void reload() throws SQLException {
        apply(store.load());
        ack();
    }

    /**
     * Tells the other nodes which routing version this node serves, once none of its statements admitted under an
     * older one is still running for a fenced tenant: a cut-over waits for every live node's ack instead of guessing.
     */
    private void ack() throws SQLException {
        Topology t = topology;
        long deadline = System.currentTimeMillis() + settings.queryTimeoutSeconds() * 1000L;
        for (TenantFilter f : t.fences()) {
            while (inFlight(f) && System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        store.ack(node, t.version());
    }

    @Override
    public void awaitVersionSeen(long version) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + 10 * settings.refreshMillis() + 5000;
        while (!store.allNodesAt(version, 3 * settings.refreshMillis())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not every node acknowledged routing version " + version + " in time");
            }
            Thread.sleep(10);
        }
    }

    @Override
    public long routingVersionNow() throws SQLException {
        return store.version();
    }

    @Override
    public DataSource shard(String name) {
        ShardPool p = pools.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no shard " + name);
        }
        return p.dataSource();
    }

    @Override
    public DataSource control() {
        return controlDb;
    }

    @Override
    public String user() {
        return settings.user();
    }

    @Override
    public String password() {
        return settings.password();
    }

    @Override
    public String tenantColumn() {
        return settings.tenantColumn();
    }

    @Override
    public List<String> shardedTables() {
        return settings.shardedTables();
    }

    @Override
    public long refreshMillis() {
        return settings.refreshMillis();
    }

    @Override
    public boolean inFlight(TenantFilter filter) {
        Set<String> pinned = topology.pins().keySet();
        for (ShardPool p : pools.values()) {
            for (String bucket : p.load.keySet()) {
                if (p.gate.inUse(bucket) > 0 && filter.matches(bucket, pinned)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void change(MoveHost.Work work) throws SQLException {
        store.change(work::run);
    }

    /** The shard's pool, for the benchmark and tests inside this bundle. */
    javax.sql.DataSource shardDataSource(String shard) {
        ShardPool p = pools.get(shard);
        return p == null ? null : p.dataSource();
    }
}
