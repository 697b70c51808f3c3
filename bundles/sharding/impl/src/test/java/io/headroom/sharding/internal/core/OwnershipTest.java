package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.Test;

public class OwnershipTest {
    private static final List<TenantId> TENANTS = IntStream.range(0, 500).mapToObj(i -> TenantId.of("t" + i)).toList();

    private static Topology topology(Map<String, String> ranges, Map<String, String> pins) {
        Map<String, Topology.ShardDef> shards = new LinkedHashMap<>();
        ranges.forEach((name, range) -> shards.put(name, new Topology.ShardDef(name, "jdbc:mysql://h/" + name, range == null ? null : KeyRange.parse(range))));
        return new Topology(1, shards, pins);
    }

    private static Map<String, String> ranges(String... nameAndRange) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndRange.length; i += 2) {
            m.put(nameAndRange[i], nameAndRange[i + 1]);
        }
        return m;
    }

    /** Java's answer per shard, from the rule as the SQL condition states it: range minus pins elsewhere, plus pins here. */
    private static boolean ownsBySqlRule(Topology t, String shard, TenantId tenant) {
        String pin = t.pins().get(tenant.value());
        if (pin != null && t.shards().containsKey(pin)) {
            return pin.equals(shard);
        }
        KeyRange r = t.shards().get(shard).range();
        return r != null && r.contains(Keyspace.idOf(tenant));
    }

    private static void assertEveryTenantHasExactlyOneOwner(Topology t) {
        for (TenantId tenant : TENANTS) {
            List<String> owners = t.shards().keySet().stream().filter(s -> ownsBySqlRule(t, s, tenant)).toList();
            assertEquals(tenant + " in " + t, 1, owners.size());
            assertEquals(Optional.of(owners.get(0)), Ownership.owner(t, tenant));
        }
    }

    @Test
    public void duringAMoveTheSourceOwnsTheTenantUntilCutOverThenTheTarget() {
        Map<String, String> ranges = ranges("s0", "-80", "s1", "80-", "big", null);
        TenantId mover = TENANTS.get(3);
        String source = Ownership.owner(topology(ranges, Map.of()), mover).orElseThrow();
        String target = source.equals("s0") ? "s1" : "s0";
        // copying: the target holds a copy but routing still says source
        Topology copying = topology(ranges, Map.of("whale", "big"));
        assertEveryTenantHasExactlyOneOwner(copying);
        assertEquals(Optional.of(source), Ownership.owner(copying, mover));
        // cut over: one transaction pins the tenant to the target; the source keeps a copy for the grace period
        Topology cutOver = topology(ranges, Map.of("whale", "big", mover.value(), target));
        assertEveryTenantHasExactlyOneOwner(cutOver);
        assertEquals(Optional.of(target), Ownership.owner(cutOver, mover));
    }

    @Test
    public void duringASplitTheSourceOwnsItsRangeUntilCutOverThenEachHalfItsTargets() {
        Topology copying = topology(ranges("s0", "-80", "s1", "80-", "low", null, "high", null), Map.of("pinned", "s1"));
        assertEveryTenantHasExactlyOneOwner(copying);
        assertTrue(TENANTS.stream().noneMatch(t -> Ownership.owner(copying, t).orElseThrow().equals("low")));
        Topology cutOver = topology(ranges("s0", "-80", "s1", null, "low", "80-c0", "high", "c0-"), Map.of("pinned", "s1"));
        assertEveryTenantHasExactlyOneOwner(cutOver);
        assertEquals(Optional.of("s1"), Ownership.owner(cutOver, TenantId.of("pinned")));
        assertTrue(TENANTS.stream().anyMatch(t -> Ownership.owner(cutOver, t).orElseThrow().equals("high")));
    }

    @Test
    public void theSqlConditionStatesTheSameRule() {
        Topology t = topology(ranges("s0", "-80", "s1", "80-", "big", null, "spare", null), Map.of("whale", "big", "acme", "s0", "lost", "gone"));
        assertEquals("(LEFT(MD5(`o`.`tenant_id`), 16) < '8000000000000000' AND `o`.`tenant_id` NOT IN ('whale')) OR `o`.`tenant_id` IN ('acme')",
                Ownership.condition(t, "s0", "o", "tenant_id"));
        assertEquals("(LEFT(MD5(`orders`.`tenant_id`), 16) >= '8000000000000000' AND `orders`.`tenant_id` NOT IN ('acme', 'whale'))",
                Ownership.condition(t, "s1", "orders", "tenant_id"));
        assertEquals("`orders`.`tenant_id` IN ('whale')", Ownership.condition(t, "big", "orders", "tenant_id"));
        assertEquals("a dedicated shard nobody is pinned to owns nothing", "1 = 0", Ownership.condition(t, "spare", "orders", "tenant_id"));
        Topology all = topology(ranges("only", "-"), Map.of());
        assertEquals("(1 = 1)", Ownership.condition(all, "only", "x`y", "tenant_id"));
    }

    @Test
    public void routesAreRememberedPerTopology() {
        Topology t = topology(ranges("s0", "-80", "s1", "80-"), Map.of("acme", "s1"));
        RouteCache routes = new RouteCache(t);
        assertSame(t, routes.topology());
        for (TenantId tenant : TENANTS) {
            assertEquals(t.route(tenant).orElseThrow(), routes.route(tenant));
            assertSame(routes.route(tenant), routes.route(tenant));
        }
        assertEquals("s1", routes.route(TenantId.of("acme")).name());
        RouteCache half = new RouteCache(topology(ranges("s0", "-80"), Map.of()));
        TenantId high = TENANTS.stream().filter(x -> Long.compareUnsigned(Keyspace.idOf(x), 0x8000000000000000L) >= 0).findFirst().orElseThrow();
        assertNull("no shard serves it", half.route(high));
    }
}
