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
