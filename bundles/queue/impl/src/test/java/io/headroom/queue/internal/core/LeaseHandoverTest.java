package io.headroom.queue.internal.core;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Set;
import org.junit.Test;

public class LeaseHandoverTest {
    private static final long GRACE = 10_000;

    @Test
    public void aLiveHolderFinishesWhatAnotherNodeSettledWithinTheGrace() {
        assertFalse(LeaseHandover.finishHere("a", false, "b", Set.of("a", "b", "c"), 0, GRACE));
        assertFalse(LeaseHandover.finishHere("a", false, "b", Set.of("a", "b", "c"), GRACE - 1, GRACE));
    }

    @Test
    public void aGoneHolderLeavesItToTheNodeThatSettledIt() {
        assertTrue(LeaseHandover.finishHere("a", false, "b", Set.of("b", "c"), 0, GRACE));
        assertTrue("only this node is live", LeaseHandover.finishHere("a", false, "b", Set.of("b"), 0, GRACE));
    }

    @Test
    public void aFleetViewNotReadYetCannotTellThatTheHolderIsGone() {
        assertFalse(LeaseHandover.finishHere("a", false, "b", Set.of(), 0, GRACE));
        assertTrue("the grace still holds", LeaseHandover.finishHere("a", false, "b", Set.of(), GRACE, GRACE));
    }

    @Test
    public void aLiveHolderThatLeftItPastTheGraceIsTakenOver() {
        assertTrue(LeaseHandover.finishHere("a", false, "b", Set.of("a", "b"), GRACE, GRACE));
    }

    @Test
    public void thisNodesOwnLeasesAreFinishedByItsRoundsUnlessAnEarlierRunHandedThemOut() {
        assertFalse(LeaseHandover.finishHere("b", true, "b", Set.of("b"), GRACE * 10, GRACE));
        assertTrue("restarted: nobody holds the job", LeaseHandover.finishHere("b", false, "b", Set.of("b"), 0, GRACE));
    }
}
