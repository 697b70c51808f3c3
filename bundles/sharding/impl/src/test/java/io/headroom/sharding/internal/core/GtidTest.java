package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class GtidTest {
    @Test
    public void aPositionCoversAnotherWhenItIsAsFarInEveryDomain() {
        Gtid primary = Gtid.parse("0-1-100,1-1-7");
        assertTrue("server ids do not matter, sequences do", Gtid.parse("0-2-100,1-1-7").covers(primary));
        assertTrue(Gtid.parse("0-2-101,1-1-9").covers(primary));
        assertFalse(Gtid.parse("0-1-99,1-1-7").covers(primary));
        assertFalse("a domain it never saw", Gtid.parse("0-1-100").covers(primary));
        assertTrue(Gtid.parse("0-1-1").covers(Gtid.EMPTY));
        assertEquals(3, Gtid.parse("0-1-98,1-1-6").behind(primary));
    }

    @Test
    public void theGapNamesTheMissingTransactions() {
        Gtid promoted = Gtid.parse("0-1-100");
        assertEquals("", promoted.gap(Gtid.parse("0-1-100")));
        assertEquals("domain 0 sequence 101", promoted.gap(Gtid.parse("0-1-101")));
        assertEquals("domain 0 sequence 101-105, domain 2 sequence 1-3", promoted.gap(Gtid.parse("0-1-105,2-1-3")));
    }

    @Test
    public void aReplayAdvancesItsDomainAndKeepsTheServerIdsToResumeBy() {
        Gtid start = Gtid.parse("0-411-7,1-5-3");
        Gtid next = start.advance(0, 411, 8);
        assertEquals("0-411-8,1-5-3", next.text());
        assertTrue(next.covers(start));
        assertEquals(1, start.behind(next));
        // after a switchover the promoted replica writes with its own server id, the sequence continuing
        Gtid promoted = next.advance(0, 412, 9).advance(2, 412, 1);
        assertEquals("0-412-9,1-5-3,2-412-1", promoted.text());
        assertEquals(promoted, Gtid.parse(promoted.text()));
        assertEquals("1-1-1", Gtid.EMPTY.advance(1, 1, 1).text());
    }

    @Test
    public void garbageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse("0-1"));
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse("a-b-c"));
        assertEquals(Gtid.EMPTY, Gtid.parse(" "));
    }

    @Test
    public void aSwitchoverRollsBackOnlyBeforeThePromotion() {
        assertTrue(SwitchoverState.FENCING.reversible());
        assertTrue(SwitchoverState.CATCHING_UP.next().contains(SwitchoverState.ROLLED_BACK));
        assertFalse(SwitchoverState.PROMOTING.next().contains(SwitchoverState.ROLLED_BACK));
        assertThrows(IllegalStateException.class, () -> SwitchoverState.DONE.to(SwitchoverState.FENCING));
        assertTrue(SwitchoverState.ROLLED_BACK.terminal());
    }
}
