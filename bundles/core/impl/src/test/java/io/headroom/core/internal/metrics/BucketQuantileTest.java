package io.headroom.core.internal.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class BucketQuantileTest {
    private static final double[] BOUNDS = {0.001, 0.01, 0.1, 1, Double.POSITIVE_INFINITY};

    @Test
    public void interpolatesWithinTheBucketHoldingTheRank() {
        // 100 observations: 50 up to 1 ms, 40 in (1 ms, 10 ms], 10 in (10 ms, 100 ms]
        long[] counts = {50, 40, 10, 0, 0};
        assertEquals(0.001, BucketQuantile.of(0.5, BOUNDS, counts), 1e-12); // rank 50: the top of the first bucket
        assertEquals(0.001 + 0.009 * 25 / 40.0, BucketQuantile.of(0.75, BOUNDS, counts), 1e-12);
        assertEquals(0.01 + 0.09 * 9 / 10.0, BucketQuantile.of(0.99, BOUNDS, counts), 1e-12);
        assertEquals(0.0005, BucketQuantile.of(0.25, BOUNDS, counts), 1e-12); // the first bucket starts at 0
    }

    @Test
    public void aRankInTheInfiniteBucketGivesTheHighestFiniteBound() {
        long[] counts = {1, 0, 0, 0, 99};
        assertEquals(1, BucketQuantile.of(0.5, BOUNDS, counts), 0);
        assertEquals(0.001, BucketQuantile.of(0.01, BOUNDS, counts), 1e-12);
    }

    @Test
    public void noObservationsOrABadQuantileGiveNaN() {
        assertTrue(Double.isNaN(BucketQuantile.of(0.5, BOUNDS, new long[5])));
        assertTrue(Double.isNaN(BucketQuantile.of(1.5, BOUNDS, new long[] {1, 0, 0, 0, 0})));
        assertTrue(Double.isNaN(BucketQuantile.of(Double.NaN, BOUNDS, new long[] {1, 0, 0, 0, 0})));
    }
}
