package io.headroom.sharding.internal.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a tenant move or shard split. Routing changes only in the single control-schema transaction that
 * enters {@link #CUT_OVER} (or, reversing, {@link #REVERSED}); every other state leaves the tenants where they were.
 *
 * <pre>
 * COPYING -> CATCHING_UP -> CUTTING_OVER -> CUT_OVER -> DONE           (source cleaned after the grace period)
 *    \___________\_______________\__________> CANCELLED               (before cut-over: targets' copies deleted)
 *                                     CUT_OVER -> REVERSING -> REVERSED (within the grace period: routed back)
 * any non-terminal state -> FAILED (an operator can cancel a FAILED move to clean up)
 * </pre>
 */
public enum MoveState {
    COPYING, CATCHING_UP, CUTTING_OVER, CUT_OVER, REVERSING, DONE, CANCELLED, REVERSED, FAILED;

    public boolean terminal() {
        return this == DONE || this == CANCELLED || this == REVERSED;
    }

    /** Whether routing points at the targets in this state. */
    public boolean routedToTargets() {
        return this == CUT_OVER || this == DONE;
    }

    public Set<MoveState> next() {
        return switch (this) {
            case COPYING -> EnumSet.of(CATCHING_UP, CANCELLED, FAILED);
            case CATCHING_UP -> EnumSet.of(CUTTING_OVER, CANCELLED, FAILED);
            case CUTTING_OVER -> EnumSet.of(CUT_OVER, CATCHING_UP, CANCELLED, FAILED);
            case CUT_OVER -> EnumSet.of(DONE, REVERSING, FAILED);
            case REVERSING -> EnumSet.of(REVERSED, CUT_OVER, FAILED);
            case FAILED -> EnumSet.of(CANCELLED, COPYING, CATCHING_UP, CUT_OVER);
            default -> EnumSet.noneOf(MoveState.class);
        };
    }

    /** Throws unless {@code to} may follow this state. */
    public MoveState to(MoveState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("a move cannot go from " + this + " to " + to);
        }
        return to;
    }
}
