package io.headroom.sharding.internal.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a tenant move or shard split. Routing changes only in the single control-schema transaction that
 * enters {@link #CUT_OVER} (or, reversing, {@link #REVERSED}); every other state leaves the tenants where they were.
 * Every persisted change of state is a compare-and-set from a state to one {@link #next()} allows.
 *
 * <pre>
 * COPYING -> CATCHING_UP -> CUTTING_OVER -> CUT_OVER -> DONE           (source cleaned after the grace period)
 *    \___________\_______________\__________> CANCELLED               (before cut-over: targets' copies deleted)
 *                     CATCHING_UP <- CUTTING_OVER                      (verification found a difference: catch up again)
 *                                     CUT_OVER -> REVERSING -> REVERSED (within the grace period: routed back)
 *                                     CUT_OVER <- REVERSING            (verification of the way back found a difference)
 * COPYING, CATCHING_UP, CUTTING_OVER -> FAILED -> CANCELLED            (an operator cancels a FAILED move to clean up)
 * </pre>
 * A move that has cut over never fails: its target holds the live rows, so a step that fails there is retried.
 */
public enum MoveState {
    COPYING, CATCHING_UP, CUTTING_OVER, CUT_OVER, REVERSING, DONE, CANCELLED, REVERSED, FAILED;

    private static final Map<MoveState, Set<MoveState>> NEXT = table();

    /** The states a runner drives: the node holding the move's lease works on it. */
    public static final Set<MoveState> ACTIVE = Collections.unmodifiableSet(EnumSet.of(COPYING, CATCHING_UP, CUTTING_OVER, CUT_OVER, REVERSING));

    private static Map<MoveState, Set<MoveState>> table() {
        Map<MoveState, Set<MoveState>> t = new EnumMap<>(MoveState.class);
        t.put(COPYING, EnumSet.of(CATCHING_UP, CANCELLED, FAILED));
        t.put(CATCHING_UP, EnumSet.of(CUTTING_OVER, CANCELLED, FAILED));
        t.put(CUTTING_OVER, EnumSet.of(CUT_OVER, CATCHING_UP, CANCELLED, FAILED));
        t.put(CUT_OVER, EnumSet.of(DONE, REVERSING));
        t.put(REVERSING, EnumSet.of(REVERSED, CUT_OVER));
        t.put(FAILED, EnumSet.of(CANCELLED));
        for (MoveState s : values()) {
            t.put(s, Collections.unmodifiableSet(t.getOrDefault(s, EnumSet.noneOf(MoveState.class))));
        }
        return Collections.unmodifiableMap(t);
    }

    public boolean terminal() {
        return this == DONE || this == CANCELLED || this == REVERSED;
    }

    /** Whether routing points at the targets in this state. */
    public boolean routedToTargets() {
        return this == CUT_OVER || this == DONE;
    }

    /** Whether a tenant's rows may be on two shards: from the first copied row until cleanup, cancel or reversal. */
    public boolean holdsCopies() {
        return !terminal();
    }

    /** Where an operator following a move stops watching: it needs nothing more, or it needs the operator. */
    public boolean settled() {
        return this == CUT_OVER || this == FAILED || terminal();
    }

    /** Whether entering this state answers the operator's request (cancel, cleanup), which is then cleared. */
    public boolean answersRequest() {
        return this == REVERSING || terminal();
    }

    public Set<MoveState> next() {
        return NEXT.get(this);
    }

    /** Throws unless {@code to} may follow this state. */
    public MoveState to(MoveState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("a move cannot go from " + this + " to " + to);
        }
        return to;
    }
}
