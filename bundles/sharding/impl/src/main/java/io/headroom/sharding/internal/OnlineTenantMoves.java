package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.engine.MoveRunner;
import io.headroom.sharding.internal.store.MoveStore;
import java.sql.SQLException;
import java.time.Duration;
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
 * Tenant moves and shard splits over the shared {@link ShardMap}: validation, the control-schema record, and one
 * {@link MoveRunner} per move this node holds the lease of ({@code sharding.move.<id>}). Every node looks every 2 s
 * for an active move whose lease is free (its holder stopped or died) and takes it over.
 */
@Component(service = TenantMoves.class)
public final class OnlineTenantMoves implements TenantMoves {
    static final Duration LEASE_TTL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(OnlineTenantMoves.class);

    private final ShardMap map;
    private final Leases leases;
    private final MoveStore store;
    private final MoveRunner.Settings settings;
    private final Map<Long, MoveRunner> runners = new ConcurrentHashMap<>();
    private final ScheduledExecutorService looker;
    private volatile boolean closed;

    @Activate
    public OnlineTenantMoves(@Reference ShardMap map, @Reference Leases leases) {
        this.map = map;
        this.leases = leases;
        this.store = new MoveStore(map.control());
        ShardingSettings s = map.settings();
        this.settings = new MoveRunner.Settings(s.moveGraceMillis(), s.moveChunkRows(), s.moveChunkPauseMillis());
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-move-claims");
            t.setDaemon(true);
            return t;
        });
        looker.scheduleWithFixedDelay(this::claimOrphans, 0, 2, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        closed = true;
        looker.shutdownNow();
        List<MoveRunner> stopping = List.copyOf(runners.values());
        stopping.forEach(MoveRunner::stop);
        long deadline = System.currentTimeMillis() + 5_000;
        for (MoveRunner r : stopping) {
            r.awaitStopped(deadline - System.currentTimeMillis());
        }
        runners.clear();
    }

    static String leaseName(long id) {
        return "sharding.move." + id;
    }

    @Override
    public MoveStatus move(TenantId tenant, String targetShard) {
        try {
            map.reload();
            return start(MovePlan.move(map.topology(), tenant, targetShard));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the move: " + e.getMessage(), e);
        }
    }

    @Override
    public MoveStatus split(String shard, String lowShard, String highShard) {
        try {
            map.reload();
            return start(MovePlan.split(map.topology(), shard, lowShard, highShard));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the split: " + e.getMessage(), e);
        }
    }

    private MoveStatus start(MovePlan plan) throws SQLException {
        plan.requireIdle(store.list());
        // the binlog position before the first row is read: replay from here catches every change the copy misses
        String from = MoveRunner.binlogPosition(map, plan.source());
        long id = store.create(plan, from);
        map.movesStarted();
        claim(id);
        return store.status(id).orElseThrow();
    }

    @Override
    public Optional<MoveStatus> status(long id) {
        try {
            return store.status(id);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read move " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<MoveStatus> list() {
        try {
            return store.list();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read moves: " + e.getMessage(), e);
        }
    }

    @Override
    public MoveStatus cancel(long id) {
        return request(id, MoveRequest.CANCEL);
    }

    @Override
    public MoveStatus cleanup(long id) {
        return request(id, MoveRequest.CLEANUP);
    }

    private MoveStatus request(long id, MoveRequest request) {
        MoveStatus m = status(id).orElseThrow(() -> new IllegalArgumentException("no move " + id));
        MoveState state = MoveState.valueOf(m.state());
        request.check(id, state);
        try {
            store.request(id, state, request);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the request: " + e.getMessage(), e);
        }
        if (state == MoveState.FAILED) {
            // nobody runs a failed move: clean it up here, under its lease
            Lease lease = leases.tryAcquire(leaseName(id), LEASE_TTL)
                    .orElseThrow(() -> new IllegalStateException("move " + id + " is held by another node right now; try again"));
            new MoveRunner(map, store, lease, id, settings, () -> { }).abandon();
        }
        return status(id).orElseThrow();
    }

    /** Takes over active moves whose lease is free: called every 2 s. */
    private void claimOrphans() {
        try {
            for (long id : store.active()) {
                claim(id);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: cannot look for moves to resume: {}", e.getMessage());
        }
    }

    private synchronized void claim(long id) {
        if (closed || runners.containsKey(id)) {
            return;
        }
        Optional<Lease> lease = leases.tryAcquire(leaseName(id), LEASE_TTL);
        if (lease.isEmpty()) {
            return; // another node runs it, or the control schema is unreachable: the next look tries again
        }
        MoveRunner r = new MoveRunner(map, store, lease.get(), id, settings, () -> runners.remove(id));
        runners.put(id, r);
        r.start();
    }
}
