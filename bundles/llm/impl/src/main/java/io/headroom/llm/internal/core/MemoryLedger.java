package io.headroom.llm.internal.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link LeasedLimits.Ledger} in memory: one node's limits, or several simulated nodes sharing one in a test. */
public final class MemoryLedger implements LeasedLimits.Ledger {
    private record Key(String key, long window) {
    }

    private final Map<Key, Long> granted = new ConcurrentHashMap<>();

    @Override
    public long take(String key, long window, long ceiling, long amount) {
        long[] got = new long[1];
        granted.compute(new Key(key, window), (k, g) -> {
            long used = g == null ? 0 : g;
            got[0] = Math.max(0, Math.min(amount, ceiling - used));
            return used + got[0];
        });
        if (granted.size() > 10_000) {
            long oldest = window - 2;
            granted.keySet().removeIf(k -> k.window() < oldest);
        }
        return got[0];
    }

    @Override
    public void giveBack(String key, long window, long amount) {
        granted.computeIfPresent(new Key(key, window), (k, g) -> Math.max(0, g - amount));
    }

    /** What has been granted of a key in a window. */
    public long granted(String key, long window) {
        return granted.getOrDefault(new Key(key, window), 0L);
    }
}
