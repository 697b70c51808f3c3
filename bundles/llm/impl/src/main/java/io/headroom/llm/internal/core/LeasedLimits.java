package io.headroom.llm.internal.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Per-minute limits that hold for the whole fleet while admission stays local. Each limit (a deployment's requests or
 * tokens per minute, a tenant's quota) has one shared count per window in a {@link Ledger} (the control schema): a
 * node takes a slice of what is left of the window's budget with one ledger call, admits requests from its slice
 * without asking again, gives back what it has not used once it has been idle for a while, and the slice lapses with
 * its window. The ledger never grants more than the window's budget, so the fleet never admits more; a lone node can
 * take every slice and use all of it. Slices are {@code sliceFraction} of the window's budget (at least what the
 * request needs), so a busy node asks the ledger about once every {@code 1/sliceFraction} admissions.
 *
 * <p>Windows are {@code windowMillis} long (a minute unless configured shorter; it divides a minute into whole windows)
 * and aligned on epoch time, the same on every node with synchronised clocks. A limit stays expressed per minute and
 * each window admits its share of it: the minute's budget spread over the minute's windows, each taking the whole or
 * the next whole number of its share in a fixed pattern, so the windows of any clock minute add up to exactly the limit
 * (60 a minute in 10-second windows: 10 in each; 5 a minute: 0, 1, 1, 1, 1, 1). So within any clock minute at most the
 * limit is admitted, shorter windows spread it over the minute instead of letting it all through in a burst, and
 * adjacent windows can each use their whole share. The price of a short window: one take can never be larger than a
 * window's share ({@link #largestTake}), which matters for tokens limits.
 *
 * <p>Background calls draw from a separate slice capped at {@code share} of the limit, so the reserved rest is only
 * ever granted to interactive calls. When the ledger cannot be reached, a node admits up to its window's budget
 * divided by the live nodes on its own (the fleet as a whole then stays within the limit if every node does the same)
 * and asks again a second later.
 */
public final class LeasedLimits {
    /** The shared counts: one per limit key and window. Implementations must be safe for concurrent nodes. */
    public interface Ledger {
        /**
         * Grants up to {@code amount} of what is left of the key's count in {@code window} (epoch milliseconds / window
         * length) under {@code ceiling}, in one atomic step; returns what was granted (0 when nothing is left).
         */
        long take(String key, long window, long ceiling, long amount);

        /** Gives back {@code amount} granted earlier in the same window and not used. */
        void giveBack(String key, long window, long amount);
    }

    /**
     * Tuning: the slice as a share of a window's budget, how long an unused slice is kept, how long an exhausted limit
     * is not asked again, how long an unreachable ledger, and the window the per-minute limits are counted in.
     */
    public record Settings(double sliceFraction, long idleReturnMillis, long exhaustedRetryMillis, long ledgerRetryMillis,
                           long windowMillis) {
        public Settings {
            if (windowMillis <= 0 || MINUTE % windowMillis != 0) {
                throw new IllegalArgumentException("a limit window divides a minute into whole windows; " + windowMillis + " ms does not");
            }
        }

        public Settings(double sliceFraction, long idleReturnMillis, long exhaustedRetryMillis, long ledgerRetryMillis) {
            this(sliceFraction, idleReturnMillis, exhaustedRetryMillis, ledgerRetryMillis, MINUTE);
        }

        public static Settings defaults() {
            return new Settings(0.05, 1_000, 200, 1_000);
        }

        /** The same settings counted in windows of {@code windowMillis}. */
        public Settings window(long windowMillis) {
            return new Settings(sliceFraction, idleReturnMillis, exhaustedRetryMillis, ledgerRetryMillis, windowMillis);
        }

        /** The longest window of at most {@code seconds} (at least 1) that divides a minute: 1-6, 10, 12, 15, 20, 30 or 60 s. */
        public static long windowSeconds(long seconds) {
            long s = Math.max(1, Math.min(60, seconds));
            while (60 % s != 0) {
                s--;
            }
            return s;
        }
    }

    private static final long MINUTE = 60_000;

    private static final class Pool {
        long window = -1;
        long available;
        long lastUse;
        long askAgainAt;
        long offlineGranted;
    }

    private final Ledger ledger;
    private final LongSupplier clock;
    private final IntSupplier liveNodes;
    private final Settings settings;
    private final long windowMillis;
    /** Windows in a minute. */
    private final long windows;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();

    public LeasedLimits(Ledger ledger, LongSupplier clockMillis, IntSupplier liveNodes, Settings settings) {
        this.ledger = ledger;
        this.clock = clockMillis;
        this.liveNodes = liveNodes;
        this.settings = settings;
        this.windowMillis = settings.windowMillis();
        this.windows = MINUTE / windowMillis;
    }

    /** A single node's limits (an in-memory ledger): what a router outside a fleet uses. */
    public static LeasedLimits local(LongSupplier clockMillis) {
        return new LeasedLimits(new MemoryLedger(), clockMillis, () -> 1, Settings.defaults());
    }

    private static String poolKey(String key, double share) {
        return share >= 1.0 ? key : key + "#background";
    }

    /**
     * What window {@code window} admits of a per-minute {@code perMinute}: its share, rounded so that the windows of
     * each clock minute add up to exactly {@code perMinute} (the rounding depends only on the window's place in its
     * minute, so every node computes the same).
     */
    long allowance(long perMinute, long window) {
        long i = Math.floorMod(window, windows);
        return perMinute * (i + 1) / windows - perMinute * i / windows;
    }

    private static long perMinute(long limit, double share) {
        return (long) Math.floor(limit * share);
    }

    /** The largest single take {@code share} of a per-minute limit can ever admit: the largest window's share of it. */
    public long largestTake(long limit, double share) {
        if (limit <= 0) {
            return Long.MAX_VALUE;
        }
        return (perMinute(limit, share) + windows - 1) / windows;
    }

    /** The window the clock is in now (epoch milliseconds / window length). */
    public long currentWindow() {
        return clock.getAsLong() / windowMillis;
    }

    /** The window length in milliseconds. */
    public long windowMillis() {
        return windowMillis;
    }

    /**
     * Takes {@code amount} of the key's limit (0 or less: unlimited) for this window, within {@code share} of it;
     * false when the fleet has used the window's share of it already.
     */
    public boolean tryTake(String key, long limit, double share, long amount) {
        if (limit <= 0) {
            return true;
        }
        long now = clock.getAsLong();
        long window = now / windowMillis;
        // a share's rounding can fall on a window where the whole limit's does not: never more than the whole limit's
        long ceiling = Math.min(allowance(perMinute(limit, share), window), allowance(limit, window));
        if (amount > ceiling) {
            return false;
        }
        Pool p = pools.computeIfAbsent(poolKey(key, share), k -> new Pool());
        synchronized (p) {
            if (p.window != window) {
                p.window = window;
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
            long want = Math.max(amount - p.available, (long) Math.ceil(limit * settings.sliceFraction() / windows));
            try {
                long got = ledger.take(key, window, ceiling, want);
                p.available += got;
                if (got < want) {
                    p.askAgainAt = now + settings.exhaustedRetryMillis();
                }
            } catch (RuntimeException e) {
                // the ledger is unreachable: this node's share of the window, until it can be asked again
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
     * refused call) or takes more (negative). Only takes of the current window can be settled; older ones lapsed.
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
            if (p.window == takenAtMillis / windowMillis) {
                p.available += amount;
            }
        }
    }

    /** Milliseconds until a limit that is used up now can admit again: the next window, or a slice given back sooner. */
    public long millisUntilRoom() {
        long now = clock.getAsLong();
        return Math.min(windowMillis - now % windowMillis, settings.exhaustedRetryMillis());
    }

    /**
     * Milliseconds until a limit used up now admits again for certain: the start of the next window whose share of
     * {@code share} of it is not 0 (at most a minute away for a limit of at least 1 a minute).
     */
    public long millisUntilNextWindow(long limit, double share) {
        long now = clock.getAsLong();
        long next = now / windowMillis + 1;
        long perMinute = perMinute(limit, share);
        for (long w = next; w < next + windows; w++) {
            if (allowance(perMinute, w) > 0) {
                return w * windowMillis - now;
            }
        }
        return next * windowMillis - now;
    }

    /** Gives back slices not used for the idle time (all of them with {@code everything}), so other nodes can use them. */
    public void returnIdle(boolean everything) {
        long now = clock.getAsLong();
        long window = now / windowMillis;
        pools.forEach((poolKey, p) -> {
            long back;
            synchronized (p) {
                if (p.window != window || p.available <= 0 || p.offlineGranted > 0
                        || !everything && now - p.lastUse < settings.idleReturnMillis()) {
                    return;
                }
                back = p.available;
                p.available = 0;
            }
            String key = poolKey.endsWith("#background") ? poolKey.substring(0, poolKey.length() - "#background".length()) : poolKey;
            try {
                ledger.giveBack(key, window, back);
            } catch (RuntimeException e) {
                synchronized (p) {
                    if (p.window == window) {
                        p.available += back; // could not give it back: keep using it
                    }
                }
            }
        });
        pools.values().removeIf(p -> {
            synchronized (p) {
                return p.window < window - 1;
            }
        });
    }

    /** What this node holds unused of a key's current window (for tests and status). */
    public long held(String key, double share) {
        Pool p = pools.get(poolKey(key, share));
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            return p.window == clock.getAsLong() / windowMillis ? p.available : 0;
        }
    }
}
