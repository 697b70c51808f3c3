package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.MoveStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class MovePlanTest {
    private static final Topology T = topology();

    private static Topology topology() {
        Map<String, Topology.ShardDef> shards = new LinkedHashMap<>();
        shards.put("s0", new Topology.ShardDef("s0", "jdbc:mysql://a/s0", KeyRange.parse("-80")));
        shards.put("s1", new Topology.ShardDef("s1", "jdbc:mysql://a/s1", KeyRange.parse("80-")));
        shards.put("low", new Topology.ShardDef("low", "jdbc:mysql://b/low", null));
        shards.put("high", new Topology.ShardDef("high", "jdbc:mysql://b/high", null));
        return new Topology(5, shards, Map.of("whale", "low"));
    }

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    public void aMoveCarriesOneTenantAndRemembersItsPin() {
        MovePlan p = MovePlan.move(T, TenantId.of("whale"), "high");
        assertEquals(MovePlan.Kind.MOVE, p.kind());
        assertEquals("low", p.source());
        assertEquals("low", p.prevPin());
        assertEquals(Map.of("high", TenantFilter.tenant("whale")), p.targets());
        assertEquals(TenantFilter.tenant("whale"), p.fence());
        assertEquals("high=tenant:whale", p.targetsSpec());
        assertNull(MovePlan.move(T, TenantId.of("acme"), "low").prevPin());
        assertEquals("no shard nope", refusal(() -> MovePlan.move(T, TenantId.of("acme"), "nope")));
        assertEquals("tenant whale is already on low", refusal(() -> MovePlan.move(T, TenantId.of("whale"), "low")));
        Topology half = new Topology(1, Map.of("s0", T.shards().get("s0")), Map.of());
        String high = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "t" + i)
                .filter(x -> half.route(TenantId.of(x)).isEmpty()).findFirst().orElseThrow();
        assertEquals("no shard serves tenant " + high, refusal(() -> MovePlan.move(half, TenantId.of(high), "s0")));
    }

    @Test
    public void aSplitCarriesEachHalfOfTheRangeToANewDedicatedShard() {
        MovePlan p = MovePlan.split(T, "s1", "low", "high");
        assertEquals(MovePlan.Kind.SPLIT, p.kind());
        assertEquals("80-", p.sourceRange());
        assertEquals("low=range:80-c0,high=range:c0-", p.targetsSpec());
        assertEquals(p.targets(), MovePlan.parseTargets(p.targetsSpec()));
        assertEquals(List.of("low", "high"), List.copyOf(p.targets().keySet()));
        assertEquals(TenantFilter.range(KeyRange.parse("80-")), p.fence());
        assertEquals("no shard s9", refusal(() -> MovePlan.split(T, "s9", "low", "high")));
        assertEquals("shard low is dedicated (no key range): nothing to split", refusal(() -> MovePlan.split(T, "low", "s0", "high")));
        assertEquals("no shard x: add it first as a dedicated shard (no range)", refusal(() -> MovePlan.split(T, "s1", "x", "high")));
        assertEquals("shard s0 already serves -80: a split target must have no range", refusal(() -> MovePlan.split(T, "s1", "s0", "high")));
        assertEquals("a split needs two new shards, distinct from s1", refusal(() -> MovePlan.split(T, "s1", "low", "low")));
    }

    private static MoveStatus running(long id, String kind, String subject, String source, String target, String state) {
        return new MoveStatus(id, kind, subject, source, List.of(target), state, 0, 0, null, null, null, null);
    }

    @Test
    public void nothingStartsWhereAnActiveMoveOrSplitWorks() {
        MovePlan move = MovePlan.move(T, TenantId.of("whale"), "high");
        MovePlan split = MovePlan.split(T, "s1", "low", "high");
        move.requireIdle(List.of(running(1, "move", "other", "low", "high", "COPYING"), running(2, "move", "whale", "low", "high", "DONE")));
        assertThrows(IllegalStateException.class, () -> move.requireIdle(List.of(running(3, "move", "whale", "low", "s0", "CUT_OVER"))));
        assertThrows(IllegalStateException.class, () -> move.requireIdle(List.of(running(4, "split", "s0", "s0", "high", "COPYING"))));
        move.requireIdle(List.of(running(5, "split", "s0", "s0", "x", "CANCELLED")));
        // a split's shards take part in nothing else meanwhile
        String busy = assertThrows(IllegalStateException.class, () -> split.requireIdle(List.of(running(6, "move", "acme", "s1", "s0", "CATCHING_UP"))))
                .getMessage();
        assertEquals("move 6 (move acme, CATCHING_UP) is still running there; wait for it or cancel it", busy);
        split.requireIdle(List.of(running(7, "move", "acme", "s0", "big", "COPYING"), running(8, "move", "acme", "s1", "s0", "FAILED")));
    }
}
