package io.headroom.search.internal.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a layout migration. Each operator step is allowed only from certain states; anything else is a
 * conflict that changes nothing. Dual-write is on from DUAL_WRITE until FINISHED.
 */
public enum MigrationState {
    CREATED, DUAL_WRITE, BACKFILLING, BACKFILLED, FINISHED, OLD_DELETED, CANCELLED;

    /** Operator steps. */
    public enum Step {
        START, BACKFILL, VALIDATE, ADVANCE, ROLLBACK, FINISH, DELETE_OLD, CANCEL
    }

    /** Whether writes go to the target layout too. */
    public boolean dualWrite() {
        return this == DUAL_WRITE || this == BACKFILLING || this == BACKFILLED;
    }

    /** Whether the migration still holds the collection (one open migration per collection). */
    public boolean open() {
        return this != FINISHED && this != OLD_DELETED && this != CANCELLED;
    }

    public Set<MigrationState> allowedFrom(Step step) {
        return switch (step) {
            case START -> EnumSet.of(CREATED);
            case BACKFILL -> EnumSet.of(DUAL_WRITE, BACKFILLING, BACKFILLED);
            case VALIDATE, ADVANCE -> EnumSet.of(BACKFILLING, BACKFILLED);
            case ROLLBACK -> EnumSet.of(DUAL_WRITE, BACKFILLING, BACKFILLED);
            case FINISH -> EnumSet.of(BACKFILLED);
            case DELETE_OLD -> EnumSet.of(FINISHED);
            case CANCEL -> EnumSet.of(CREATED, DUAL_WRITE, BACKFILLING, BACKFILLED);
        };
    }

    /** The state after the step, or an IllegalStateException naming what is allowed. */
    public MigrationState next(Step step) {
        if (!allowedFrom(step).contains(this)) {
            throw new IllegalStateException(step.name().toLowerCase().replace('_', '-') + " is not possible in state " + this
                    + " (only in " + allowedFrom(step) + ")");
        }
        return switch (step) {
            case START -> DUAL_WRITE;
            case BACKFILL -> this == DUAL_WRITE ? BACKFILLING : this;
            case VALIDATE, ADVANCE, ROLLBACK -> this;
            case FINISH -> FINISHED;
            case DELETE_OLD -> OLD_DELETED;
            case CANCEL -> CANCELLED;
        };
    }

    /** Reads for a tenant go to the target when the migration is past backfill start, the tenant passed validation and its flag is on. */
    public boolean readsOnTarget(boolean validated, boolean flagOn) {
        return (this == BACKFILLING || this == BACKFILLED) && validated && flagOn;
    }
}
