package io.headroom.llm.internal.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Per-minute limits that hold for the whole fleet while admission stays local. Each limit (a deployment's requests or
 * tokens per minute, a tenant's quota) has one shared count per clock minute in a {@link Ledger} (the control schema):
 * a node takes a slice of what is left of the minute's budget with one ledger call, admits requests from its slice
 * without asking again, gives back what it has not used once it has been idle for a while, and the slice lapses with
 * its minute. The ledger never grants more than the limit in a minute, so the fleet never admits more; a lone node can
 * take every slice and use all of it. Slices are {@code sliceFraction} of the limit (at least what the request needs),
 * so a busy node asks the ledger about once every {@code 1/sliceFraction} admissions.
 *
 * <p>The window is the clock minute (epoch milliseconds / 60,000), the same on every node with synchronised clocks:
 * within any clock minute at most the limit is admitted (two adjacent minutes can each use it all). Background calls
 * draw from a separate slice capped at {@code share} of the limit, so the reserved rest is only ever granted to
 * interactive calls. When the ledger cannot be reached, a node admits up to {@code limit / live nodes} per minute
 * on its own (the fleet as a whole then stays within the limit if every node does the same) and asks again a second later.
 */
public final class LeasedLimits {
    /** The shared counts: one per limit key and minute. Implementations must be safe for concurrent nodes. */
    public interface Ledger {
        /**
         * Grants up to {@code amount} of what is left of the key's count in {@code minute} under {@code ceiling}, in one
         * atomic step; returns what was granted (0 when nothing is left).
         */
        long take(String key, long minute, long ceiling, long amount);

        /** Gives back {@code amount} granted earlier in the same minute and not used. */
        void giveBack(String key, long minute, long amount);
    }

    /** Tuning: the slice as a share of the limit, how long an unused slice is kept, how long an exhausted limit is not asked again. */
    public record Settings(double sliceFraction, long idleReturnMillis, long exhaustedRetryMillis, long ledgerRetryMillis) {
        public static Settings defaults() {
            return new Settings(0.05, 1_000, 200, 1_000);
        }
    }

    private static final class Pool {
        long minute = -1;
        long available;
        long lastUse;
        long askAgainAt;
        long offlineGranted;
    }

    private final Ledger ledger;
    private final LongSupplier clock;
    private final IntSupplier liveNodes;
    private final Settings settings;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();

    public LeasedLimits(Ledger ledger, LongSupplier clockMillis, IntSupplier liveNodes, Settings settings) {
        this.ledger = ledger;
        this.clock = clockMillis;
        this.liveNodes = liveNodes;
        this.settings = settings;
    }

    /** A single node's limits (an in-memory ledger): what a router outside a fleet uses. */
    public static LeasedLimits local(LongSupplier clockMillis) {
        return new LeasedLimits(new MemoryLedger(), clockMillis, () -> 1, Settings.defaults());
    }

    private static String poolKey(String key, double share) {
        return share >= 1.0 ? key : key + "#background";
    }

    /**
     * Takes {@code amount} of the key's limit (0 or less: unlimited) for this minute, within {@code share} of it;
     * false when the fleet has used that much already this minute.
     */
    public boolean tryTake(String key, long limit, double share, long amount) {
        if (limit <= 0) {
            return true;
        }
        long ceiling = (long) Math.floor(limit * share);
        if (amount > ceiling) {
            return false;
        }
        long now = clock.getAsLong();
        long minute = now / 60_000;
        Pool p = pools.computeIfAbsent(poolKey(key, share), k -> new Pool());
        synchronized (p) {
            if (p.minute != minute) {
                p.minute = minute;
                p.available = 0;
                p.askAgainAt = 0;
                p.offlineGranted = 0;
            }
            p.lastUse = now;
            if (p.available >= amount) {
                p.available -= amount;
                return true;
            }
            if (now < p.askAgainAt) {
                return false;
            }
            long want = Math.max(amount - p.available, (long) Math.ceil(limit * settings.sliceFraction()));
            try {
                long got = ledger.take(key, minute, ceiling, want);
                p.available += got;
                if (got < want) {
                    p.askAgainAt = now + settings.exhaustedRetryMillis();
                }
            } catch (RuntimeException e) {
                // the ledger is unreachable: this node's share of the limit, until it can be asked again
                long share1 = ceiling / Math.max(1, liveNodes.getAsInt());
                p.available += Math.max(0, share1 - p.offlineGranted);
                p.offlineGranted = Math.max(p.offlineGranted, share1);
                p.askAgainAt = now + settings.ledgerRetryMillis();
            }
            if (p.available >= amount) {
                p.available -= amount;
                return true;
            }
            return false;
        }
    }

    /**
     * Settles an earlier take made at {@code takenAtMillis}: gives back {@code amount} (an estimate that was too high, a
     * refused call) or takes more (negative). Only takes of the current minute can be settled; older ones lapsed.
     */
    public void settle(String key, long limit, double share, long amount, long takenAtMillis) {
        if (limit <= 0 || amount == 0) {
            return;
        }
        Pool p = pools.get(poolKey(key, share));
        if (p == null) {
            return;
        }
        synchronized (p) {
            if (p.minute == takenAtMillis / 60_000) {
                p.available += amount;
            }
        }
    }

    /** Milliseconds until a limit that is used up now can admit again: the next minute, or a slice given back sooner. */
    public long millisUntilRoom() {
        long now = clock.getAsLong();
        return Math.min(60_000 - now % 60_000, settings.exhaustedRetryMillis());
    }

    /** Milliseconds until the current minute's limits reset. */
    public long millisUntilNextMinute() {
        long now = clock.getAsLong();
        return 60_000 - now % 60_000;
    }

    /** Gives back slices not used for the idle time (all of them with {@code everything}), so other nodes can use them. */
    public void returnIdle(boolean everything) {
        long now = clock.getAsLong();
        long minute = now / 60_000;
        pools.forEach((poolKey, p) -> {
            long back;
            synchronized (p) {
                if (p.minute != minute || p.available <= 0 || p.offlineGranted > 0
                        || !everything && now - p.lastUse < settings.idleReturnMillis()) {
                    return;
                }
                back = p.available;
                p.available = 0;
            }
            String key = poolKey.endsWith("#background") ? poolKey.substring(0, poolKey.length() - "#background".length()) : poolKey;
            try {
                ledger.giveBack(key, minute, back);
            } catch (RuntimeException e) {
                synchronized (p) {
                    if (p.minute == minute) {
                        p.available += back; // could not give it back: keep using it
                    }
                }
            }
        });
        pools.values().removeIf(p -> {
            synchronized (p) {
                return p.minute < minute - 1;
            }
        });
    }

    /** What this node holds unused of a key's current minute (for tests and status). */
    public long held(String key, double share) {
        Pool p = pools.get(poolKey(key, share));
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            return p.minute == clock.getAsLong() / 60_000 ? p.available : 0;
        }
    }
}
