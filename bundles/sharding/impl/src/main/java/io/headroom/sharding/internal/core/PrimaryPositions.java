package io.headroom.sharding.internal.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The primary's GTID positions as the replica probes read them, with when each was read, so a replica's freshness can
 * be measured while writes go on: a replica that holds the position read at time t holds every transaction committed
 * before t, even when it is a few transactions behind the primary's latest. Without this history a replica that is
 * always a moment behind under steady writes would never be found caught up, and its lag would only grow. Keeps the
 * last {@code capacity} readings; thread-safe.
 */
public final class PrimaryPositions {
    private record Reading(long at, Gtid position) {
    }

    private final int capacity;
    private final Deque<Reading> readings = new ArrayDeque<>();

    public PrimaryPositions(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
    }

    /** The primary's position, read at {@code at} (a time taken before the read was sent). */
    public synchronized void read(long at, Gtid position) {
        readings.addFirst(new Reading(at, position));
        while (readings.size() > capacity) {
            readings.removeLast();
        }
    }

    /**
     * The latest time at which the primary's position is known to be within {@code replica}'s, or {@code since} when
     * none of the kept readings is (whichever is later).
     */
    public synchronized long caughtUpAt(Gtid replica, long since) {
        for (Iterator<Reading> it = readings.iterator(); it.hasNext(); ) {
            Reading r = it.next();
            if (r.at() <= since) {
                break;
            }
            if (replica.covers(r.position())) {
                return r.at();
            }
        }
        return since;
    }
}
