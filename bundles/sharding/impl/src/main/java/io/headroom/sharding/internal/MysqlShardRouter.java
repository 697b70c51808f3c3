package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.Signals;
import io.headroom.sharding.api.Keyspace;
import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantFencedException;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.api.TenantOverLimitException;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.internal.core.Admission;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.TenantGate;
import io.headroom.sharding.internal.core.Topology;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router over the shared {@link ShardMap}: tenant handles ({@link TenantHandle}) whose every statement is checked
 * on the safe path and runs on the tenant's shard under its connection share, scatter queries ({@link ScatterQueries})
 * on a bounded pool, per-tenant load reported to the heartbeat signals.
 */
@Component(service = ShardRouter.class)
public final class MysqlShardRouter implements ShardRouter {
    private static final Logger LOG = LoggerFactory.getLogger(MysqlShardRouter.class);
    private static final int MAX_CACHED_STATEMENTS = 10_000;
    private static final long FENCE_RETRY_MILLIS = 5;

    private final ShardMap map;
    private final ShardingSettings settings;
    private final Signals signals;
    private volatile SafePath checkedBy;
    /** The core's per-tenant limits across layers, while the core offers them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile TenantLimits tenantLimits;
    private final Map<String, SafePath.Checked> checked = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final ScatterQueries scatters;
    private final ScheduledExecutorService reporter;
    /** The Data API's statement timeouts, on one timer (not the driver's timer per connection). */
    private final StatementDeadlines deadlines = new StatementDeadlines();

    @Activate
    public MysqlShardRouter(@Reference ShardMap map, @Reference Signals signals) {
        this.map = map;
        this.settings = map.settings();
        this.signals = signals;
        this.scatters = new ScatterQueries(map);
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
        scatters.close();
        deadlines.close();
    }

    @Override
    public TenantLocation locate(TenantId tenant) {
        return map.locate(tenant);
    }

    ShardMap map() {
        return map;
    }

    Signals signals() {
        return signals;
    }

    StatementDeadlines deadlines() {
        return deadlines;
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
        return new TenantHandle(this, tenant, pool.name, ReadPreference.PRIMARY, settings.writeBufferMillis());
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
    <T> T onTenantShard(TenantId tenant, long holdMillis, ShardPool.Work<T> work) {
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

    /** A read on a replica that fits the preference; null when none does (then it runs on the primary). */
    <T> T onReplica(TenantId tenant, ReadPreference preference, ShardPool.Work<T> work) {
        if (preference.kind() == ReadPreference.Kind.PRIMARY) {
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
                    switch (Admission.of(map.routes(), tenant, pool.name, pool.url)) {
                        case FENCED -> throw new TenantFencedException(pool.name, "tenant " + tenant
                                + " is being moved: its statements are held for the cut-over; retry in a moment");
                        case REROUTED -> throw new Rerouted();
                        case RUN -> { }
                    }
                }, work);
            } catch (Rerouted r) {
                if (Admission.pauseBefore(attempt)) {
                    // routing is being applied on this node right now (a switchover's new pool): a moment later it is done
                    try {
                        Thread.sleep(Admission.PAUSE_MILLIS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        attempt = Admission.REROUTES;
                    }
                }
                if (Admission.givenUp(attempt)) {
                    throw new ShardUnavailableException(pool.name, "tenant " + tenant + "'s routing keeps changing; retry", null);
                }
            }
        }
    }

    /** The statement checked on the safe path, remembered while the sharded tables and their keys stay the same. */
    SafePath.Checked check(String sql) {
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

    // ---------------------------------------------------------------- scatter

    @Override
    public ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout) {
        return scatter(sql, params, perShardTimeout, ReadPreference.PRIMARY);
    }

    @Override
    public ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout, ReadPreference reads) {
        return scatters.scatter(sql, params, perShardTimeout, reads);
    }

    /** Per-tenant load on each shard since the last report (statements, and pool time in ms), as signals for the ledger. */
    private void reportLoad() {
        try {
            Instant now = Instant.now();
            for (ShardPool p : map.pools()) {
                p.load.forEach((tenant, l) -> {
                    long total = l.queries.sum();
                    long delta = total - l.reported.getAndSet(total);
                    long micros = l.latencyMicros.sum();
                    long poolMicros = micros - l.reportedMicros.getAndSet(micros);
                    if (TenantId.isValid(tenant)) {
                        if (delta > 0) {
                            signals.load(new LoadSample(TenantId.of(tenant), "sharding", p.name, "queries", delta, now));
                        }
                        if (poolMicros > 0) { // the time its statements held a connection of the shard's pool
                            signals.load(new LoadSample(TenantId.of(tenant), "sharding", p.name, "pool_ms", poolMicros / 1000.0, now));
                        }
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.debug("sharding: load report failed: {}", e.getMessage());
        }
    }
}
