package io.headroom.search.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.search.internal.core.ResultDiff.Hit;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class ResultDiffTest {
    private static final Map<String, Long> VERIFIED = Map.of("a", 1L, "b", 1L, "c", 2L, "d", 1L);

    @Test
    public void documentsWrittenSinceTheScanExplainADifference() {
        // "e" created after the scan, indexed on the new layout first; "b" updated (now version 2) and matching only there
        List<Hit> old = List.of(new Hit("a", 1), new Hit("c", 2));
        List<Hit> neu = List.of(new Hit("a", 1), new Hit("b", 2), new Hit("c", 2), new Hit("e", 1));
        assertEquals(List.of("b", "e"), ResultDiff.oneSided(old, neu));
        assertEquals("", ResultDiff.unexplained(old, neu, true, VERIFIED, Map.of("b", 2L), Map.of("b", 2L, "e", 1L)));
        // "d" deleted since the scan: gone when read again on the new layout
        assertEquals("", ResultDiff.unexplained(List.of(new Hit("a", 1), new Hit("d", 1)), List.of(new Hit("a", 1)), false, VERIFIED,
                Map.of("d", 1L), Map.of()));
    }

    @Test
    public void anUnchangedDocumentMatchingOnOneSideOnlyIsADifference() {
        List<Hit> old = List.of(new Hit("a", 1), new Hit("b", 1), new Hit("c", 2));
        List<Hit> neu = List.of(new Hit("a", 1), new Hit("c", 2));
        String why = ResultDiff.unexplained(old, neu, false, VERIFIED, Map.of("b", 1L), Map.of("b", 1L));
        assertTrue(why, why.contains("only on the old layout [b]"));
        // the same when a newer write of another document sits beside it
        why = ResultDiff.unexplained(old, List.of(new Hit("a", 1), new Hit("c", 2), new Hit("e", 1)), false, VERIFIED,
                Map.of("b", 1L), Map.of("b", 1L, "e", 1L));
        assertTrue(why, why.contains("[b]"));
    }

    @Test
    public void orderCountsOnlyWhereTheQueryOrdersBothSidesAlike() {
        List<Hit> old = List.of(new Hit("a", 1), new Hit("c", 2));
        List<Hit> neu = List.of(new Hit("c", 2), new Hit("a", 1));
        assertEquals("the same documents in another order", ResultDiff.unexplained(old, neu, true, VERIFIED, Map.of(), Map.of()));
        assertEquals("", ResultDiff.unexplained(old, neu, false, VERIFIED, Map.of(), Map.of()));
    }
}
