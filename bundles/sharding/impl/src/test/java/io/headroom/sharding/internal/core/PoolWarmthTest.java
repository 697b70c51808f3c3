package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class PoolWarmthTest {
    @Test
    public void theNewPrimaryGetsWhatThisNodeUsedOnTheOldOne() {
        assertEquals("open connections at the flip", 6, PoolWarmth.target(10, 2, 6, 3));
        assertEquals("the busiest moment, when the old pool had shrunk", 7, PoolWarmth.target(10, 2, 2, 7));
    }

    @Test
    public void aDeadOrIdleOldPrimaryStillGetsTheMinimumAndNothingExceedsThePool() {
        assertEquals("a failover: the dead primary's pool had nothing open", 2, PoolWarmth.target(10, 2, 0, 0));
        assertEquals(10, PoolWarmth.target(10, 2, 14, 30));
        assertEquals(1, PoolWarmth.target(1, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolWarmth.target(0, 2, 0, 0));
    }
}
