package io.headroom.sharding.internal.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a shard switchover (planned) or failover (unplanned). Routing changes only in the transaction that
 * enters {@link #DONE}, which also lifts the fence. Before {@link #PROMOTING} the old primary is intact (at most
 * read-only), so a switchover that runs out of budget or loses its node rolls back; once a replica is promoted the
 * only way is forward.
 *
 * <pre>
 * FENCING -> CATCHING_UP -> PROMOTING -> DONE      (fence acknowledged, replica at the primary's GTID, promoted, routed)
 *    \___________\______________________> ROLLED_BACK (budget spent before the promotion: old primary writable, fence lifted)
 * PROMOTING -> DONE                                  (a failover starts here: the old primary is gone)
 * </pre>
 */
public enum SwitchoverState {
    FENCING, CATCHING_UP, PROMOTING, DONE, ROLLED_BACK;

    private static final Map<SwitchoverState, Set<SwitchoverState>> NEXT = table();

    private static Map<SwitchoverState, Set<SwitchoverState>> table() {
        Map<SwitchoverState, Set<SwitchoverState>> t = new EnumMap<>(SwitchoverState.class);
        t.put(FENCING, EnumSet.of(CATCHING_UP, ROLLED_BACK));
        t.put(CATCHING_UP, EnumSet.of(PROMOTING, ROLLED_BACK));
        t.put(PROMOTING, EnumSet.of(DONE));
        for (SwitchoverState s : values()) {
            t.put(s, Collections.unmodifiableSet(t.getOrDefault(s, EnumSet.noneOf(SwitchoverState.class))));
        }
        return Collections.unmodifiableMap(t);
    }

    public boolean terminal() {
        return this == DONE || this == ROLLED_BACK;
    }

    /** Whether the old primary may still take writes again (a roll-back is possible). */
    public boolean reversible() {
        return this == FENCING || this == CATCHING_UP;
    }

    public Set<SwitchoverState> next() {
        return NEXT.get(this);
    }

    /** Throws unless {@code to} may follow this state. */
    public SwitchoverState to(SwitchoverState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("a switchover cannot go from " + this + " to " + to);
        }
        return to;
    }
}
