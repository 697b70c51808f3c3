package io.headroom.heartbeat.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.Slo;
import io.headroom.heartbeat.internal.core.HeartbeatEngine;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The heartbeat tables on a real MariaDB (the machine's, or an embedded one). */
public class HeartbeatStoreTest {
    private static MariaDb db;
    private String schema;
    private HeartbeatStore store;
    private final AtomicLong clock = new AtomicLong(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli());

    @Before
    public void setUp() {
        synchronized (HeartbeatStoreTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        store = new HeartbeatStore(new PlainControlStore(db, schema), "node-a");
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

    private HeartbeatEngine engine() {
        return new HeartbeatEngine(clock::get, HeartbeatEngine.Settings.standard(), new HeartbeatEngine.AlertListener() {
            public long fired(Alert alert) {
                return 0;
            }

            public void resolved(Alert alert) {
            }
        });
    }

    @Test
    public void slosRoundTripWithAndWithoutALatencyThreshold() throws Exception {
        store.putSlo(new Slo("a.job", 0.999, null, "no latency"));
        store.putSlo(new Slo("b.job", 0.99, 1500L, null));
        List<Slo> slos = store.slos();
        assertNull(slos.get(0).latencyThresholdMillis());
        assertEquals(Long.valueOf(1500), slos.get(1).latencyThresholdMillis());
        assertTrue(store.deleteSlo("a.job"));
        assertFalse(store.deleteSlo("a.job"));
    }

    @Test
    public void countersFlushedByOneEngineComeBackInTheNext() throws Exception {
        HeartbeatEngine first = engine();
        for (int i = 0; i < 10; i++) {
            first.record(new OutcomeEvent(TenantId.of("acme"), "a.job", i % 5 != 0, 10, Instant.ofEpochMilli(clock.get())));
        }
        long minute = clock.get() / 60_000;
        assertTrue(store.flush(first, minute) > 0);
        assertEquals("nothing new, nothing written", 0, store.flush(first, minute));

        HeartbeatEngine second = engine();
        assertTrue(store.restore(second, minute) > 0);
        assertEquals(10, second.tenant(TenantId.of("acme")).get(0).events1h());
        assertEquals(2, second.tenant(TenantId.of("acme")).get(0).bad1h());
        assertEquals(10, second.platform().get(0).events1h());
    }

    @Test
    public void theFleetsCountsAreEveryNodesCountsAddedUpAndReadAgainWhenTheyChange() throws Exception {
        HeartbeatStore other = new HeartbeatStore(new PlainControlStore(db, schema), "node-b");
        HeartbeatEngine a = engine();
        HeartbeatEngine b = engine();
        long minute = clock.get() / 60_000;
        record(a, "acme", 3, 1);
        record(b, "acme", 4, 2);
        record(b, "globex", 5, 0);
        store.flush(a, minute);
        other.flush(b, minute);

        HeartbeatEngine fleet = engine(); // node-a's view of the fleet
        java.sql.Timestamp readAt = store.loadFleet(fleet, a, null, minute);
        assertEquals(7, fleet.tenant(TenantId.of("acme")).get(0).events1h());
        assertEquals(3, fleet.tenant(TenantId.of("acme")).get(0).bad1h());
        assertEquals(12, fleet.platform().get(0).events1h());

        // node-a counts more (shown at once in its view, before any flush); node-b counts more and flushes
        record(a, "acme", 2, 2);
        record(fleet, "acme", 2, 2);
        record(b, "globex", 1, 0);
        other.flush(b, minute);
        store.loadFleet(fleet, a, readAt, minute);
        assertEquals(9, fleet.tenant(TenantId.of("acme")).get(0).events1h());
        assertEquals(5, fleet.tenant(TenantId.of("acme")).get(0).bad1h());
        assertEquals(6, fleet.tenant(TenantId.of("globex")).get(0).events1h());
        assertEquals("the other node's platform-wide counts plus this node's, nothing twice", 15, fleet.platform().get(0).events1h());
        store.flush(a, minute);
        store.loadFleet(fleet, a, readAt, minute);
        assertEquals("after its own flush, still counted once", 15, fleet.platform().get(0).events1h());
    }

    private void record(HeartbeatEngine engine, String tenant, int events, int bad) {
        for (int i = 0; i < events; i++) {
            engine.record(new OutcomeEvent(TenantId.of(tenant), "a.job", i >= bad, 10, Instant.ofEpochMilli(clock.get())));
        }
    }

    @Test
    public void onlyTheHolderOfTheEvaluatorLeaseRecordsAnAlert() throws Exception {
        Alert page = new Alert(0, "acme", "a.job", Alert.PAGE, "1h/5m", 20, 30, "2026-11-28T10:00:00Z", null);
        TestLease lost = new TestLease(false);
        try {
            store.insertAlert(page, lost);
            org.junit.Assert.fail("an alert was recorded under a lost lease");
        } catch (io.headroom.core.api.fleet.LeaseLostException expected) {
            assertTrue("nothing was written", store.alerts(10).isEmpty());
        }
        store.insertAlert(page, new TestLease(true));
        assertEquals(1, store.firing().size());
    }

    /** A lease held or not, as the core's leases report it; the core's own tests prove the real thing. */
    private record TestLease(boolean held) implements io.headroom.core.api.fleet.Lease {
        public String name() {
            return "heartbeat.evaluator";
        }

        public long epoch() {
            return 1;
        }

        public void verify(java.sql.Connection transaction) {
            if (!held) {
                throw new io.headroom.core.api.fleet.LeaseLostException(name());
            }
        }

        public void close() {
        }
    }

    @Test
    public void alertsAndDeploysAreRecorded() throws Exception {
        long id = store.insertAlert(new Alert(0, "acme", "a.job", Alert.PAGE, "1h/5m", 20, 30, "2026-11-28T10:00:00Z", null),
                new TestLease(true));
        assertTrue(store.alerts(10).get(0).firing());
        store.resolveAlert(new Alert(id, "acme", "a.job", Alert.PAGE, "1h/5m", 20, 30, "2026-11-28T10:00:00Z", "2026-11-28T10:30:00Z"));
        assertFalse(store.alerts(10).get(0).firing());

        long deploy = store.insertDeploy(new Deploy(0, "io.x", "1.0", "1.1", List.of("a.job", "b.job"), Deploy.WATCHING, "", "2026-11-28T10:00:00Z", null));
        assertTrue(store.endDeploy(deploy, Deploy.KEPT, "quiet"));
        assertFalse("only a watched deploy can end", store.endDeploy(deploy, Deploy.ROLLED_BACK, "late"));
        Deploy d = store.deploys(5).get(0);
        assertEquals(List.of("a.job", "b.job"), d.jobs());
        assertEquals(Deploy.KEPT, d.state());
    }

    @Test
    public void theRollbackRulesSettingsAreSeededOnceThenSetByOperators() throws Exception {
        assertTrue("none before a node seeds them", store.guardPolicy().isEmpty());
        store.seedGuardPolicy(3, List.of("vip"));
        store.seedGuardPolicy(7, List.of("other")); // a second node with another config: the first one's stand
        assertEquals(3, store.guardPolicy().orElseThrow().tenantQuorum());
        assertEquals(List.of("vip"), store.guardPolicy().orElseThrow().criticalTenants());
        assertEquals("config", store.guardPolicy().orElseThrow().updatedBy());
        store.putGuardPolicy(2, List.of("zeta", "alpha"), "karaf");
        HeartbeatStore otherNode = new HeartbeatStore(new PlainControlStore(db, schema), "node-b");
        assertEquals("every node reads the same", 2, otherNode.guardPolicy().orElseThrow().tenantQuorum());
        assertEquals(List.of("alpha", "zeta"), otherNode.guardPolicy().orElseThrow().criticalTenants());
        assertEquals("karaf", otherNode.guardPolicy().orElseThrow().updatedBy());
        store.putGuardPolicy(2, List.of(), "karaf");
        assertEquals("none critical", List.of(), store.guardPolicy().orElseThrow().criticalTenants());
    }
}
