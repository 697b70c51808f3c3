package io.headroom.search.internal.core;

import java.util.function.LongSupplier;

/** Paces a copy loop to a rate (documents per second; 0: unpaced). Returns how long to sleep before the next batch. */
public final class Throttle {
    private final double perSecond;
    private final LongSupplier nanoClock;
    private long nextFreeNanos;

    public Throttle(double perSecond, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.nextFreeNanos = nanoClock.getAsLong();
    }

    /** Accounts for {@code docs} about to be copied; the millis to wait first (0 when under the rate). */
    public long acquire(int docs) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long start = Math.max(now, nextFreeNanos);
        nextFreeNanos = start + (long) (docs * 1_000_000_000L / perSecond);
        return (start - now) / 1_000_000L;
    }
}
