package io.headroom.core.internal.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A meter's data points by label values, found on the request path without allocating: one map level per label, keyed
 * by the values themselves. The client library's own lookup wraps the values in a list and a lambda on every call (about
 * 100 bytes per observation); this one only reaches it for a series' first observation. {@link #clear} after series
 * were removed from the meter: an observation racing the removal may land in the removed series and be lost.
 */
final class SeriesCache<D> {
    private final int labels;
    private final Function<String[], D> lookup;
    private volatile Map<String, Object> root = new ConcurrentHashMap<>();

    /** For a meter with {@code labels} label names, its data points found by {@code lookup}. */
    SeriesCache(int labels, Function<String[], D> lookup) {
        this.labels = labels;
        this.lookup = lookup;
    }

    @SuppressWarnings("unchecked")
    D get(String... values) {
        int n = values.length;
        if (n == 0 || n != labels) {
            return lookup.apply(values); // none to cache, or the library says what is wrong
        }
        Map<String, Object> level = root;
        for (int i = 0; i < n - 1; i++) {
            String v = values[i];
            if (v == null) {
                return lookup.apply(values); // the library says what is wrong with it
            }
            Object next = level.get(v);
            if (next == null) {
                next = level.computeIfAbsent(v, k -> new ConcurrentHashMap<String, Object>());
            }
            level = (Map<String, Object>) next;
        }
        String last = values[n - 1];
        if (last == null) {
            return lookup.apply(values);
        }
        Object point = level.get(last);
        if (point == null) {
            point = lookup.apply(values.clone()); // may throw (a wrong number of values): nothing is cached then
            Object raced = level.putIfAbsent(last, point);
            point = raced == null ? point : raced;
        }
        return (D) point;
    }

    void clear() {
        root = new ConcurrentHashMap<>();
    }
}
