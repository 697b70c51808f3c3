package io.headroom.heartbeat.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.Test;

public class ReleasePlanTest {

    @Test
    public void aCanaryThenSharesOfTheFleetEndingWithAll() {
        ReleasePlan plan = ReleasePlan.parse("50%", 1);
        assertEquals(List.of("1", "50%", "100%"), plan.steps());
        assertEquals(1, plan.nodesAt(0, 3));
        assertEquals(2, plan.nodesAt(1, 3)); // rounded up
        assertEquals(3, plan.nodesAt(2, 3));
        assertTrue(plan.last(2));
        assertFalse(plan.last(1));
    }

    @Test
    public void countsNeverGoDownNorPastTheFleet() {
        ReleasePlan plan = ReleasePlan.parse("5,1%,100%", 0);
        assertEquals(3, plan.nodesAt(0, 3));
        assertEquals(3, plan.nodesAt(1, 3));
        assertEquals(1, ReleasePlan.parse("1%", 0).nodesAt(0, 3));
        assertEquals(List.of("100%"), ReleasePlan.parse(null, 0).steps());
    }

    @Test
    public void badStepsAreRefusedWithWhatIsWrong() {
        assertThrows(IllegalArgumentException.class, () -> ReleasePlan.parse("1,half", 0));
        assertThrows(IllegalArgumentException.class, () -> ReleasePlan.parse("0", 0));
        assertThrows(IllegalArgumentException.class, () -> ReleasePlan.parse("150%", 0));
        assertThrows(IllegalArgumentException.class, () -> ReleasePlan.parse("1", -1));
    }

    @Test
    public void durations() {
        assertEquals(Duration.ofMinutes(5), ReleasePlan.parseDuration("5m"));
        assertEquals(Duration.ofSeconds(90), ReleasePlan.parseDuration("90"));
        assertEquals(Duration.ofDays(30), ReleasePlan.parseDuration("30d"));
        assertThrows(IllegalArgumentException.class, () -> ReleasePlan.parseDuration("5 minutes"));
    }

    @Test
    public void transitionsAreATable() {
        assertTrue(ReleaseState.ROLLING.canMoveTo(ReleaseState.WATCHING));
        assertTrue(ReleaseState.WATCHING.canMoveTo(ReleaseState.COMPLETED));
        assertFalse(ReleaseState.ROLLING.canMoveTo(ReleaseState.COMPLETED));
        assertFalse(ReleaseState.ROLLED_BACK.canMoveTo(ReleaseState.ROLLING));
        assertFalse(ReleaseState.COMPLETED.active());
        assertFalse(ReleaseState.ROLLING_BACK.newVersionOnTargets());
    }
}
