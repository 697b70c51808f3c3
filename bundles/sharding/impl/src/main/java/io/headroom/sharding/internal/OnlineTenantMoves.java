package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.core.api.fleet.LeasedWork;
import io.headroom.sharding.internal.engine.MoveRunner;
import io.headroom.sharding.internal.engine.ShardPositions;
import io.headroom.sharding.internal.store.MoveStore;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Tenant moves and shard splits over the shared {@link ShardMap}: validation, the control-schema record, and a
 * {@link MoveRunner} for each move this node holds the lease of ({@code sharding.move.<id>}); an active move whose
 * lease is free (its holder stopped or died) is taken over at the next look.
 */
@Component(service = TenantMoves.class)
public final class OnlineTenantMoves implements TenantMoves {
    private final ShardMap map;
    private final MoveStore store;
    private final MoveRunner.Settings settings;
    private final LeasedWork<Long> work;

    @Activate
    public OnlineTenantMoves(@Reference ShardMap map, @Reference Leases leases) {
        this.map = map;
        this.store = new MoveStore(map.control());
        ShardingSettings s = map.settings();
        this.settings = new MoveRunner.Settings(s.moveGraceMillis(), s.moveChunkRows(), s.moveChunkPauseMillis());
        this.work = new LeasedWork<>("sharding.move", leases, store::active, (id, lease) -> new MoveRunner(map, store, lease, id, settings));
    }

    @Deactivate
    void deactivate() {
        work.close();
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
        // the GTID position before the first row is read: replay from here catches every change the copy misses, on
        // whichever server is the source's primary when it runs (a switchover of the source or a target meanwhile is fine)
        String from = ShardPositions.gtid(map, plan.source()).text();
        long id = store.create(plan, from);
        map.movesStarted();
        work.claim(id);
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
            Lease lease = work.tryLease(id).orElseThrow(() -> new IllegalStateException("move " + id + " is held by another node right now; try again"));
            new MoveRunner(map, store, lease, id, settings).abandon();
        }
        return status(id).orElseThrow();
    }
}
