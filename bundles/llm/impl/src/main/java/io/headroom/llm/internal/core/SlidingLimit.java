package io.headroom.llm.internal.core;

import java.util.Arrays;

/**
 * A per-minute limit that never lets more through than allowed in any 60-second window: usage is counted in
 * one-second slots and a request is admitted only if the last 61 slots (a superset of any minute ending now) plus
 * the request stay within the limit. Part of the limit can be reserved for interactive traffic.
 */
public final class SlidingLimit {
    private static final int SLOTS = 61;
    private final long limit;
    private final long[] stamp = new long[SLOTS];
    private final long[] used = new long[SLOTS];

    public SlidingLimit(long limit) {
        this.limit = limit;
        Arrays.fill(stamp, -1);
    }

    /** Takes {@code amount} if it fits under {@code share} of the limit (1.0 for all of it); false otherwise. */
    public synchronized boolean tryTake(long nowMillis, long amount, double share) {
        if (limit <= 0) {
            return true; // unlimited
        }
        long second = nowMillis / 1000;
        if (usedSince(second) + amount > (long) Math.floor(limit * share)) {
            return false;
        }
        add(second, amount);
        return true;
    }

    /** Corrects an earlier take by {@code delta} (negative gives back what an estimate over-reserved). */
    public synchronized void adjust(long nowMillis, long delta) {
        add(nowMillis / 1000, delta);
    }

    private void add(long second, long amount) {
        int i = (int) (second % SLOTS);
        if (stamp[i] != second) {
            stamp[i] = second;
            used[i] = 0;
        }
        used[i] += amount;
    }

    synchronized long usedSince(long second) {
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (stamp[i] > second - SLOTS) {
                sum += used[i];
            }
        }
        return sum;
    }

    /** Milliseconds until some capacity frees up (the oldest counted slot leaves the window). */
    public synchronized long millisUntilRoom(long nowMillis) {
        long second = nowMillis / 1000;
        long oldest = second;
        for (int i = 0; i < SLOTS; i++) {
            if (stamp[i] > second - SLOTS && used[i] > 0) {
                oldest = Math.min(oldest, stamp[i]);
            }
        }
        return Math.max(1, (oldest + SLOTS) * 1000 - nowMillis);
    }

    long limit() {
        return limit;
    }
}
