package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.store.ControlStore;
import io.headroom.sharding.api.Keyspace;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.internal.core.RouteCache;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.store.ControlSchema;
import io.headroom.sharding.internal.store.MoveStore;
import io.headroom.sharding.internal.store.ShardSchemas;
import io.headroom.sharding.internal.store.SchemaRecords;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.store.TopologyStore;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard map this node serves, shared by the router, the operator levers, moves and schema changes: the topology
 * cached from the control schema (re-read when its routing version changes, checked every {@code refreshMillis}), one
 * pool per shard (a shard whose primary moved gets a new pool, opened to what this node used on the old one before
 * routing points at it), and this node's acknowledgement of the routing version it serves (given once none of its
 * statements admitted under an older version is still running for a fenced tenant, so a cut-over can wait for every
 * live node instead of guessing).
 */
@Component(service = ShardMap.class, configurationPid = ShardMap.PID)
@Designate(ocd = ShardingConfig.class)
public final class ShardMap {
    public static final String PID = "io.headroom.sharding";
    private static final Logger LOG = LoggerFactory.getLogger(ShardMap.class);

    private final ShardingSettings settings;
    private final DataSource controlDb;
    private final TopologyStore store;
    private final MoveStore moves;
    private final String node;
    private final Map<String, ShardPool> pools = new ConcurrentHashMap<>();
    private final Map<String, ShardReplicaSet> replicas = new ConcurrentHashMap<>();
    /** Pools opened ahead for a shard's next primary (a switchover's target), taken when routing flips to it. */
    private final Map<String, ShardPool> prepared = new ConcurrentHashMap<>();
    private final ScheduledExecutorService background;
    private volatile RouteCache routes = new RouteCache(Topology.empty());
    /** Whether some move or split is between its first copied row and its cleanup (rows may exist on two shards). */
    private volatile boolean movesActive;
    /** The safe path for the current set of sharded tables and their unique keys (rebuilt when either changes). */
    private volatile SafePath safePath;
    private volatile Set<String> tables;
    private long tablesCheckedAt;
    private final SchemaRecords records;
    /** Where the primaries' statement latencies go. */
    final QueryTimes queryTimes = new QueryTimes();

    @Activate
    public ShardMap(@Reference ControlStore control, @Reference Fleet fleet, ShardingConfig config) throws SQLException {
        this(control, fleet.nodeId(), ShardingSettings.of(config));
    }

    /**
     * Without DS (the benchmark driver, same package). Not public: DS picks the activation constructor among the public
     * ones with as many parameters, and logged an error for this one at every activation.
     *
     * @param node this node's id in the fleet (its acknowledgements are recorded under it)
     */
    ShardMap(ControlStore control, String node, ShardingSettings settings) throws SQLException {
        this.settings = settings;
        this.node = node;
        control.migrate(ControlSchema.COMPONENT, ControlSchema.MIGRATIONS);
        this.controlDb = control.dataSource();
        this.store = new TopologyStore(controlDb);
        this.moves = new MoveStore(controlDb);
        this.records = new SchemaRecords(controlDb);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-refresh");
            t.setDaemon(true);
            return t;
        });
        apply(store.load());
        movesActive = holdingCopies();
        this.safePath = new SafePath(shardedTables(), Set.of(), settings.tenantColumn());
        refreshTables();
        background.scheduleWithFixedDelay(this::refresh, settings.refreshMillis(), settings.refreshMillis(), TimeUnit.MILLISECONDS);
        replicaProbe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-replicas");
            t.setDaemon(true);
            return t;
        });
        replicaProbe.scheduleWithFixedDelay(this::probeReplicas, settings.replicaProbeMillis(), settings.replicaProbeMillis(), TimeUnit.MILLISECONDS);
    }

    private final ScheduledExecutorService replicaProbe;

    private void probeReplicas() {
        for (Map.Entry<String, ShardReplicaSet> r : replicas.entrySet()) {
            ShardPool primary = pools.get(r.getKey());
            if (primary != null) {
                try {
                    r.getValue().probe(primary.dataSource());
                } catch (RuntimeException e) {
                    LOG.debug("sharding: cannot probe the replicas of {}: {}", r.getKey(), e.getMessage());
                }
            }
        }
    }

    @Deactivate
    public void deactivate() {
        background.shutdownNow();
        replicaProbe.shutdownNow();
        replicas.values().forEach(ShardReplicaSet::close);
        replicas.clear();
        try {
            store.leave(node);
        } catch (SQLException e) {
            LOG.debug("sharding: cannot remove this node from shard_nodes: {}", e.getMessage());
        }
        // statements admitted before the router went away finish first: closing the pool under one would abort it after
        // the server may have run it, and its caller would be told it did not run
        pools.values().forEach(ShardPool::stopAdmitting);
        long deadline = System.currentTimeMillis() + settings.queryTimeoutSeconds() * 1000L;
        while (pools.values().stream().anyMatch(ShardPool::busy) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        pools.values().forEach(ShardPool::close);
        pools.clear();
        prepared.values().forEach(ShardPool::close);
        prepared.clear();
    }

    private void refresh() {
        try {
            if (store.version() != routes.topology().version()) {
                apply(store.load());
            }
            ack();
            movesActive = holdingCopies();
            pools.values().forEach(ShardPool::probe);
            if (System.currentTimeMillis() - tablesCheckedAt > TABLES_CHECK_MILLIS) {
                refreshTables();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: cannot refresh the topology from the control schema: {}", e.getMessage());
        }
    }

    private boolean holdingCopies() {
        try {
            return moves.anyHoldingCopies();
        } catch (SQLException e) {
            return true; // unknown: filter, which is always correct
        }
    }

    private synchronized void apply(Topology t) {
        List<ShardPool> replaced = new java.util.ArrayList<>();
        for (Topology.ShardDef s : t.shards().values()) {
            ShardPool existing = pools.get(s.name());
            if (existing == null || !existing.url.equals(s.url())) {
                ShardPool ready = prepared.remove(s.name());
                if (ready != null && !ready.url.equals(s.url())) {
                    ready.close();
                    ready = null;
                }
                if (ready == null) {
                    ready = new ShardPool(s.name(), s.url(), settings, queryTimes::record);
                    if (existing != null) {
                        // the primary moved (a switchover or failover another node ran): open what this node used on the
                        // old one before routing points here, so the statements held for the cut-over find connections ready
                        ready.warm(existing.warmTarget());
                    }
                }
                pools.put(s.name(), ready);
                if (existing != null) {
                    replaced.add(existing);
                }
            }
        }
        for (String name : List.copyOf(pools.keySet())) {
            if (!t.shards().containsKey(name)) {
                pools.remove(name).close(); // waits for the statements running on it: none records after the series is gone
                queryTimes.forget(name);
            }
        }
        for (String name : t.shards().keySet()) {
            List<String> urls = t.replicasOf(name);
            if (!urls.isEmpty() || replicas.containsKey(name)) {
                replicas.computeIfAbsent(name, n -> new ShardReplicaSet(n, settings)).update(urls);
            }
        }
        for (String name : List.copyOf(replicas.keySet())) {
            if (!t.shards().containsKey(name) || replicas.get(name).isEmpty()) {
                replicas.remove(name).close();
            }
        }
        if (t.version() >= routes.topology().version()) {
            routes = new RouteCache(t);
        }
        // closed once routing points at the new pools: a statement that took an old one is rerouted, not cut off
        replaced.forEach(ShardPool::close);
    }

    /** Re-reads the topology now and acknowledges it. */
    public void reload() throws SQLException {
        apply(store.load());
        ack();
    }

    /**
     * Tells the other nodes which routing version this node serves, once none of its statements admitted under an
     * older one is still running for a fenced tenant.
     */
    private void ack() throws SQLException {
        Topology t = topology();
        long deadline = System.currentTimeMillis() + settings.queryTimeoutSeconds() * 1000L;
        for (String shard : t.fencedShards()) {
            while (inFlightOn(shard) && System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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

    private static final long TABLES_CHECK_MILLIS = 10_000;

    /**
     * Re-reads which sharded tables take upserts (every unique key includes the tenant column) from the first shard by
     * name, and rebuilds the safe path when that or the set of sharded tables changed. Called every 10 s and after a
     * schema change.
     */
    public synchronized void refreshTables() {
        tablesCheckedAt = System.currentTimeMillis();
        Set<String> tables = deriveTables();
        this.tables = tables;
        Set<String> upsertSafe = Set.of();
        ShardPool first = canary();
        if (first != null) {
            try {
                upsertSafe = ShardSchemas.upsertSafe(first.dataSource(), tables, settings.tenantColumn());
            } catch (SQLException | RuntimeException e) {
                LOG.debug("sharding: cannot read the unique keys of shard {}: {}", first.name, e.getMessage());
                upsertSafe = safePath == null ? Set.of() : safePath.upsertSafe();
            }
        }
        SafePath now = safePath;
        if (now == null || !now.shardedTables().equals(tables) || !now.upsertSafe().equals(upsertSafe)) {
            safePath = new SafePath(tables, upsertSafe, settings.tenantColumn());
        }
    }

    /** The safe path for the current sharded tables (a new instance whenever the tables or their keys change). */
    public SafePath safePath() {
        return safePath;
    }

    /** The sharded tables (lower-case): the configured ones and those the applied schema changes created, less the dropped. */
    public Set<String> shardedTables() {
        Set<String> t = tables;
        return t != null ? t : DdlCheck.shardedTables(settings.shardedTables(), List.of());
    }

    private Set<String> deriveTables() {
        try {
            List<String[]> changes = new java.util.ArrayList<>();
            for (SchemaRecords.Applied a : records.changes()) {
                changes.add(new String[] {a.ddl(), a.state()});
            }
            return Set.copyOf(DdlCheck.shardedTables(settings.shardedTables(), changes));
        } catch (SQLException | RuntimeException e) {
            LOG.debug("sharding: cannot read the schema changes: {}", e.getMessage());
            return shardedTables();
        }
    }

    /** SHOW CREATE TABLE without the parts that legitimately differ between shards (the next auto-increment value). */
    public static String normalise(String definition) {
        return definition == null ? null : definition.replaceAll(" AUTO_INCREMENT=\\d+", "").trim();
    }

    private ShardPool canary() {
        return pools.values().stream().min(java.util.Comparator.comparing(p -> p.name)).orElse(null);
    }

    /**
     * The recorded definition of every sharded table; a table without one (configured before the schema was recorded)
     * gets the canary's current definition recorded now.
     */
    public Map<String, String> referenceDefinitions() throws SQLException {
        Map<String, String> recorded = new java.util.TreeMap<>(records.definitions());
        recorded.keySet().retainAll(shardedTables());
        ShardPool canary = canary();
        Map<String, String> canaryDefs = null;
        for (String t : shardedTables()) {
            if (!recorded.containsKey(t) && canary != null) {
                if (canaryDefs == null) {
                    canaryDefs = ShardSchemas.definitions(canary.dataSource());
                }
                String def = canaryDefs.get(t);
                if (def != null) {
                    records.record(t, normalise(def), 0, true);
                    recorded.put(t, normalise(def));
                }
            }
        }
        return recorded;
    }

    /** Records the table's definition after a change is done on every shard (read from the canary), or forgets a dropped one. */
    public void recordChange(String ddl, int version, String canaryShard) throws SQLException {
        DdlCheck.Change c = DdlCheck.of(ddl);
        if (c.kind() == DdlCheck.Kind.DROP) {
            records.forget(c.table());
        } else {
            String def = ShardSchemas.definitions(shard(canaryShard)).get(c.table());
            if (def != null) {
                records.record(c.table(), normalise(def), version, false);
            }
        }
        refreshTables();
    }

    /** Every shard whose definition of a sharded table differs from the recorded one. */
    public List<io.headroom.sharding.api.SchemaDrift> diff() throws SQLException {
        Map<String, String> reference = referenceDefinitions();
        List<io.headroom.sharding.api.SchemaDrift> out = new java.util.ArrayList<>();
        List<String> names = new java.util.ArrayList<>(pools.keySet());
        names.sort(null);
        for (String name : names) {
            Map<String, String> defs;
            try {
                defs = ShardSchemas.definitions(pools.get(name).dataSource());
            } catch (SQLException | RuntimeException e) {
                out.add(new io.headroom.sharding.api.SchemaDrift(name, null, "unreachable: " + e.getMessage()));
                continue;
            }
            for (Map.Entry<String, String> r : reference.entrySet()) {
                String problem = drift(r.getValue(), defs.get(r.getKey()));
                if (problem != null) {
                    out.add(new io.headroom.sharding.api.SchemaDrift(name, r.getKey(), problem));
                }
            }
        }
        return out;
    }

    /** Null when the shard's definition equals the recorded one, else what differs. */
    static String drift(String recorded, String found) {
        if (found == null) {
            return "missing";
        }
        String a = normalise(recorded);
        String b = normalise(found);
        if (a.equals(b)) {
            return null;
        }
        String[] x = a.split("\n");
        String[] y = b.split("\n");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String l = i < x.length ? x[i].trim() : "(nothing)";
            String m = i < y.length ? y[i].trim() : "(nothing)";
            if (!l.equals(m)) {
                return "differs: expected " + l + " found " + m;
            }
        }
        return "differs";
    }

    /**
     * Brings a shard that is about to join to the current schema: creates every sharded table it lacks from the recorded
     * definition; a table it has with another definition is refused (IllegalStateException), nothing created.
     */
    public void bringToSchema(DataSource shard) throws SQLException {
        Map<String, String> reference = referenceDefinitions();
        Map<String, String> present = ShardSchemas.definitions(shard);
        for (Map.Entry<String, String> r : reference.entrySet()) {
            String found = present.get(r.getKey());
            if (found != null && drift(r.getValue(), found) != null) {
                throw new IllegalStateException("the new shard already has table " + r.getKey() + " with another definition ("
                        + drift(r.getValue(), found) + "): drop or fix it first");
            }
        }
        try (java.sql.Connection c = shard.getConnection(); java.sql.Statement s = c.createStatement()) {
            for (Map.Entry<String, String> r : reference.entrySet()) {
                if (!present.containsKey(r.getKey())) {
                    s.execute(r.getValue());
                }
            }
        }
    }

    // ---------------------------------------------------------------- what the other components read

    public ShardingSettings settings() {
        return settings;
    }

    /** This node's id in the fleet (its acknowledgements and views are recorded under it). */
    public String node() {
        return node;
    }

    public Topology topology() {
        return routes.topology();
    }

    /** The topology with its per-tenant routes. */
    public RouteCache routes() {
        return routes;
    }

    /** The shard map in the control schema. */
    public TopologyStore store() {
        return store;
    }

    public DataSource control() {
        return controlDb;
    }

    ShardPool pool(String shard) {
        return pools.get(shard);
    }

    Collection<ShardPool> pools() {
        return pools.values();
    }

    /** The shard's pool as a DataSource; IllegalArgumentException for an unknown shard. */
    public DataSource shard(String name) {
        ShardPool p = pools.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no shard " + name);
        }
        return p.dataSource();
    }

    public boolean movesActive() {
        return movesActive;
    }

    /** A move or split was just created: scatter queries filter by ownership from now on. */
    public void movesStarted() {
        movesActive = true;
    }

    public TenantLocation locate(TenantId tenant) {
        Topology t = topology();
        Topology.ShardDef def = t.route(tenant).orElse(null);
        return new TenantLocation(tenant.value(), Keyspace.hex(Keyspace.idOf(tenant)), def == null ? null : def.name(),
                def == null || def.range() == null ? null : def.range().toString(), t.pinned(tenant), t.version());
    }

    // ---------------------------------------------------------------- what a cut-over needs

    /** The routing version in the control schema now. */
    public long routingVersionNow() throws SQLException {
        return store.version();
    }

    /** Waits until every live node serves {@code version} (and drained what it admitted before). */
    public void awaitVersionSeen(long version) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + 10 * settings.refreshMillis() + 5000;
        while (!store.allNodesAt(version, 3 * settings.refreshMillis())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not every node acknowledged routing version " + version + " in time");
            }
            Thread.sleep(10);
        }
    }

    /**
     * Opens and fills, on this node, the pool the shard will use once routing flips to {@code url} (a switchover's
     * target, before its fence), so the statements held by the fence are released onto open connections.
     */
    public void preparePool(String shard, String url) {
        ShardPool p = new ShardPool(shard, url, settings, queryTimes::record);
        p.warm();
        ShardPool old = prepared.put(shard, p);
        if (old != null) {
            old.close();
        }
    }

    /** Closes a pool prepared for the shard that routing did not flip to (the switchover rolled back). */
    public void discardPrepared(String shard) {
        ShardPool p = prepared.remove(shard);
        if (p != null) {
            p.close();
        }
    }

    /** Whether any tenant's statement runs on the shard's primary on this node (a switchover's drain). */
    public boolean inFlightOn(String shard) {
        ShardPool p = pools.get(shard);
        if (p == null) {
            return false;
        }
        for (String bucket : p.load.keySet()) {
            if (!ShardPool.SCATTER_BUCKET.equals(bucket) && p.gate.inUse(bucket) > 0) {
                return true;
            }
        }
        return false;
    }

    /** The shard's replicas as last probed (none when it has none). */
    public List<io.headroom.sharding.api.ReplicaInfo> replicaInfos(String shard) {
        ShardReplicaSet r = replicas.get(shard);
        return r == null ? List.of() : r.infos();
    }

    /** A replica of the shard that fits the read preference, or null (read from the primary). */
    ShardPool readPool(String shard, io.headroom.sharding.api.ReadPreference preference) {
        ShardReplicaSet r = replicas.get(shard);
        return r == null ? null : r.forRead(preference);
    }

    /** Probes the shard's replicas now (an operator action reads fresh state). */
    public void probeReplicas(String shard) {
        ShardReplicaSet r = replicas.get(shard);
        ShardPool primary = pools.get(shard);
        if (r != null && primary != null) {
            r.probe(primary.dataSource());
        }
    }

    /** Whether any tenant the filter carries has a statement running on this node. */
    public boolean inFlight(TenantFilter filter) {
        Set<String> pinned = topology().pins().keySet();
        for (ShardPool p : pools.values()) {
            for (String bucket : p.load.keySet()) {
                if (p.gate.inUse(bucket) > 0 && filter.matches(bucket, pinned)) {
                    return true;
                }
            }
        }
        return false;
    }
}
