package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class PrimaryPositionsTest {
    @Test
    public void aReplicaAMomentBehindUnderSteadyWritesIsFreshAsOfTheNewestPositionItHolds() {
        PrimaryPositions p = new PrimaryPositions(16);
        // the primary commits 20 transactions between probes 100 ms apart
        for (int i = 1; i <= 10; i++) {
            p.read(i * 100L, Gtid.parse("0-1-" + i * 20));
        }
        // the replica is 5 transactions behind the latest reading: it holds what the primary had at 900 ms
        assertEquals(900, p.caughtUpAt(Gtid.parse("0-1-195"), 0));
        assertEquals(1000, p.caughtUpAt(Gtid.parse("0-1-200"), 0));
        assertEquals(1000, p.caughtUpAt(Gtid.parse("0-1-230"), 0));
    }

    @Test
    public void aReplicaBehindEveryKeptReadingKeepsWhatWasKnown() {
        PrimaryPositions p = new PrimaryPositions(3);
        for (int i = 1; i <= 10; i++) {
            p.read(i * 100L, Gtid.parse("0-1-" + i * 20));
        }
        // readings before 800 ms are forgotten: a replica at 0-1-150 is known fresh only as of an earlier probe
        assertEquals(450, p.caughtUpAt(Gtid.parse("0-1-150"), 450));
        assertEquals(0, p.caughtUpAt(Gtid.parse("0-1-150"), 0));
        // a replica never goes back in time
        assertEquals(1000, p.caughtUpAt(Gtid.parse("0-1-200"), 950));
        assertEquals(1050, p.caughtUpAt(Gtid.parse("0-1-200"), 1050));
    }

    @Test
    public void positionsAreComparedPerDomain() {
        PrimaryPositions p = new PrimaryPositions(8);
        p.read(100, Gtid.parse("0-1-10,1-1-5"));
        p.read(200, Gtid.parse("0-1-12,1-1-5"));
        assertEquals("domain 1 missing", 0, p.caughtUpAt(Gtid.parse("0-1-12"), 0));
        assertEquals(100, p.caughtUpAt(Gtid.parse("0-2-11,1-2-5"), 0));
        assertThrows(IllegalArgumentException.class, () -> new PrimaryPositions(0));
    }
}
