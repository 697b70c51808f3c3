package io.headroom.sharding.api;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A contiguous range of keyspace ids in Vitess notation: {@code start-end} with hex prefixes, start inclusive,
 * end exclusive, an empty side unbounded ({@code -40}, {@code 40-80}, {@code 80-}, {@code -} for everything).
 * Bounds are left-aligned: {@code 4} and {@code 40} and {@code 4000} are the same bound.
 */
public record KeyRange(long start, boolean unboundedStart, long end, boolean unboundedEnd) {
    private static final Pattern SIDE = Pattern.compile("[0-9a-f]{0,16}");

    public KeyRange {
        if (unboundedStart) {
            start = 0;
        }
        if (unboundedEnd) {
            end = 0;
        }
        if (!unboundedStart && !unboundedEnd && Long.compareUnsigned(start, end) >= 0) {
            throw new IllegalArgumentException("key range is empty: start must be below end");
        }
    }

    public static final KeyRange ALL = new KeyRange(0, true, 0, true);

    /** Parses Vitess notation; IllegalArgumentException says what is wrong. */
    public static KeyRange parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("key range is missing");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        int dash = t.indexOf('-');
        if (dash < 0 || t.indexOf('-', dash + 1) >= 0) {
            throw new IllegalArgumentException("key range '" + text + "' must be start-end in hex, e.g. -40, 40-80, 80-");
        }
        String s = t.substring(0, dash);
        String e = t.substring(dash + 1);
        if (!SIDE.matcher(s).matches() || !SIDE.matcher(e).matches()) {
            throw new IllegalArgumentException("key range '" + text + "': bounds are up to 16 hex digits");
        }
        return new KeyRange(bound(s), s.isEmpty(), bound(e), e.isEmpty());
    }

    private static long bound(String hex) {
        if (hex.isEmpty()) {
            return 0;
        }
        String padded = (hex + "0000000000000000").substring(0, 16);
        return Long.parseUnsignedLong(padded, 16);
    }

    public boolean contains(long keyspaceId) {
        return (unboundedStart || Long.compareUnsigned(keyspaceId, start) >= 0)
                && (unboundedEnd || Long.compareUnsigned(keyspaceId, end) < 0);
    }

    public boolean overlaps(KeyRange o) {
        // [a,b) and [c,d) overlap when a < d and c < b, with unbounded sides always satisfying their comparison
        boolean startBeforeOtherEnd = unboundedStart || o.unboundedEnd || Long.compareUnsigned(start, o.end) < 0;
        boolean otherStartBeforeEnd = o.unboundedStart || unboundedEnd || Long.compareUnsigned(o.start, end) < 0;
        return startBeforeOtherEnd && otherStartBeforeEnd;
    }

    /** Splits at the middle of the range into two halves, for a shard split. */
    public KeyRange[] halves() {
        long lo = unboundedStart ? 0 : start;
        // an unbounded end is 2^64: the middle is lo/2 + 2^63
        long mid = unboundedEnd ? (lo >>> 1) + Long.MIN_VALUE : lo + ((end - lo) >>> 1);
        return new KeyRange[] {new KeyRange(start, unboundedStart, mid, false), new KeyRange(mid, false, end, unboundedEnd)};
    }

    @Override
    public String toString() {
        return (unboundedStart ? "" : trim(start)) + "-" + (unboundedEnd ? "" : trim(end));
    }

    private static String trim(long v) {
        String h = String.format("%016x", v);
        int n = h.length();
        while (n > 2 && h.charAt(n - 1) == '0' && h.charAt(n - 2) == '0') {
            n -= 2;
        }
        return h.substring(0, n);
    }
}
