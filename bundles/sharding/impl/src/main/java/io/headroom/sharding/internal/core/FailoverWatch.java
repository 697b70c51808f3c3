package io.headroom.sharding.internal.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * When a shard's primary has been dead long enough for an automatic failover, from the probes of the one node that
 * watches (under a lease). A primary is dead for failover once every probe of it failed for {@code failAfterMillis}
 * and at least {@code minFailedProbes} probes failed (a watcher that was itself paused must see the primary fail more
 * than once). A probe that answers, or a new primary (after a switchover), starts the count again. A failover that was
 * refused (no reachable replica, a move in progress) is tried again after another {@code failAfterMillis}. Plain data,
 * no I/O, time passed in: not thread-safe, one watcher thread owns it.
 */
public final class FailoverWatch {
    /** What the watcher knows of one shard's primary. */
    private record Seen(String url, long firstFailure, int failures, long lastAttempt) {
    }

    private final long failAfterMillis;
    private final int minFailedProbes;
    private final Map<String, Seen> shards = new HashMap<>();

    public FailoverWatch(long failAfterMillis, int minFailedProbes) {
        if (failAfterMillis < 1 || minFailedProbes < 1) {
            throw new IllegalArgumentException("failAfterMillis and minFailedProbes must be positive");
        }
        this.failAfterMillis = failAfterMillis;
        this.minFailedProbes = minFailedProbes;
    }

    /** One probe of the shard's primary at {@code url}: it answered or not. */
    public void observe(String shard, String url, boolean answered, long now) {
        Seen s = shards.get(shard);
        if (s == null || !s.url().equals(url)) {
            s = new Seen(url, -1, 0, -1);
        }
        if (answered) {
            shards.put(shard, new Seen(url, -1, 0, -1));
        } else {
            shards.put(shard, new Seen(url, s.firstFailure() < 0 ? now : s.firstFailure(), s.failures() + 1, s.lastAttempt()));
        }
    }

    /** Shards to fail over now, in name order. */
    public List<String> due(long now) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Seen> e : new TreeMap<>(shards).entrySet()) {
            Seen s = e.getValue();
            if (s.firstFailure() >= 0 && s.failures() >= minFailedProbes && now - s.firstFailure() >= failAfterMillis
                    && (s.lastAttempt() < 0 || now - s.lastAttempt() >= failAfterMillis)) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** A failover of the shard was started (or refused) at {@code now}: not again before another {@code failAfterMillis}. */
    public void attempted(String shard, long now) {
        Seen s = shards.get(shard);
        if (s != null) {
            shards.put(shard, new Seen(s.url(), s.firstFailure(), s.failures(), now));
        }
    }

    /** Forgets shards no longer watched (removed, or without replicas, or switching over). */
    public void retain(Set<String> watched) {
        shards.keySet().retainAll(watched);
    }

    /** Forgets everything (the watcher lost its lease: what it saw before is not a continuous watch). */
    public void clear() {
        shards.clear();
    }

    /**
     * The replica to promote: the one whose GTID position covers every other's, else (diverged positions) the one the
     * fewest transactions of the others are missing from, then the lowest URL. Empty when none is given.
     */
    public static Optional<String> mostAdvanced(Map<String, Gtid> positions) {
        return positions.keySet().stream().min(Comparator.<String>comparingLong(url -> missing(url, positions)).thenComparing(url -> url));
    }

    private static long missing(String url, Map<String, Gtid> positions) {
        Gtid mine = positions.get(url);
        long n = 0;
        for (Gtid other : positions.values()) {
            n += mine.behind(other);
        }
        return n;
    }
}
