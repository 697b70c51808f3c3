package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.Test;

public class FailoverWatchTest {
    private static final String A = "jdbc:mysql://a/s0";
    private static final String B = "jdbc:mysql://b/s0";

    /** Probes every 100 ms from {@code from} (inclusive) to {@code to} (exclusive). */
    private static void probe(FailoverWatch w, String shard, String url, boolean answered, long from, long to) {
        for (long t = from; t < to; t += 100) {
            w.observe(shard, url, answered, t);
        }
    }

    @Test
    public void aPrimaryDeadForTheWholeDelayIsDueOnce() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        probe(w, "s0", A, true, 0, 1000);
        probe(w, "s0", A, false, 1000, 1900);
        assertEquals("dead for 800 ms only", List.of(), w.due(1900));
        w.observe("s0", A, false, 2000);
        assertEquals(List.of("s0"), w.due(2000));
        w.attempted("s0", 2000);
        assertEquals("not twice in a row", List.of(), w.due(2100));
    }

    @Test
    public void oneAnswerStartsTheCountAgain() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        probe(w, "s0", A, false, 0, 900);
        w.observe("s0", A, true, 900);
        probe(w, "s0", A, false, 1000, 1900);
        assertEquals(List.of(), w.due(1900));
        probe(w, "s0", A, false, 1900, 2100);
        assertEquals(List.of("s0"), w.due(2000));
    }

    @Test
    public void aWatcherThatSawTooFewProbesWaits() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        // the watcher's thread stalled: two failed probes 5 s apart are not a dead primary yet
        w.observe("s0", A, false, 0);
        w.observe("s0", A, false, 5000);
        assertEquals(List.of(), w.due(5000));
        w.observe("s0", A, false, 5100);
        assertEquals(List.of("s0"), w.due(5100));
    }

    @Test
    public void aNewPrimaryIsWatchedAfresh() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        probe(w, "s0", A, false, 0, 1500);
        w.attempted("s0", 1500);
        // the failover promoted B: its own failures count from scratch
        probe(w, "s0", B, false, 1600, 2400);
        assertEquals(List.of(), w.due(2400));
        probe(w, "s0", B, false, 2400, 2700);
        assertEquals(List.of("s0"), w.due(2700));
    }

    @Test
    public void aRefusedFailoverIsTriedAgainAfterTheDelay() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        probe(w, "s0", A, false, 0, 1100);
        assertEquals(List.of("s0"), w.due(1000));
        w.attempted("s0", 1000);
        probe(w, "s0", A, false, 1100, 2000);
        assertEquals(List.of(), w.due(1900));
        assertEquals(List.of("s0"), w.due(2000));
    }

    @Test
    public void shardsNoLongerWatchedAndALostLeaseForgetWhatWasSeen() {
        FailoverWatch w = new FailoverWatch(1000, 3);
        probe(w, "s0", A, false, 0, 1100);
        probe(w, "s1", B, false, 0, 1100);
        assertEquals(List.of("s0", "s1"), w.due(1100));
        w.retain(Set.of("s1"));
        assertEquals(List.of("s1"), w.due(1100));
        w.clear();
        assertEquals(List.of(), w.due(1100));
        w.observe("s1", B, false, 1200);
        assertEquals("a watch starts again from the first failure it saw", List.of(), w.due(2100));
    }

    @Test
    public void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FailoverWatch(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new FailoverWatch(1000, 0));
    }

    @Test
    public void theMostAdvancedReplicaIsPromoted() {
        Map<String, Gtid> p = new LinkedHashMap<>();
        assertEquals(Optional.empty(), FailoverWatch.mostAdvanced(p));
        p.put("r1", Gtid.parse("0-1-100"));
        p.put("r2", Gtid.parse("0-1-105"));
        p.put("r3", Gtid.parse("0-1-103"));
        assertEquals(Optional.of("r2"), FailoverWatch.mostAdvanced(p));
        p.put("r0", Gtid.parse("0-1-105"));
        assertEquals("equal positions: the lowest URL", Optional.of("r0"), FailoverWatch.mostAdvanced(p));
        // diverged in two domains: r4 misses 1 transaction of the others' (domain 1), r5 misses 4 (domain 0)
        Map<String, Gtid> d = Map.of("r4", Gtid.parse("0-1-110,1-1-5"), "r5", Gtid.parse("0-1-106,1-1-6"));
        assertEquals(Optional.of("r4"), FailoverWatch.mostAdvanced(d));
    }
}
