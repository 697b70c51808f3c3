package io.headroom.core.internal.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The busiest keys of a stream in fixed memory: a space-saving sketch (Metwally et al.) of {@code capacity} counters
 * whose weights decay with a half-life, so a tenant that was busy an hour ago gives its place to one busy now. A new
 * key that finds no free counter takes the smallest one over, inheriting its weight (the sketch's overestimate). The
 * first {@code shown} keys by weight are "top". Pure: no I/O, time from a clock.
 */
final class TopTenantSketch {
    private final int capacity;
    private final int shown;
    private final double halfLifeMillis;
    private final LongSupplier clock;
    private final Map<String, double[]> counters = new HashMap<>(); // key -> {weight at stamp, stamp}
    private volatile List<String> top = List.of();
    private long lastRank;

    TopTenantSketch(int capacity, int shown, long halfLifeMillis, LongSupplier clock) {
        this.capacity = capacity;
        this.shown = shown;
        this.halfLifeMillis = halfLifeMillis;
        this.clock = clock;
    }

    /** Adds weight to a key; true when the key is among the top now. */
    synchronized boolean add(String key, double weight) {
        long now = clock.getAsLong();
        double[] c = counters.get(key);
        if (c == null) {
            if (counters.size() < capacity) {
                c = new double[] {0, now};
            } else {
                String smallest = null;
                double min = Double.MAX_VALUE;
                for (Map.Entry<String, double[]> e : counters.entrySet()) {
                    double w = decayed(e.getValue(), now);
                    if (w < min) {
                        min = w;
                        smallest = e.getKey();
                    }
                }
                counters.remove(smallest);
                c = new double[] {min, now};
            }
            counters.put(key, c);
        }
        c[0] = decayed(c, now) + weight;
        c[1] = now;
        if (now - lastRank >= 1000 || top.size() < shown) {
            rank(now);
        }
        return top.contains(key);
    }

    private double decayed(double[] c, long now) {
        return c[0] * Math.pow(0.5, (now - c[1]) / halfLifeMillis);
    }

    private void rank(long now) {
        List<String> keys = new ArrayList<>(counters.keySet());
        keys.sort(Comparator.comparingDouble((String k) -> decayed(counters.get(k), now)).reversed());
        top = List.copyOf(keys.subList(0, Math.min(shown, keys.size())));
        lastRank = now;
    }

    List<String> top() {
        return top;
    }
}
