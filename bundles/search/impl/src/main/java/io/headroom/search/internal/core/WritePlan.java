package io.headroom.search.internal.core;

import java.util.List;

/**
 * Which layouts a tenant's write goes to, and what becomes of each layout's answer. The policy:
 * <ul>
 * <li>Without an open migration, or before dual-write starts (CREATED), writes go to the collection's current layout
 * only. From DUAL_WRITE to BACKFILLED they go to the current layout <em>and</em> the target, in one bulk request
 * (dual-write costs one round trip, not two). Once the migration is FINISHED the target is the current layout, so the
 * plan is one layout again; a CANCELLED migration's target is never written.</li>
 * <li>The current layout comes first: it is the one clients read until their tenant moves, so it decides whether the
 * request was good. When it refused every write (a bad request), whatever another layout took is undone and the caller
 * gets the refusal; otherwise a write a layout did not take (retryable or refused) is kept in the outbox, never
 * dropped.</li>
 * <li>An outbox entry for a layout that has been deleted (an old layout after delete-old, a cancelled target) is
 * dropped: nobody reads that layout any more.</li>
 * </ul>
 */
public final class WritePlan {
    private WritePlan() {
    }

    /** How a layout answered one write. */
    public enum Answer { APPLIED, RETRY, REJECTED }

    /** What the data plane does with one layout's answer to one write. */
    public enum Action { DONE, OUTBOX }

    /**
     * The layouts a write goes to, the current one first.
     *
     * @param current the collection's current layout
     * @param state   the state of the collection's open migration, or null when it has none
     * @param target  the open migration's target layout (ignored without one)
     */
    public static List<Integer> layouts(int current, MigrationState state, int target) {
        if (state != null && state.dualWrite()) {
            return List.of(current, target);
        }
        return List.of(current);
    }

    /** True when the request is refused as a whole: the current layout (answers first) refused each of its writes. */
    public static boolean refusedByCurrent(List<Answer> currentLayoutAnswers) {
        return !currentLayoutAnswers.isEmpty() && currentLayoutAnswers.stream().allMatch(a -> a == Answer.REJECTED);
    }

    /** Once the request is accepted: an applied write is done, anything else waits in the outbox (a refusal kept as dead). */
    public static Action action(Answer answer) {
        return answer == Answer.APPLIED ? Action.DONE : Action.OUTBOX;
    }

    /** Whether a queued write for a layout in this state (ACTIVE, TARGET, RETIRED, DELETED, or null if unknown) is still retried. */
    public static boolean keepQueued(String layoutState) {
        return layoutState != null && !"DELETED".equals(layoutState);
    }

    /** The delay before the next attempt of a queued write after {@code attempts} failed ones: 250 ms doubling, at most 30 s. */
    public static long retryDelayMillis(int attempts) {
        return Math.min(30_000, 250L << Math.min(Math.max(attempts, 0), 7));
    }
}
