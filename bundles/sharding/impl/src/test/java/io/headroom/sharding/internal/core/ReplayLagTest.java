package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;

import io.headroom.sharding.internal.core.ReplayLag.LogFile;
import java.util.List;
import org.junit.Test;

public class ReplayLagTest {
    private static final List<LogFile> LOGS = List.of(new LogFile("bin.000001", 1_000), new LogFile("bin.000002", 5_000),
            new LogFile("bin.000003", 7_000), new LogFile("bin.000004", 300));

    @Test
    public void inOneFileTheDistanceToTheHead() {
        assertEquals(250, ReplayLag.bytesBehind("bin.000004", 50, "bin.000004", 300, LOGS));
        assertEquals("caught up", 0, ReplayLag.bytesBehind("bin.000004", 300, "bin.000004", 300, LOGS));
        assertEquals("read past a head read earlier", 0, ReplayLag.bytesBehind("bin.000004", 310, "bin.000004", 300, LOGS));
    }

    @Test
    public void acrossFilesTheRestOfTheReadFileTheFilesBetweenAndTheHeadsPart() {
        // 5000-4000 left in 000002, all 7000 of 000003, 120 of 000004
        assertEquals(1_000 + 7_000 + 120, ReplayLag.bytesBehind("bin.000002", 4_000, "bin.000004", 120, LOGS));
        assertEquals("the next file only", 1_000 - 400 + 80, ReplayLag.bytesBehind("bin.000001", 400, "bin.000002", 80, LOGS));
        assertEquals("a read file later than the head's (rotated since the head was read)", 0,
                ReplayLag.bytesBehind("bin.000004", 4, "bin.000003", 6_000, LOGS));
    }

    @Test
    public void aPurgedReadFileIsUnknown() {
        assertEquals(-1, ReplayLag.bytesBehind("bin.000000", 10, "bin.000002", 80, LOGS));
    }

    @Test
    public void theAgeBoundIsTheTimeSinceTheLaterOfTheLastEventReadAndTheLastCatchUp() {
        assertEquals(0, ReplayLag.millisBehind(true, 50_000, 1_000, 2_000));
        assertEquals("behind since the last event read", 9_000, ReplayLag.millisBehind(false, 50_000, 41_000, 30_000));
        assertEquals("idle, then a burst: counted from the last catch-up, not from the old event", 400,
                ReplayLag.millisBehind(false, 50_000, 1_000, 49_600));
        assertEquals("nothing known yet", -1, ReplayLag.millisBehind(false, 50_000, 0, 0));
        assertEquals("a clock step back never gives a negative age", 0, ReplayLag.millisBehind(false, 50_000, 51_000, 0));
    }
}
