package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class MoveCoreTest {
    @Test
    public void routingChangesOnlyThroughCutOverAndReversal() {
        assertEquals(MoveState.CATCHING_UP, MoveState.COPYING.to(MoveState.CATCHING_UP));
        assertThrows(IllegalStateException.class, () -> MoveState.COPYING.to(MoveState.CUT_OVER));
        assertThrows(IllegalStateException.class, () -> MoveState.CUT_OVER.to(MoveState.CANCELLED));
        assertThrows(IllegalStateException.class, () -> MoveState.DONE.to(MoveState.REVERSING));
        assertEquals(MoveState.REVERSING, MoveState.CUT_OVER.to(MoveState.REVERSING));
        assertTrue(MoveState.CUT_OVER.routedToTargets());
        assertFalse(MoveState.CUTTING_OVER.routedToTargets());
        for (MoveState s : MoveState.values()) {
            assertEquals(s + " is terminal iff it has no successor", s.terminal(), s.next().isEmpty());
        }
    }

    @Test
    public void filtersAgreeInJavaAndSqlAndRangesSkipPinnedTenants() {
        TenantFilter one = TenantFilter.parse("tenant:acme");
        assertTrue(one.matches("acme", Set.of("acme")));
        assertFalse(one.matches("acme2", Set.of()));
        List<Object> p = new ArrayList<>();
        assertEquals("`tenant_id` = ?", one.sql("`tenant_id`", Set.of(), p));
        assertEquals(List.of("acme"), p);

        TenantFilter upper = TenantFilter.parse("range:80-");
        assertEquals("range:80-", upper.toString());
        for (String t : List.of("acme", "globex", "t01", "t02", "t03", "t04")) {
            boolean high = Long.compareUnsigned(Keyspace.idOf(TenantId.of(t)), 0x8000000000000000L) >= 0;
            assertEquals(t, high, upper.matches(t, Set.of()));
            assertFalse(upper.matches(t, Set.of(t)));
        }
        List<Object> params = new ArrayList<>();
        String sql = TenantFilter.range(KeyRange.parse("40-80")).sql("`tenant_id`", Set.of("whale"), params);
        assertEquals("LEFT(MD5(`tenant_id`), 16) >= ? AND LEFT(MD5(`tenant_id`), 16) < ? AND `tenant_id` NOT IN (?)", sql);
        assertEquals(List.of("4000000000000000", "8000000000000000", "whale"), params);
        assertThrows(IllegalArgumentException.class, () -> TenantFilter.parse("shard:x"));
    }

    @Test
    public void aFenceHoldsTheMovingTenantsOnly() {
        Topology t = new Topology(3, Map.of(), Map.of("pinned-one", "x"), List.of(TenantFilter.parse("tenant:acme"), TenantFilter.range(KeyRange.parse("-"))));
        assertTrue(t.fenced(TenantId.of("acme")));
        assertTrue(t.fenced(TenantId.of("anyone")));
        assertFalse("a pinned tenant is not in a range move", t.fenced(TenantId.of("pinned-one")));
        Topology single = new Topology(3, Map.of(), Map.of(), List.of(TenantFilter.parse("tenant:acme")));
        assertFalse(single.fenced(TenantId.of("globex")));
    }
}
