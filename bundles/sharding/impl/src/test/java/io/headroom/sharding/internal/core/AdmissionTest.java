package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class AdmissionTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    private static final String A = "jdbc:mysql://a/s0";
    private static final String B = "jdbc:mysql://b/s0";

    private static Topology oneShard(String url, List<TenantFilter> fences, Set<String> fencedShards) {
        return new Topology(1, Map.of("s0", new Topology.ShardDef("s0", url, KeyRange.parse("-"))), Map.of(), fences, fencedShards, Map.of());
    }

    @Test
    public void aStatementOnTheShardItRoutesToRuns() {
        assertEquals(Admission.Verdict.RUN, Admission.of(new RouteCache(oneShard(A, List.of(), Set.of())), ACME, "s0", A));
    }

    @Test
    public void aFencedTenantOrShardIsHeldAndOthersRun() {
        RouteCache moving = new RouteCache(oneShard(A, List.of(TenantFilter.tenant("acme")), Set.of()));
        assertEquals(Admission.Verdict.FENCED, Admission.of(moving, ACME, "s0", A));
        assertEquals(Admission.Verdict.RUN, Admission.of(moving, GLOBEX, "s0", A));
        RouteCache switching = new RouteCache(oneShard(A, List.of(), Set.of("s0")));
        assertEquals(Admission.Verdict.FENCED, Admission.of(switching, ACME, "s0", A));
        assertEquals(Admission.Verdict.FENCED, Admission.of(switching, GLOBEX, "s0", A));
    }

    @Test
    public void aPoolRoutingNoLongerPointsAtIsRerouted() {
        // a switchover flipped s0 to B while the statement held a share of A's pool
        assertEquals(Admission.Verdict.REROUTED, Admission.of(new RouteCache(oneShard(B, List.of(), Set.of())), ACME, "s0", A));
        // the tenant's shard is another one now (a move cut over)
        assertEquals(Admission.Verdict.REROUTED, Admission.of(new RouteCache(oneShard(A, List.of(), Set.of())), ACME, "s1", A));
        // no shard serves it any more
        assertEquals(Admission.Verdict.REROUTED, Admission.of(new RouteCache(Topology.empty()), ACME, "s0", A));
    }

    @Test
    public void reroutesPauseAfterTheFirstFewAndGiveUpAfterAboutASecond() {
        assertFalse(Admission.pauseBefore(0));
        assertFalse(Admission.pauseBefore(2));
        assertTrue(Admission.pauseBefore(3));
        assertFalse(Admission.givenUp(Admission.REROUTES - 1));
        assertTrue(Admission.givenUp(Admission.REROUTES));
        long pausedMillis = (Admission.REROUTES - 3) * Admission.PAUSE_MILLIS;
        assertTrue(pausedMillis >= 900 && pausedMillis <= 1100);
    }
}
