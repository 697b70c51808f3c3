package io.headroom.sharding.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeaseLostException;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.sharding.internal.core.ShardChangeState;
import io.headroom.sharding.internal.core.Topology;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The sharding tables of the control schema on a real MariaDB: compare-and-set transitions and lease fencing. */
public class StoresTest {
    private static MariaDb db;
    private String schema;
    private PlainControlStore control;
    private final HeldLease lease = new HeldLease();

    /** A lease whose loss the test decides: verify refuses once it is lost, as the core's leases do. */
    private static final class HeldLease implements Lease {
        volatile boolean held = true;

        public String name() {
            return "sharding.test";
        }

        public long epoch() {
            return 1;
        }

        public boolean held() {
            return held;
        }

        public void verify(Connection transaction) {
            if (!held) {
                throw new LeaseLostException(name());
            }
        }

        public void close() {
            held = false;
        }
    }

    @Before
    public void setUp() {
        synchronized (StoresTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        control = new PlainControlStore(db, schema);
        control.migrate(ControlSchema.COMPONENT, ControlSchema.MIGRATIONS);
    }

    @After
    public void tearDown() {
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    private static Topology twoShards() {
        return new Topology(1, Map.of("s0", new Topology.ShardDef("s0", "jdbc:mysql://h/s0", KeyRange.parse("-80")),
                "s1", new Topology.ShardDef("s1", "jdbc:mysql://h/s1", KeyRange.parse("80-"))), Map.of());
    }

    private static String state(MoveStore moves, long id) throws Exception {
        return moves.status(id).orElseThrow().state();
    }

    @Test
    public void aMoveChangesStateOnlyFromTheStateItWasReadIn() throws Exception {
        MoveStore moves = new MoveStore(control.dataSource());
        TenantId acme = TenantId.of("acme");
        String target = twoShards().route(acme).orElseThrow().name().equals("s0") ? "s1" : "s0";
        MovePlan plan = MovePlan.move(twoShards(), acme, target);
        long id = moves.create(plan, "bin.000001:4");
        MoveRecord r = moves.load(id);
        assertEquals(MoveState.COPYING, r.state());
        assertEquals(plan, r.plan());
        assertEquals("bin.000001:4", r.fwdPos());
        assertEquals(List.of(id), moves.active());
        assertTrue(moves.anyHoldingCopies());

        moves.transition(id, MoveState.COPYING, MoveState.CATCHING_UP, lease);
        assertEquals("CATCHING_UP", state(moves, id));
        // a second runner that read COPYING too finds it gone
        assertEquals("move " + id + " was not COPYING any more",
                assertThrows(IllegalStateException.class, () -> moves.transition(id, MoveState.COPYING, MoveState.CATCHING_UP, lease)).getMessage());
        // the table refuses before anything is written
        assertThrows(IllegalStateException.class, () -> moves.transition(id, MoveState.CATCHING_UP, MoveState.DONE, lease));
        assertEquals("CATCHING_UP", state(moves, id));

        // an operator's request is recorded only in the state it was checked in
        assertThrows(IllegalStateException.class, () -> moves.request(id, MoveState.COPYING, MoveRequest.CANCEL));
        assertNull(moves.requested(id));
        moves.request(id, MoveState.CATCHING_UP, MoveRequest.CANCEL);
        assertEquals(MoveRequest.CANCEL, moves.requested(id));
        moves.transition(id, MoveState.CATCHING_UP, MoveState.CANCELLED, lease);
        assertNull("entering CANCELLED answers the request", moves.requested(id));
        assertEquals(List.of(), moves.active());
        assertFalse(moves.anyHoldingCopies());
    }

    @Test
    public void theReplayLagIsShownWhileTheMoveRunsAndClearedWhenItEnds() throws Exception {
        MoveStore moves = new MoveStore(control.dataSource());
        TenantId acme = TenantId.of("acme");
        String target = twoShards().route(acme).orElseThrow().name().equals("s0") ? "s1" : "s0";
        long id = moves.create(MovePlan.move(twoShards(), acme, target), "bin.000001:4");
        MoveStatus m = moves.status(id).orElseThrow();
        assertNull("not measured yet", m.replayLagBytes());
        assertNull(m.replayLagMillis());
        moves.lag(id, 4_096, -1, lease);
        m = moves.status(id).orElseThrow();
        assertEquals(Long.valueOf(4_096), m.replayLagBytes());
        assertNull("an unknown age stays unknown", m.replayLagMillis());
        moves.transition(id, MoveState.COPYING, MoveState.CATCHING_UP, lease);
        moves.lag(id, 120, 1_500, lease);
        m = moves.status(id).orElseThrow();
        assertEquals(Long.valueOf(120), m.replayLagBytes());
        assertEquals(Long.valueOf(1_500), m.replayLagMillis());
        lease.held = false;
        assertThrows(LeaseLostException.class, () -> moves.lag(id, 9, 9, lease));
        lease.held = true;
        assertEquals(Long.valueOf(120), moves.status(id).orElseThrow().replayLagBytes());
        moves.transition(id, MoveState.CATCHING_UP, MoveState.CANCELLED, lease);
        m = moves.status(id).orElseThrow();
        assertNull("nothing replays once the move has ended", m.replayLagBytes());
        assertNull(m.replayLagMillis());
    }

    @Test
    public void aRunnerThatLostItsLeaseWritesNothing() throws Exception {
        MoveStore moves = new MoveStore(control.dataSource());
        long id = moves.create(MovePlan.split(new Topology(1, Map.of("s0", new Topology.ShardDef("s0", "u", KeyRange.parse("-")),
                "a", new Topology.ShardDef("a", "u", null), "b", new Topology.ShardDef("b", "u", null)), Map.of()), "s0", "a", "b"), "bin.000001:4");
        moves.addCopied(id, 100, lease);
        TopologyStore topology = new TopologyStore(control.dataSource());
        long version = topology.version();
        lease.held = false;
        assertThrows(LeaseLostException.class, () -> moves.addCopied(id, 100, lease));
        assertThrows(LeaseLostException.class, () -> moves.transition(id, MoveState.COPYING, MoveState.CATCHING_UP, lease));
        assertThrows(LeaseLostException.class, () -> topology.change(lease, c -> {
            TopologyStore.fence(c, id, MovePlan.parseTargets("a=range:-80").get("a"));
            MoveStore.transition(c, id, MoveState.COPYING, MoveState.CATCHING_UP);
        }));
        MoveStatus m = moves.status(id).orElseThrow();
        assertEquals(100, m.copiedRows());
        assertEquals("COPYING", m.state());
        assertEquals("the routing version did not move", version, topology.version());
        assertTrue(topology.load().fences().isEmpty());
    }

    @Test
    public void aSchemaChangeAndEachShardsEntryMoveThroughTheirTables() throws Exception {
        SchemaChangeStore changes = new SchemaChangeStore(control.dataSource());
        assertEquals(0, changes.latest());
        changes.create(1, "ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL", "s0");
        assertEquals("schema version 1 already exists",
                assertThrows(IllegalStateException.class, () -> changes.create(1, "ALTER TABLE orders ADD COLUMN x INT", "s0")).getMessage());
        assertEquals(1, changes.latest());
        assertEquals(List.of(1), changes.in(SchemaChangeState.RUNNING));

        changes.shard(1, "s0", ShardChangeState.running("COPY-SHADOW copy 10/100 rows"), lease);
        changes.shard(1, "s0", ShardChangeState.running("COPY-SHADOW copy 90/100 rows"), lease);
        changes.shard(1, "s0", "INSTANT", lease);
        changes.shard(1, "s1", ShardChangeState.failed("boom\non two lines"), lease);
        changes.shard(1, "s1", "INPLACE", lease); // a rerun retries a failed shard
        assertThrows(IllegalStateException.class, () -> changes.shard(1, "s0", ShardChangeState.running("again"), lease));
        lease.held = false;
        assertThrows(LeaseLostException.class, () -> changes.shard(1, "s2", "INSTANT", lease));
        assertThrows(LeaseLostException.class, () -> changes.finish(1, SchemaChangeState.DONE, null, lease));
        lease.held = true;
        SchemaChangeStatus s = changes.status(1).orElseThrow();
        assertEquals(Map.of("s0", "INSTANT", "s1", "INPLACE"), s.shards());

        assertTrue(changes.transition(1, SchemaChangeState.RUNNING, SchemaChangeState.PAUSED));
        assertFalse("a stale step changes nothing", changes.transition(1, SchemaChangeState.RUNNING, SchemaChangeState.PAUSED));
        assertFalse("only a RUNNING change is finished", changes.finish(1, SchemaChangeState.DONE, null, lease));
        assertThrows(IllegalStateException.class, () -> changes.transition(1, SchemaChangeState.PAUSED, SchemaChangeState.DONE));
        assertTrue(changes.transition(1, SchemaChangeState.PAUSED, SchemaChangeState.RUNNING));
        assertTrue(changes.finish(1, SchemaChangeState.DONE, null, lease));
        assertEquals("DONE", changes.status(1).orElseThrow().state());
        assertEquals(List.of(), changes.in(SchemaChangeState.RUNNING));
    }
}
