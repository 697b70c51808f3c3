package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Who is submitting most right now, from submissions alone: per-tenant counts that halve every {@code halfLifeNanos}.
 * A backend whose jobs wait outside the node (SQS) uses it to send a bursting tenant's new jobs to the overflow queue
 * before its consumers have seen any of them. A tenant is bursting when its decayed count is at least
 * {@code threshold} and more than {@code share} of everyone's.
 */
public final class SubmitRate {
    private final long halfLifeNanos;
    private final int threshold;
    private final double share;
    private final LongSupplier nanoClock;
    private final Map<TenantId, double[]> counts = new HashMap<>();
    private final double[] total = new double[2];

    public SubmitRate(long halfLifeNanos, int threshold, double share, LongSupplier nanoClock) {
        this.halfLifeNanos = halfLifeNanos;
        this.threshold = threshold;
        this.share = share;
        this.nanoClock = nanoClock;
        total[1] = nanoClock.getAsLong();
    }

    /** Counts one submission and says whether the tenant is bursting (counting this one). */
    public synchronized boolean submitted(TenantId tenant) {
        long now = nanoClock.getAsLong();
        double[] c = counts.computeIfAbsent(tenant, k -> new double[] {0, now});
        c[0] = decay(c, now) + 1;
        c[1] = now;
        total[0] = decay(total, now) + 1;
        total[1] = now;
        if (counts.size() > 10_000) {
            counts.values().removeIf(v -> decay(v, now) < 0.01);
        }
        return c[0] >= threshold && c[0] > share * total[0];
    }

    /** Every tenant's decayed count now (those above 0.01), for the fleet's view. */
    public synchronized Map<TenantId, Double> rates() {
        long now = nanoClock.getAsLong();
        Map<TenantId, Double> out = new HashMap<>();
        counts.forEach((t, c) -> {
            double v = decay(c, now);
            if (v >= 0.01) {
                out.put(t, v);
            }
        });
        return out;
    }

    private double decay(double[] c, long now) {
        return c[0] * Math.pow(0.5, (double) (now - c[1]) / halfLifeNanos);
    }
}
