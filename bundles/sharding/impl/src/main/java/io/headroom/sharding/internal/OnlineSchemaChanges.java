package io.headroom.sharding.internal;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.sharding.internal.engine.SchemaChangeRunner;
import io.headroom.sharding.internal.engine.ShadowCopy;
import io.headroom.sharding.internal.store.SchemaChangeStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema changes across the shards of the shared {@link ShardMap}. Each change is recorded in the control
 * schema and run by the node holding its lease {@code sharding.schema.<version>}; every node looks every 2 s for a
 * RUNNING change whose lease is free (its holder stopped or died) and takes it over.
 */
@Component(service = SchemaChanges.class)
public final class OnlineSchemaChanges implements SchemaChanges {
    static final Duration LEASE_TTL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(OnlineSchemaChanges.class);

    private final ShardMap map;
    private final Leases leases;
    private final SchemaChangeStore store;
    private final ShadowCopy shadow;
    private final SchemaChangeRunner.Settings settings;
    private final Map<Integer, SchemaChangeRunner> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService looker;
    private volatile boolean closed;

    @Activate
    public OnlineSchemaChanges(@Reference ShardMap map, @Reference Leases leases) {
        this.map = map;
        this.leases = leases;
        this.store = new SchemaChangeStore(map.control());
        this.shadow = new ShadowCopy(map, map.settings().shadowCopy());
        this.settings = new SchemaChangeRunner.Settings(map.settings().schemaConcurrency(), map.settings().schemaShardPauseMillis());
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-schema-claims");
            t.setDaemon(true);
            return t;
        });
        looker.scheduleWithFixedDelay(this::claimOrphans, 0, 2, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        closed = true;
        looker.shutdownNow();
        List<SchemaChangeRunner> runners = List.copyOf(running.values());
        runners.forEach(SchemaChangeRunner::stop);
        long deadline = System.currentTimeMillis() + 5_000;
        for (SchemaChangeRunner r : runners) {
            r.awaitStopped(deadline - System.currentTimeMillis());
        }
        running.clear();
    }

    static String leaseName(int version) {
        return "sharding.schema." + version;
    }

    @Override
    public SchemaChangeStatus apply(int version, String ddl) {
        if (version < 1) {
            throw new IllegalArgumentException("schema versions start at 1");
        }
        DdlCheck.check(ddl, new HashSet<>(map.settings().shardedTables()));
        try {
            int latest = store.latest();
            if (version <= latest) {
                throw new IllegalStateException("schema version " + version + " is not new: the latest is " + latest);
            }
            List<String> shards = new ArrayList<>(map.topology().shards().keySet());
            if (shards.isEmpty()) {
                throw new IllegalStateException("there are no shards to change");
            }
            shards.sort(null);
            store.create(version, ddl.trim(), shards.get(0));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the schema change: " + e.getMessage(), e);
        }
        claim(version);
        return status(version).orElseThrow();
    }

    @Override
    public Optional<SchemaChangeStatus> status(int version) {
        try {
            return store.status(version);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read schema changes: " + e.getMessage(), e);
        }
    }

    @Override
    public List<SchemaChangeStatus> changes() {
        try {
            return store.list();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read schema changes: " + e.getMessage(), e);
        }
    }

    @Override
    public SchemaChangeStatus pause(int version) {
        return step(version, SchemaChangeState.PAUSED);
    }

    @Override
    public SchemaChangeStatus resume(int version) {
        SchemaChangeStatus s = step(version, SchemaChangeState.RUNNING);
        claim(version);
        return s;
    }

    @Override
    public SchemaChangeStatus cancel(int version) {
        SchemaChangeStatus s = step(version, SchemaChangeState.CANCELLED);
        // whoever holds the lease drops what a shadow copy left; nobody holding it (paused before a restart): do it here
        leases.tryAcquire(leaseName(version), LEASE_TTL).ifPresent(lease -> {
            try (lease) {
                SchemaChangeRunner.cleanUp(map, s.ddl());
            }
        });
        return s;
    }

    /** An operator's step, a compare-and-set from the state the change is in now. */
    private SchemaChangeStatus step(int version, SchemaChangeState to) {
        SchemaChangeStatus s = status(version).orElseThrow(() -> new IllegalArgumentException("no schema change " + version));
        SchemaChangeState from = SchemaChangeState.valueOf(s.state());
        from.to(to, version);
        try {
            if (!store.transition(version, from, to)) {
                throw new IllegalStateException("schema change " + version + " left state " + from + " meanwhile; look at it again");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update schema change " + version + ": " + e.getMessage(), e);
        }
        return status(version).orElseThrow();
    }

    /** Takes over RUNNING changes whose lease is free: called every 2 s. */
    private void claimOrphans() {
        try {
            for (int version : store.in(SchemaChangeState.RUNNING)) {
                claim(version);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: cannot look for schema changes to resume: {}", e.getMessage());
        }
    }

    private synchronized void claim(int version) {
        if (closed || running.containsKey(version)) {
            return;
        }
        Optional<Lease> lease = leases.tryAcquire(leaseName(version), LEASE_TTL);
        if (lease.isEmpty()) {
            return; // another node runs it, or the control schema is unreachable: the next look tries again
        }
        SchemaChangeRunner r = new SchemaChangeRunner(map, store, shadow, lease.get(), version, settings, () -> running.remove(version));
        running.put(version, r);
        r.start();
    }
}
