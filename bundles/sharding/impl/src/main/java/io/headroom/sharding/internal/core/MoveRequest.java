package io.headroom.sharding.internal.core;

import java.util.Locale;

/** What an operator asked of a running move; the node running it acts on the request at its next step. */
public enum MoveRequest {
    /** Before cut-over: stop and delete the copies. After cut-over, within the grace period: route back. */
    CANCEL,
    /** End the grace period now: delete the source copy. */
    CLEANUP;

    /** As recorded in the control schema. */
    public String stored() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MoveRequest parse(String stored) {
        return stored == null ? null : valueOf(stored.toUpperCase(Locale.ROOT));
    }

    /** Throws IllegalStateException unless move {@code id} can take this request in {@code state}. */
    public void check(long id, MoveState state) {
        if (state.terminal()) {
            throw new IllegalStateException("move " + id + " is already " + state);
        }
        if (this == CLEANUP && state != MoveState.CUT_OVER) {
            throw new IllegalStateException("move " + id + " is " + state + ": only a cut-over move has a source copy to clean up");
        }
        if (this == CANCEL && state == MoveState.REVERSING) {
            throw new IllegalStateException("move " + id + " is already being reversed");
        }
    }
}
