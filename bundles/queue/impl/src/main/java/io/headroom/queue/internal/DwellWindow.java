package io.headroom.queue.internal;

import java.util.Arrays;

/** The last {@value #SIZE} dwell times of one tenant, for percentiles in the operator's view. */
final class DwellWindow {
    static final int SIZE = 1024;
    private final long[] values = new long[SIZE];
    private int count;
    private int next;

    synchronized void add(long millis) {
        values[next] = millis;
        next = (next + 1) % SIZE;
        count = Math.min(count + 1, SIZE);
    }

    synchronized long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return sorted[Math.min(count - 1, (int) Math.ceil(p * count) - 1)];
    }
}
