package io.headroom.core.internal.fleet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeaseInfo;
import io.headroom.core.api.fleet.LeaseLostException;
import io.headroom.core.api.fleet.LeasedRole;
import io.headroom.core.api.fleet.LeasedRunner;
import io.headroom.core.api.fleet.LeasedWork;
import io.headroom.core.internal.store.MysqlControlStore;
import io.headroom.core.internal.store.TestDatabase;
import java.lang.annotation.Annotation;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;

public class LeasesTest {
    private final String schema = TestDatabase.newSchema();
    private MysqlControlStore storeA;
    private MysqlControlStore storeB;
    private JdbcFleet fleetA;
    private JdbcFleet fleetB;
    private JdbcLeases a;
    private JdbcLeases b;

    private void twoNodes() throws Exception {
        storeA = TestDatabase.store(schema);
        storeB = TestDatabase.store(schema);
        fleetA = new JdbcFleet(storeA, config("node-a"), (java.io.File) null);
        fleetB = new JdbcFleet(storeB, config("node-b"), (java.io.File) null);
        a = new JdbcLeases(storeA, fleetA);
        b = new JdbcLeases(storeB, fleetB);
    }

    @After
    public void stop() {
        for (JdbcLeases l : new JdbcLeases[] {a, b}) {
            if (l != null) {
                l.deactivate();
            }
        }
        for (JdbcFleet f : new JdbcFleet[] {fleetA, fleetB}) {
            if (f != null) {
                f.deactivate();
            }
        }
        for (MysqlControlStore s : new MysqlControlStore[] {storeA, storeB}) {
            if (s != null) {
                s.deactivate();
            }
        }
        TestDatabase.server().dropSchema(schema);
    }

    @Test
    public void oneHolderAtATimeAndAReleasedLeaseChangesHandsAtOnce() throws Exception {
        twoNodes();
        Lease first = a.tryAcquire("sharding.move.1", Duration.ofSeconds(10)).orElseThrow();
        assertEquals(1, first.epoch());
        assertTrue(b.tryAcquire("sharding.move.1", Duration.ofSeconds(10)).isEmpty());
        assertTrue("a node cannot take a lease it already holds", a.tryAcquire("sharding.move.1", Duration.ofSeconds(10)).isEmpty());
        assertTrue(b.tryAcquire("sharding.move.2", Duration.ofSeconds(10)).isPresent());
        first.close();
        assertFalse(first.held());
        Lease second = b.tryAcquire("sharding.move.1", Duration.ofSeconds(10)).orElseThrow();
        assertEquals(2, second.epoch());
        List<LeaseInfo> listed = a.list("sharding.move.");
        assertEquals(2, listed.size());
        assertEquals("node-b", listed.get(0).node());
        assertFalse(listed.get(0).expired());
        assertTrue(a.list("sharding.move_").isEmpty()); // LIKE wildcards in a prefix are literal
    }

    @Test
    public void aHeldLeaseIsRenewedPastItsTimeToLive() throws Exception {
        twoNodes();
        Lease lease = a.tryAcquire("search.backfill.7", Duration.ofMillis(600)).orElseThrow();
        Thread.sleep(2000);
        assertTrue(lease.held());
        assertTrue(b.tryAcquire("search.backfill.7", Duration.ofMillis(600)).isEmpty());
    }

    @Test
    public void aHolderCutOffFromTheStoreStopsBeforeAnotherNodeTakesOver() throws Exception {
        twoNodes();
        Lease lease = a.tryAcquire("heartbeat.evaluator", Duration.ofMillis(1500)).orElseThrow();
        storeA.deactivate(); // node A loses the control schema: its renewals fail
        storeA = null;
        Optional<Lease> taken = Optional.empty();
        long deadline = System.currentTimeMillis() + 10_000;
        while (taken.isEmpty() && System.currentTimeMillis() < deadline) {
            boolean heldBefore = lease.held();
            taken = b.tryAcquire("heartbeat.evaluator", Duration.ofMillis(1500));
            if (taken.isPresent() && heldBefore) {
                fail("node B took the lease while node A still believed it held it");
            }
            Thread.sleep(20);
        }
        assertTrue("node B takes the lease over once it expired", taken.isPresent());
        assertFalse(lease.held());
        assertEquals(2, taken.get().epoch());
    }

    @Test
    public void verifyFencesWritesOfALostLease() throws Exception {
        twoNodes();
        Lease lease = a.tryAcquire("sharding.schema.3", Duration.ofSeconds(10)).orElseThrow();
        try (Connection c = storeA.dataSource().getConnection()) {
            c.setAutoCommit(false);
            lease.verify(c);
            c.rollback();
        }
        // an operator (or a bug) expires the row: the holder's next verify refuses, and renewal notices
        try (Connection c = storeB.dataSource().getConnection()) {
            c.createStatement().executeUpdate("UPDATE core_leases SET expires_at = NOW(3) WHERE name = 'sharding.schema.3'");
        }
        try (Connection c = storeA.dataSource().getConnection()) {
            c.setAutoCommit(false);
            lease.verify(c);
            fail("verify passed on an expired lease");
        } catch (LeaseLostException expected) {
            assertFalse(lease.held());
        }
    }

    @Test
    public void badNamesAndTimesAreRefused() throws Exception {
        twoNodes();
        for (String name : new String[] {"", "x".repeat(191)}) {
            try {
                a.tryAcquire(name, Duration.ofSeconds(1));
                fail("accepted lease name of length " + name.length());
            } catch (IllegalArgumentException expected) {
                // refused
            }
        }
        try {
            a.tryAcquire("x", Duration.ofMillis(10));
            fail("accepted a 10 ms lease");
        } catch (IllegalArgumentException expected) {
            // refused
        }
    }

    @Test
    public void everyNodeSeesTheLiveFleetAndAStoppedNodeLeavesIt() throws Exception {
        twoNodes();
        Thread.sleep(400);
        assertEquals(List.of("node-a", "node-b"), fleetA.liveNodes().stream().map(FleetNode::id).toList());
        fleetB.deactivate();
        fleetB = null;
        Thread.sleep(400);
        assertEquals(List.of("node-a"), fleetA.liveNodes().stream().map(FleetNode::id).toList());
    }

    // ---- LeasedRole: the one way every capability holds a role of the fleet (evaluator, driver, watch)

    /** Counts what a role's listener is told. */
    private static final class Changes implements LeasedRole.Listener {
        final AtomicInteger taken = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();

        @Override
        public void taken(Lease lease) {
            taken.incrementAndGet();
        }

        @Override
        public void lost(Lease lease) {
            lost.incrementAndGet();
        }
    }

    @Test
    public void aRoleIsTakenOnceRenewedAndKeptAcrossPasses() throws Exception {
        twoNodes();
        Changes changes = new Changes();
        try (LeasedRole role = new LeasedRole(a, "test.role.take", Duration.ofMillis(600), changes);
                LeasedRole other = new LeasedRole(b, "test.role.take", Duration.ofMillis(600))) {
            Lease first = role.hold().orElseThrow();
            assertEquals(1, first.epoch());
            Thread.sleep(2000); // more than three times the time to live: only renewals keep it
            assertSame("the same lease on every pass while it is renewed", first, role.hold().orElseThrow());
            assertSame(first, role.held().orElseThrow());
            assertEquals(1, changes.taken.get());
            assertEquals(0, changes.lost.get());
            assertTrue(other.hold().isEmpty());
            assertTrue(other.held().isEmpty());
        }
    }

    @Test
    public void aReleasedRoleIsTakenByTheOtherNodeAtOnce() throws Exception {
        twoNodes();
        LeasedRole role = new LeasedRole(a, "test.role.release", Duration.ofSeconds(30));
        try (LeasedRole other = new LeasedRole(b, "test.role.release", Duration.ofSeconds(30))) {
            Lease first = role.hold().orElseThrow();
            assertTrue(other.hold().isEmpty());
            role.close();
            assertFalse(first.held());
            assertTrue("a closed role takes nothing", role.hold().isEmpty());
            assertEquals("taken at once, not after the 30 s time to live", 2, other.hold().orElseThrow().epoch());
        }
    }

    @Test
    public void aRoleWhoseHolderLostTheControlSchemaIsTakenOverAfterExpiry() throws Exception {
        twoNodes();
        Changes onA = new Changes();
        Changes onB = new Changes();
        try (LeasedRole roleA = new LeasedRole(a, "test.role.takeover", Duration.ofMillis(1500), onA);
                LeasedRole roleB = new LeasedRole(b, "test.role.takeover", Duration.ofMillis(1500), onB)) {
            roleA.hold().orElseThrow();
            storeA.deactivate(); // node A loses the control schema: its renewals fail
            storeA = null;
            Optional<Lease> taken = Optional.empty();
            long deadline = System.currentTimeMillis() + 10_000;
            while (taken.isEmpty() && System.currentTimeMillis() < deadline) {
                boolean aHeld = roleA.held().isPresent();
                taken = roleB.hold();
                if (taken.isPresent() && aHeld) {
                    fail("node B took the role while node A still believed it held it");
                }
                Thread.sleep(20);
            }
            assertTrue("node B takes the role over once the lease expired", taken.isPresent());
            assertEquals(2, taken.get().epoch());
            assertEquals(1, onB.taken.get());
            assertTrue("node A cannot take it back without the control schema", roleA.hold().isEmpty());
            assertEquals("node A is told once that it lost the role", 1, onA.lost.get());
        }
    }

    @Test
    public void twoContendersNeverHoldTheRoleAtOnce() throws Exception {
        twoNodes();
        try (LeasedRole roleA = new LeasedRole(a, "test.role.contend", Duration.ofSeconds(10));
                LeasedRole roleB = new LeasedRole(b, "test.role.contend", Duration.ofSeconds(10))) {
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService two = Executors.newFixedThreadPool(2);
            try {
                Future<Optional<Lease>> fa = two.submit(() -> {
                    start.await();
                    return roleA.hold();
                });
                Future<Optional<Lease>> fb = two.submit(() -> {
                    start.await();
                    return roleB.hold();
                });
                int holders = (fa.get().isPresent() ? 1 : 0) + (fb.get().isPresent() ? 1 : 0);
                assertEquals("exactly one of two nodes asking at the same moment takes the role", 1, holders);
                LeasedRole winner = fa.get().isPresent() ? roleA : roleB;
                LeasedRole loser = winner == roleA ? roleB : roleA;
                assertTrue(loser.hold().isEmpty());
                winner.close();
                assertEquals(2, loser.hold().orElseThrow().epoch());
            } finally {
                two.shutdownNow();
            }
        }
    }

    @Test
    public void aListenerThatFailsOnTakingReleasesTheLease() throws Exception {
        twoNodes();
        LeasedRole failing = new LeasedRole(a, "test.role.failing", Duration.ofSeconds(30), new LeasedRole.Listener() {
            @Override
            public void taken(Lease lease) {
                throw new IllegalStateException("cannot load the previous holder's state");
            }
        });
        try {
            failing.hold();
            fail("the listener's failure was swallowed");
        } catch (IllegalStateException expected) {
            assertTrue(failing.held().isEmpty());
        }
        try (LeasedRole other = new LeasedRole(b, "test.role.failing", Duration.ofSeconds(30))) {
            assertTrue("released at once", other.hold().isPresent());
        }
    }

    // ---- LeasedWork: keyed pieces of work (moves, schema changes, backfills), one runner per piece in the fleet

    /** A runner that records which node ran the piece, until it is told to end or loses its lease. */
    private static final class Recorder extends LeasedRunner {
        private final String node;
        private final List<String> ran;
        private final java.util.concurrent.CountDownLatch end;

        Recorder(Lease lease, String node, List<String> ran, java.util.concurrent.CountDownLatch end) {
            super(lease, "test-work-" + node);
            this.node = node;
            this.ran = ran;
            this.end = end;
        }

        @Override
        protected void work() {
            ran.add(node);
            while (!halted() && end.getCount() > 0) {
                try {
                    end.await(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Test
    public void aPieceOfWorkRunsOnOneNodeAndMovesWhenItsNodeStops() throws Exception {
        twoNodes();
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        Duration look = Duration.ofMillis(100);
        LeasedWork<Long> onA = new LeasedWork<>("test.work", a, Duration.ofSeconds(30), look, () -> List.of(7L),
                (key, lease) -> new Recorder(lease, "a", ran, end));
        try (LeasedWork<Long> onB = new LeasedWork<>("test.work", b, Duration.ofSeconds(30), look, () -> List.of(7L),
                (key, lease) -> new Recorder(lease, "b", ran, end))) {
            long deadline = System.currentTimeMillis() + 5_000;
            while (ran.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(500); // five more looks on each node
            assertEquals("one runner in the fleet while its lease is held: " + ran, 1, ran.size());
            assertEquals("test.work.7", onA.leaseName(7L));
            String first = ran.get(0);
            (first.equals("a") ? onA : onB).close(); // its node stops: the lease is released with the runner
            deadline = System.currentTimeMillis() + 5_000;
            while (ran.size() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("taken by the other node at once, not after the 30 s time to live", List.of(first, first.equals("a") ? "b" : "a"), ran);
            end.countDown();
        } finally {
            onA.close();
        }
        try (Lease free = a.tryAcquire("test.work.7", Duration.ofSeconds(1)).orElseThrow(() -> new AssertionError("lease left held"))) {
            assertTrue(free.held());
        }
    }

    private static JdbcFleet.Config config(String id) {
        return new JdbcFleet.Config() {
            public String nodeId() {
                return id;
            }

            public long heartbeatMillis() {
                return 100;
            }

            public long liveMillis() {
                return 5000;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcFleet.Config.class;
            }
        };
    }
}
