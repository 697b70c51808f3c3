package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.sharding.internal.core.PrimaryQuorum.View;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class PrimaryQuorumTest {
    private static final String A = "jdbc:mysql://a/s0";
    private static final String B = "jdbc:mysql://b/s0";
    private static final long FRESH = 2000;

    @Test
    public void aFleetOfOneDecidesAlone() {
        PrimaryQuorum.Verdict v = PrimaryQuorum.decide(A, "n1", Set.of("n1"), List.of(), FRESH);
        assertTrue(v.confirmed());
        assertEquals(1, v.needed());
        assertTrue("the watcher counts as live even when its own heartbeat is late", PrimaryQuorum.decide(A, "n1", Set.of(), List.of(), FRESH).confirmed());
    }

    @Test
    public void aWatcherCutOffFromAPrimaryTheOthersReachWaits() {
        // n1 (the watcher) cannot reach A; n2 and n3 can
        PrimaryQuorum.Verdict v = PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2", "n3"),
                List.of(new View("n2", A, true, 100), new View("n3", A, true, 300)), FRESH);
        assertFalse(v.confirmed());
        assertEquals(1, v.down());
        assertEquals(2, v.needed());
        assertEquals(List.of("n2", "n3"), v.reachedBy());
        assertEquals("1 of 3 live node(s) saw the primary fail (2 needed); reached by n2, n3", v.describe());
    }

    @Test
    public void aSecondLiveNodeThatSawItFailConfirmsInAFleetOfTwoOrThree() {
        assertFalse("two nodes: the watcher alone is not a majority",
                PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2"), List.of(), FRESH).confirmed());
        assertTrue(PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2"), List.of(new View("n2", A, false, 100)), FRESH).confirmed());
        PrimaryQuorum.Verdict three = PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2", "n3"),
                List.of(new View("n2", A, false, 100), new View("n3", A, true, 100)), FRESH);
        assertTrue("two of three", three.confirmed());
        assertEquals(List.of("n3"), three.reachedBy());
    }

    @Test
    public void staleViewsViewsOfAnotherPrimaryAndNodesNoLongerLiveDoNotCount() {
        List<View> views = List.of(
                new View("n2", A, false, FRESH + 1), // too old
                new View("n3", B, false, 100), // of another primary (the shard moved since)
                new View("gone", A, false, 100), // not live any more
                new View("n1", A, true, 100)); // the watcher's own row: its probes decide for it
        PrimaryQuorum.Verdict v = PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2", "n3"), views, FRESH);
        assertFalse(v.confirmed());
        assertEquals(1, v.down());
        assertEquals(List.of(), v.reachedBy());
        assertEquals(3, v.live());
    }

    @Test
    public void aNodeCountsOnceWhateverItsRowsSay() {
        List<View> views = List.of(new View("n2", A, false, 100), new View("n2", A, false, 200));
        PrimaryQuorum.Verdict v = PrimaryQuorum.decide(A, "n1", Set.of("n1", "n2", "n3", "n4"), views, FRESH);
        assertEquals(2, v.down());
        assertFalse("two of four is not a majority", v.confirmed());
    }
}
