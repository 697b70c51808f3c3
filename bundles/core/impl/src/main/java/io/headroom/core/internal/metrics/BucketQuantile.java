package io.headroom.core.internal.metrics;

/**
 * A quantile estimated from a classic histogram's buckets the way PromQL's {@code histogram_quantile} does it, so the
 * shell and the console show what a dashboard over the same series would: the bucket holding the rank is found, and the
 * value interpolated linearly between its bounds (from 0 in the first bucket); a rank in the {@code +Inf} bucket gives
 * the highest finite bound.
 */
final class BucketQuantile {
    private BucketQuantile() {
    }

    /**
     * @param upperBounds the buckets' upper bounds, ascending, the last one {@code +Inf}
     * @param counts      observations in each bucket (not cumulative)
     * @return the estimate, {@code NaN} without observations or for {@code q} outside [0, 1]
     */
    static double of(double q, double[] upperBounds, long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0 || !(q >= 0 && q <= 1)) {
            return Double.NaN;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            long cumulative = below + counts[i];
            if (cumulative >= rank && counts[i] > 0) {
                if (Double.isInfinite(upperBounds[i])) {
                    return i == 0 ? Double.NaN : upperBounds[i - 1];
                }
                double lower = i == 0 ? Math.min(0, upperBounds[0]) : upperBounds[i - 1];
                return lower + (upperBounds[i] - lower) * (rank - below) / counts[i];
            }
            below = cumulative;
        }
        return upperBounds[upperBounds.length - 1];
    }
}
