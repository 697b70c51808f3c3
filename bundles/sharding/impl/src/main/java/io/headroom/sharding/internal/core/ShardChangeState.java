package io.headroom.sharding.internal.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where one shard is in a schema change. Operators read the shard's entry as recorded: {@code INSTANT},
 * {@code INPLACE}, {@code ALREADY} or {@code COPY-SHADOW (...)} once applied, {@code RUNNING COPY-SHADOW <phase> ...}
 * while a shadow copy runs, {@code FAILED: <why>} or {@code CANCELLED: <why>}; the state is read off that entry.
 * Every recorded entry is a compare-and-set from the shard's state to one {@link #next()} allows.
 *
 * <pre>
 * PENDING, RUNNING, FAILED -> RUNNING | APPLIED | FAILED | CANCELLED   (a rerun starts RUNNING and FAILED shards again)
 * </pre>
 */
public enum ShardChangeState {
    /** Not started (no entry). */
    PENDING,
    RUNNING,
    APPLIED,
    FAILED,
    CANCELLED;

    private static final Map<ShardChangeState, Set<ShardChangeState>> NEXT = table();

    private static Map<ShardChangeState, Set<ShardChangeState>> table() {
        Map<ShardChangeState, Set<ShardChangeState>> t = new EnumMap<>(ShardChangeState.class);
        Set<ShardChangeState> onward = EnumSet.of(RUNNING, APPLIED, FAILED, CANCELLED);
        t.put(PENDING, onward);
        t.put(RUNNING, onward);
        t.put(FAILED, onward);
        for (ShardChangeState s : values()) {
            t.put(s, Collections.unmodifiableSet(t.getOrDefault(s, EnumSet.noneOf(ShardChangeState.class))));
        }
        return Collections.unmodifiableMap(t);
    }

    /** The state of a recorded entry (null: not started). */
    public static ShardChangeState of(String entry) {
        if (entry == null) {
            return PENDING;
        }
        if (entry.startsWith(RUNNING.name())) {
            return RUNNING;
        }
        if (entry.startsWith(FAILED.name())) {
            return FAILED;
        }
        if (entry.startsWith(CANCELLED.name())) {
            return CANCELLED;
        }
        return APPLIED;
    }

    /** The entry while the shard is being changed. */
    public static String running(String detail) {
        return RUNNING.name() + " " + detail;
    }

    public static String failed(String why) {
        return FAILED.name() + ": " + why;
    }

    public static String cancelled(String why) {
        return CANCELLED.name() + ": " + why;
    }

    /** Whether a run of the change (a first one, or one after a restart) must work on this shard. */
    public boolean needsRun() {
        return this == PENDING || this == RUNNING || this == FAILED;
    }

    /** Whether the shard is over with (applied, failed or cancelled). */
    public boolean done() {
        return this != PENDING && this != RUNNING;
    }

    public Set<ShardChangeState> next() {
        return NEXT.get(this);
    }

    /** Throws unless {@code to} may follow this state. */
    public ShardChangeState to(ShardChangeState to, String shard) {
        if (!next().contains(to)) {
            throw new IllegalStateException("shard " + shard + " cannot go from " + this + " to " + to + " in a schema change");
        }
        return to;
    }
}
