package io.headroom.queue.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class FleetLoadTest {
    private static final TenantId BURST = TenantId.of("burst");
    private static final TenantId QUIET = TenantId.of("quiet");
    private static final FleetLoad.Settings SETTINGS = new FleetLoad.Settings(20, 0.5, 10);

    private static Map<FleetLoad.Key, FleetLoad.Load> node(double burstSubmitted, int burstBacklog, int quietBacklog) {
        Map<FleetLoad.Key, FleetLoad.Load> m = new HashMap<>();
        m.put(new FleetLoad.Key("", BURST), new FleetLoad.Load(burstSubmitted, burstBacklog, 0));
        m.put(new FleetLoad.Key("", QUIET), new FleetLoad.Load(1, quietBacklog, 0));
        return m;
    }

    @Test
    public void aBurstSpreadOverThreeNodesIsOneTenant() {
        // 12 submissions on each node: under the threshold of 20 on every node, 36 for the fleet
        Map<FleetLoad.Key, FleetLoad.Load> one = node(12, 0, 0);
        assertTrue("no node alone finds it noisy", FleetLoad.noisy(one, Map.of(), SETTINGS).isEmpty());
        Map<FleetLoad.Key, FleetLoad.Load> fleet = FleetLoad.sum(FleetLoad.sum(one, node(12, 0, 0)), node(12, 0, 0));
        assertEquals(Set.of(BURST), FleetLoad.noisy(fleet, Map.of(), SETTINGS).get(""));
    }

    @Test
    public void backlogSpreadOverNodesCountsAsOne() {
        Map<FleetLoad.Key, FleetLoad.Load> fleet = FleetLoad.sum(FleetLoad.sum(node(0, 8, 1), node(0, 8, 1)), node(0, 8, 1));
        assertEquals(Set.of(BURST), FleetLoad.noisy(fleet, Map.of(), SETTINGS).get(""));
    }

    @Test
    public void aTenantUnderHalfOfTheFleetsWorkIsNotNoisy() {
        // 30 of the 70 waiting: not more than half; the other tenant, with 40, is
        Map<FleetLoad.Key, FleetLoad.Load> fleet = FleetLoad.sum(node(0, 15, 20), node(0, 15, 20));
        Map<String, Set<TenantId>> noisy = FleetLoad.noisy(fleet, Map.of(), SETTINGS);
        assertEquals(Set.of(QUIET), noisy.get(""));
    }

    @Test
    public void scopesAreDecidedApart() {
        Map<FleetLoad.Key, FleetLoad.Load> fleet = new HashMap<>();
        fleet.put(new FleetLoad.Key("a", BURST), new FleetLoad.Load(0, 30, 0));
        fleet.put(new FleetLoad.Key("b", BURST), new FleetLoad.Load(0, 5, 0));
        fleet.put(new FleetLoad.Key("b", QUIET), new FleetLoad.Load(0, 50, 0));
        Map<String, Set<TenantId>> noisy = FleetLoad.noisy(fleet, Map.of(), SETTINGS);
        assertEquals(Set.of(BURST), noisy.get("a"));
        assertEquals(Set.of(QUIET), noisy.get("b"));
    }

    @Test
    public void aNoisyTenantStaysNoisyUntilItsFleetBacklogDrains() {
        Map<String, Set<TenantId>> was = Map.of("", Set.of(BURST));
        assertEquals("15 left across the fleet: still noisy", Set.of(BURST),
                FleetLoad.noisy(FleetLoad.sum(node(0, 5, 0), node(0, 10, 0)), was, SETTINGS).get(""));
        assertNull("9 left: back to the main lane", FleetLoad.noisy(FleetLoad.sum(node(0, 4, 0), node(0, 5, 0)), was, SETTINGS).get(""));
    }

    @Test
    public void onlyTenantsWithLoadElsewhereTakeTheFleetsVerdict() {
        Map<String, Set<TenantId>> noisy = Map.of("", Set.of(BURST, QUIET));
        Map<FleetLoad.Key, FleetLoad.Load> others = Map.of(new FleetLoad.Key("", BURST), new FleetLoad.Load(12, 0, 0));
        assertEquals("the other tenant's load is all here: this node's own rules judge it", Map.of("", Set.of(BURST)),
                FleetLoad.sharedNoisy(noisy, others));
        assertTrue("a node alone gets nothing from the fleet", FleetLoad.sharedNoisy(noisy, Map.of()).isEmpty());
    }

    @Test
    public void inFlightElsewhereIsSummedPerScopeAndTenant() {
        Map<FleetLoad.Key, FleetLoad.Load> others = FleetLoad.sum(
                Map.of(new FleetLoad.Key("t", BURST), new FleetLoad.Load(0, 0, 2)),
                Map.of(new FleetLoad.Key("t", BURST), new FleetLoad.Load(0, 0, 3), new FleetLoad.Key("", QUIET), new FleetLoad.Load(0, 4, 0)));
        Map<String, Map<TenantId, Integer>> inFlight = FleetLoad.inFlight(others);
        assertEquals(Integer.valueOf(5), inFlight.get("t").get(BURST));
        assertNull("nothing in flight: not listed", inFlight.get(""));
    }

    // ---- the scheduler given the fleet's view

    private static Job job(int i, TenantId tenant) {
        return new Job("j" + i, tenant, "t", "", Priority.NORMAL, null, 1, Instant.EPOCH);
    }

    @Test
    public void aTenantTheFleetFindsNoisyGoesToTheOverflowLaneHere() {
        FairScheduler s = new FairScheduler(FairScheduler.Settings.defaults(4), () -> 0L);
        assertEquals("main", s.add(job(0, BURST)));
        s.fleetView(Set.of(BURST), Map.of());
        assertTrue(s.noisy(BURST));
        assertEquals("overflow", s.add(job(1, BURST)));
        assertEquals("main", s.add(job(2, QUIET)));
        assertTrue(s.view().stream().anyMatch(v -> v.tenant().equals(BURST) && v.noisy()));
        s.fleetView(Set.of(), Map.of());
        assertFalse("the fleet's verdict is replaced by the next one", s.noisy(BURST));
    }

    @Test
    public void aCapCountsTheJobsInFlightOnOtherNodes() {
        FairScheduler s = new FairScheduler(FairScheduler.Settings.defaults(4), () -> 0L);
        s.setLimits(BURST, 1, 3);
        for (int i = 0; i < 10; i++) {
            s.add(job(i, BURST));
        }
        s.fleetView(Set.of(), Map.of(BURST, 2));
        assertEquals("3 allowed, 2 running elsewhere: one here", "burst", s.next().tenant().value());
        assertNull(s.next());
        s.fleetView(Set.of(), Map.of(BURST, 3));
        assertNull("the fleet is at the cap", s.next());
        s.fleetView(Set.of(), Map.of());
        assertEquals("the others finished: two more here", 2, countNext(s));
    }

    private static int countNext(FairScheduler s) {
        int n = 0;
        while (s.next() != null) {
            n++;
        }
        return n;
    }
}
