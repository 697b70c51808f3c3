package io.headroom.heartbeat.internal.release;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.heartbeat.internal.core.ReleaseState;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The release tables on a real MariaDB (the machine's, or an embedded one). */
public class ReleaseStoreTest {
    private static MariaDb db;
    private String schema;
    private ReleaseStore store;

    @Before
    public void setUp() {
        synchronized (ReleaseStoreTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        store = new ReleaseStore(new PlainControlStore(db, schema));
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

    private static ReleaseStore.Row row(String unit, String to) {
        Instant now = Instant.now();
        return row(unit, to, "mvn:g/a/" + to);
    }

    private static ReleaseStore.Row row(String unit, String to, String toSource) {
        Instant now = Instant.now();
        return new ReleaseStore.Row(0, unit, "1.0.0", "mvn:g/a/1.0.0", to, toSource, List.of("a.job"),
                ReleaseState.ROLLING, List.of("1", "100%"), 0, 60, "op", "started", now, now, now, null, null, null);
    }

    @Test
    public void oneActiveReleasePerBundleAndItsTargetsRunTheNewVersion() throws Exception {
        long id = store.insertRelease(row("b.one", "2.0.0")).orElseThrow();
        assertEquals("a second release of the bundle is refused", Optional.empty(), store.insertRelease(row("b.one", "3.0.0")));
        assertEquals("and leaves no row behind", 1, store.releases(10).size());
        assertTrue("another bundle is free", store.insertRelease(row("b.two", "2.0.0")).isPresent());

        // the desired state starts at the version running before; a target node gets the new one
        assertEquals("1.0.0", store.wantsOf("node-1").get("b.one").version());
        try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl(schema), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO release_targets (release_id, node) VALUES (" + id + ", 'node-1')");
        }
        assertEquals("2.0.0", store.wantsOf("node-1").get("b.one").version());
        assertEquals("1.0.0", store.wantsOf("node-2").get("b.one").version());

        // rolling back: every node wants the previous version again, at once
        ReleaseStore.Row r = store.release(id).orElseThrow();
        assertTrue(store.transition(r, ReleaseState.ROLLING, ReleaseStore.Change.to(ReleaseState.ROLLING_BACK, "page"), null));
        assertFalse("compare-and-set: the state moved on", store.transition(r, ReleaseState.ROLLING,
                ReleaseStore.Change.to(ReleaseState.PAUSED, "late"), null));
        assertEquals("1.0.0", store.wantsOf("node-1").get("b.one").version());
        assertTrue(store.transition(store.release(id).orElseThrow(), ReleaseState.ROLLING_BACK,
                ReleaseStore.Change.to(ReleaseState.ROLLED_BACK, null), null));
        assertTrue("the bundle is free again", store.insertRelease(row("b.one", "2.0.1")).isPresent());
    }

    @Test
    public void completingMakesTheNewVersionTheFleetsDesiredState() throws Exception {
        long id = store.insertRelease(row("b.one", "2.0.0")).orElseThrow();
        ReleaseStore.Row r = store.release(id).orElseThrow();
        assertFalse("not from rolling: the table refuses it", store.transition(r, ReleaseState.ROLLING,
                ReleaseStore.Change.to(ReleaseState.COMPLETED, "too soon"), null));
        assertTrue(store.transition(r, ReleaseState.ROLLING,
                new ReleaseStore.Change(ReleaseState.WATCHING, "watching", null, true, true, false), null));
        assertTrue(store.transition(store.release(id).orElseThrow(), ReleaseState.WATCHING,
                ReleaseStore.Change.to(ReleaseState.COMPLETED, "done"), null));
        assertEquals("2.0.0", store.wantsOf("node-9").get("b.one").version());
        ReleaseStore.Row done = store.release(id).orElseThrow();
        assertEquals(ReleaseState.COMPLETED, done.state());
        assertTrue(done.fleetWideAt() != null && done.endedAt() != null);
        assertEquals(1, DeliveryMeters.figures(List.of(done), java.time.Duration.ofDays(1)).get(0).completed());
    }

    @Test
    public void untilAFirstReleaseCompletesEachNodeWantsWhatItRanBefore() throws Exception {
        store.recordBaseline("node-1", "b.one", "0.9.0", "mvn:g/a/0.9.0");
        store.recordBaseline("node-1", "b.one", "2.0.0", "late"); // recorded once: a later call changes nothing
        store.recordBaseline("node-2", "b.one", "", "");
        long id = store.insertRelease(row("b.one", "2.0.0")).orElseThrow();
        assertEquals("node-1 ran 0.9.0", new ReleaseStore.Want("0.9.0", "mvn:g/a/0.9.0"), store.wantsOf("node-1").get("b.one"));
        assertEquals("node-2 ran none", "", store.wantsOf("node-2").get("b.one").version());
        assertEquals("node-3 recorded nothing: the starting node's version", "1.0.0", store.wantsOf("node-3").get("b.one").version());

        // rolled back: still each node's own
        ReleaseStore.Row r = store.release(id).orElseThrow();
        assertTrue(store.transition(r, ReleaseState.ROLLING, ReleaseStore.Change.to(ReleaseState.ROLLING_BACK, "page"), null));
        assertTrue(store.transition(store.release(id).orElseThrow(), ReleaseState.ROLLING_BACK,
                ReleaseStore.Change.to(ReleaseState.ROLLED_BACK, null), null));
        assertEquals("0.9.0", store.wantsOf("node-1").get("b.one").version());

        // once a release completes, every node wants the fleet's version
        long next = store.insertRelease(row("b.one", "2.0.1")).orElseThrow();
        assertTrue(store.transition(store.release(next).orElseThrow(), ReleaseState.ROLLING,
                new ReleaseStore.Change(ReleaseState.WATCHING, "watching", null, true, true, false), null));
        assertTrue(store.transition(store.release(next).orElseThrow(), ReleaseState.WATCHING,
                ReleaseStore.Change.to(ReleaseState.COMPLETED, "done"), null));
        for (String node : List.of("node-1", "node-2", "node-3")) {
            assertEquals(node, "2.0.1", store.wantsOf(node).get("b.one").version());
        }
    }

    @Test
    public void anArtifactIsDeletedOnlyWhenNoActiveReleaseOrDesiredStateNamesIt() throws Exception {
        String sha = "cd".repeat(32);
        store.putArtifact(sha, "b.one", "2.0.0", List.of("a.job"), new byte[] {1, 2, 3});
        long id = store.insertRelease(row("b.one", "2.0.0", "sha256:" + sha)).orElseThrow();
        assertEquals(ReleaseStore.Deleted.REFERENCED, store.deleteArtifact(sha));
        assertEquals("still there", 1, store.artifacts().size());
        ReleaseStore.Row r = store.release(id).orElseThrow();
        assertTrue(store.transition(r, ReleaseState.ROLLING, ReleaseStore.Change.to(ReleaseState.ROLLING_BACK, "page"), null));
        assertEquals("rolling back: still named", ReleaseStore.Deleted.REFERENCED, store.deleteArtifact(sha));
        assertTrue(store.transition(store.release(id).orElseThrow(), ReleaseState.ROLLING_BACK,
                ReleaseStore.Change.to(ReleaseState.ROLLED_BACK, null), null));
        assertEquals(ReleaseStore.Deleted.DELETED, store.deleteArtifact(sha));
        assertEquals(0, store.artifacts().size());
        assertEquals(ReleaseStore.Deleted.ABSENT, store.deleteArtifact(sha));
        try {
            store.insertRelease(row("b.one", "2.0.0", "sha256:" + sha));
            org.junit.Assert.fail("a release of a deleted artifact is refused");
        } catch (java.sql.SQLException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("was deleted"));
        }
        assertEquals("and leaves no row behind", 1, store.releases(10).size());

        // the fleet's desired state names an artifact once a release of it completes
        store.putArtifact(sha, "b.one", "2.0.0", List.of("a.job"), new byte[] {1, 2, 3});
        long done = store.insertRelease(row("b.one", "2.0.0", "sha256:" + sha)).orElseThrow();
        assertTrue(store.transition(store.release(done).orElseThrow(), ReleaseState.ROLLING,
                new ReleaseStore.Change(ReleaseState.WATCHING, "watching", null, true, true, false), null));
        assertTrue(store.transition(store.release(done).orElseThrow(), ReleaseState.WATCHING,
                ReleaseStore.Change.to(ReleaseState.COMPLETED, "done"), null));
        assertEquals(ReleaseStore.Deleted.REFERENCED, store.deleteArtifact(sha));
    }
}
