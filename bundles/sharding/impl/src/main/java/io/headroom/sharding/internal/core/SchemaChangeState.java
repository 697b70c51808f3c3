package io.headroom.sharding.internal.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a versioned schema change across the shards. Operators pause, resume and cancel; the node holding the
 * change's lease ends it DONE or FAILED. Every persisted change of state is a compare-and-set through {@link #to}.
 *
 * <pre>
 * RUNNING <-> PAUSED
 * RUNNING -> DONE | FAILED        (every shard applied / some shard failed)
 * RUNNING, PAUSED -> CANCELLED    (shards already altered keep the change)
 * </pre>
 */
public enum SchemaChangeState {
    RUNNING, PAUSED, DONE, CANCELLED, FAILED;

    private static final Map<SchemaChangeState, Set<SchemaChangeState>> NEXT = table();

    private static Map<SchemaChangeState, Set<SchemaChangeState>> table() {
        Map<SchemaChangeState, Set<SchemaChangeState>> t = new EnumMap<>(SchemaChangeState.class);
        t.put(RUNNING, EnumSet.of(PAUSED, CANCELLED, DONE, FAILED));
        t.put(PAUSED, EnumSet.of(RUNNING, CANCELLED));
        for (SchemaChangeState s : values()) {
            t.put(s, Collections.unmodifiableSet(t.getOrDefault(s, EnumSet.noneOf(SchemaChangeState.class))));
        }
        return Collections.unmodifiableMap(t);
    }

    public boolean terminal() {
        return next().isEmpty();
    }

    /** Where an operator following a change stops watching: it is over, or it waits for the operator. */
    public boolean settled() {
        return this != RUNNING;
    }

    public Set<SchemaChangeState> next() {
        return NEXT.get(this);
    }

    /** Throws unless {@code to} may follow this state; the message names the change. */
    public SchemaChangeState to(SchemaChangeState to, int version) {
        if (!next().contains(to)) {
            throw new IllegalStateException("schema change " + version + " is " + this + ": it cannot become " + to);
        }
        return to;
    }
}
