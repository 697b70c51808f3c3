package io.headroom.core.internal.fleet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeaseInfo;
import io.headroom.core.api.fleet.LeaseLostException;
import io.headroom.core.internal.store.MysqlControlStore;
import io.headroom.core.internal.store.TestDatabase;
import java.lang.annotation.Annotation;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
