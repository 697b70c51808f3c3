package io.headroom.sharding.internal.engine;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRunner;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.internal.ShardMap;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.sharding.internal.core.ShardChangeState;
import io.headroom.sharding.internal.store.SchemaChangeStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one versioned schema change while this node holds its lease: the canary shard first, then the others with
 * bounded concurrency, pausable and cancellable between shards. Each shard is altered natively (INSTANT, else INPLACE
 * with LOCK=NONE); a change the server can only do by copying the table is applied with a shadow table copy
 * ({@link ShadowCopy}, COPY-SHADOW), pausable and cancellable between chunks. Every entry it records checks the lease,
 * and the lease is checked between shards and chunks: a runner that lost it stops without writing anything more.
 */
public final class SchemaChangeRunner extends LeasedRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaChangeRunner.class);
    /** MySQL/MariaDB errors that mean the change is already there (a rerun after a restart). */
    private static final Set<Integer> ALREADY = Set.of(1060, 1061, 1091, 1826, 1050, 1051);
    /** Errors that mean the requested algorithm cannot do this change. */
    private static final Set<Integer> NOT_SUPPORTED = Set.of(1845, 1846);

    /** How the node runs changes: shards altered at once after the canary, pause before starting the next shard. */
    public record Settings(int concurrency, long shardPauseMillis) {
    }

    private final ShardMap map;
    private final SchemaChangeStore store;
    private final ShadowCopy shadow;
    private final int version;
    private final Settings settings;

    public SchemaChangeRunner(ShardMap map, SchemaChangeStore store, ShadowCopy shadow, Lease lease, int version, Settings settings) {
        super(lease, "headroom-schema-" + version);
        this.map = map;
        this.store = store;
        this.shadow = shadow;
        this.version = version;
        this.settings = settings;
    }

    /** Drops shadow copies and kept old tables of the change's table on every shard (a change that is over). */
    public static void cleanUp(ShardMap map, String ddl) {
        DdlCheck.Change change = DdlCheck.of(ddl);
        if (change.kind() != DdlCheck.Kind.ALTER) {
            return; // CREATE and DROP leave nothing behind
        }
        String table = change.table();
        for (String shard : map.topology().shards().keySet()) {
            try {
                ShadowCopy.dropLeftovers(map.shard(shard), table);
            } catch (SQLException | RuntimeException e) {
                LOG.warn("sharding: cannot drop the shadow tables of {} on {}: {}", table, shard, e.getMessage());
            }
        }
    }

    @Override
    protected void work() {
        ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "headroom-schema-" + version + "-shard");
            t.setDaemon(true);
            return t;
        });
        try {
            SchemaChangeStatus s = store.status(version).orElseThrow();
            List<String> attempts = DdlCheck.attempts(s.ddl());
            // the shards registered until now, whichever node registered them: this node's cache may be a refresh behind
            map.reload();
            List<String> shards = new ArrayList<>(map.topology().shards().keySet());
            shards.sort(null);
            shards.remove(s.canary());
            shards.add(0, s.canary());
            Map<String, String> done = new ConcurrentHashMap<>(s.shards());
            // canary alone: a change that fails there never reaches the others
            if (!ShardChangeState.of(done.get(s.canary())).done()) {
                if (!proceed()) {
                    return;
                }
                String how = alter(s.canary(), s.ddl(), attempts);
                if (how == null) {
                    return; // the node stops: the shard starts again on the next run
                }
                record(done, s.canary(), how);
                if (ShardChangeState.of(how) == ShardChangeState.FAILED) {
                    cleanUp(map, s.ddl());
                    store.finish(version, SchemaChangeState.FAILED, "canary " + s.canary() + ": " + how, lease);
                    return;
                }
            }
            runOn(shards, done, s.ddl(), attempts, pool);
            // a shard registered while the change ran was brought to the schema recorded before this change, so it
            // gets the change here (until no new shard turns up)
            for (List<String> added = added(done); !added.isEmpty() && proceed(); added = added(done)) {
                runOn(added, done, s.ddl(), attempts, pool);
            }
            if (halted()) {
                return;
            }
            SchemaChangeState state = state();
            if (state == SchemaChangeState.RUNNING) {
                boolean failed = done.values().stream().map(ShardChangeState::of).anyMatch(h -> h == ShardChangeState.FAILED || !h.done());
                cleanUp(map, s.ddl()); // the old tables kept by shadow copies go when the change is over
                if (!failed) {
                    map.recordChange(s.ddl(), version, s.canary()); // the recorded schema follows the applied change
                }
                store.finish(version, failed ? SchemaChangeState.FAILED : SchemaChangeState.DONE, failed ? "some shards failed; see shards" : null, lease);
                map.refreshTables(); // a created table joins the sharded schema now
            } else if (state == SchemaChangeState.CANCELLED) {
                cleanUp(map, s.ddl());
            }
        } catch (Exception e) {
            if (!halted()) {
                LOG.warn("sharding: schema change {} stopped: {}", version, e.toString());
                try {
                    store.error(version, e.toString(), lease);
                } catch (SQLException | RuntimeException x) {
                    LOG.debug("sharding: cannot record the error: {}", x.getMessage());
                }
            }
        } finally {
            pool.shutdownNow(); // a change still RUNNING is claimed again at the next look (here or on another node)
        }
    }

    /** The shards of the topology as the control schema has it now that this change has no entry for yet. */
    private List<String> added(Map<String, String> done) throws SQLException {
        map.reload();
        List<String> added = new ArrayList<>(map.topology().shards().keySet());
        added.removeAll(done.keySet());
        added.sort(null);
        return added;
    }

    /** The change on each of these shards that still needs it, at most {@code concurrency} at once. */
    private void runOn(List<String> shards, Map<String, String> done, String ddl, List<String> attempts, ExecutorService pool)
            throws Exception {
        List<Future<?>> inFlight = new ArrayList<>();
        for (String shard : shards) {
            if (!ShardChangeState.of(done.get(shard)).needsRun()) {
                continue;
            }
            if (!proceed()) {
                break;
            }
            inFlight.add(pool.submit(() -> {
                String how = alter(shard, ddl, attempts);
                if (how != null) {
                    record(done, shard, how);
                }
                return null;
            }));
            if (inFlight.size() >= settings.concurrency()) {
                inFlight.remove(0).get();
            }
            if (settings.shardPauseMillis() > 0) {
                Thread.sleep(settings.shardPauseMillis());
            }
        }
        for (Future<?> f : inFlight) {
            f.get();
        }
    }

    private SchemaChangeState state() throws SQLException {
        return store.status(version).map(c -> SchemaChangeState.valueOf(c.state())).orElse(SchemaChangeState.CANCELLED);
    }

    /** Waits while paused; false when cancelled or stopping. */
    private boolean proceed() throws InterruptedException, SQLException {
        while (!halted()) {
            SchemaChangeState state = state();
            if (state == SchemaChangeState.RUNNING) {
                return true;
            }
            if (state != SchemaChangeState.PAUSED) {
                return false;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private void record(Map<String, String> done, String shard, String entry) throws SQLException {
        done.put(shard, entry);
        store.shard(version, shard, entry, lease);
    }

    /**
     * Applies the change on one shard: natively (INSTANT, else INPLACE with LOCK=NONE), else with a shadow table copy;
     * the shard's entry, null when the node stops in the middle of a copy.
     */
    private String alter(String shard, String ddl, List<String> attempts) {
        DdlCheck.Kind kind = DdlCheck.of(ddl).kind();
        String[] names = kind == DdlCheck.Kind.ALTER ? new String[] {"INSTANT", "INPLACE"}
                : new String[] {kind == DdlCheck.Kind.CREATE ? "CREATED" : "DROPPED"};
        String last = null;
        for (int i = 0; i < attempts.size(); i++) {
            try (Connection c = map.shard(shard).getConnection(); Statement s = c.createStatement()) {
                s.execute(attempts.get(i));
                return names[i];
            } catch (SQLException e) {
                if (ALREADY.contains(e.getErrorCode())) {
                    return "ALREADY";
                }
                last = e.getMessage();
                if (!NOT_SUPPORTED.contains(e.getErrorCode()) || kind != DdlCheck.Kind.ALTER) {
                    return ShardChangeState.failed(last);
                }
            }
        }
        LOG.info("sharding: schema change {} needs a table copy on {} ({}): copying to a shadow table", version, shard, last);
        String table = DdlCheck.check(ddl, map.shardedTables());
        long[] lastRecord = {0};
        ShadowCopy.Control control = new ShadowCopy.Control() {
            @Override
            public boolean proceed() throws Exception {
                return SchemaChangeRunner.this.proceed();
            }

            @Override
            public void progress(String phase, long copied, long total) {
                long now = System.currentTimeMillis();
                if (now - lastRecord[0] < 250 && phase.equals("copy")) {
                    return;
                }
                lastRecord[0] = now;
                try {
                    store.shard(version, shard, ShardChangeState.running("COPY-SHADOW " + phase + " " + copied + "/" + total + " rows"), lease);
                } catch (SQLException | RuntimeException e) {
                    LOG.debug("sharding: cannot record progress: {}", e.getMessage());
                }
            }
        };
        try {
            return shadow.run(shard, table, ddl, control).describe();
        } catch (ShadowCopy.Stopped e) {
            return halted() ? null : ShardChangeState.cancelled("the shadow copy stopped; the table is untouched");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            if (halted()) {
                return null;
            }
            LOG.warn("sharding: shadow copy of {} on {} failed: {}", table, shard, e.toString());
            return ShardChangeState.failed("shadow copy: " + e.getMessage());
        }
    }
}
