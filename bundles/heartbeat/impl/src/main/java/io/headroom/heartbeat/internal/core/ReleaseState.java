package io.headroom.heartbeat.internal.core;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a release and the transitions between them; every persisted transition is a compare-and-set through
 * {@link #canMoveTo}. {@code ROLLING} widens the new version to the step's nodes, {@code WATCHING} bakes it there
 * for the watch window, {@code PAUSED} holds the step (the guard still watches), {@code ROLLING_BACK} waits for every
 * live node to run the previous version again; {@code COMPLETED} and {@code ROLLED_BACK} are final.
 */
public enum ReleaseState {
    ROLLING, WATCHING, PAUSED, ROLLING_BACK, COMPLETED, ROLLED_BACK;

    private static final Map<ReleaseState, Set<ReleaseState>> NEXT = Map.of(
            ROLLING, EnumSet.of(ROLLING, WATCHING, PAUSED, ROLLING_BACK),
            WATCHING, EnumSet.of(ROLLING, PAUSED, ROLLING_BACK, COMPLETED),
            PAUSED, EnumSet.of(ROLLING, ROLLING_BACK),
            ROLLING_BACK, EnumSet.of(ROLLED_BACK),
            COMPLETED, EnumSet.noneOf(ReleaseState.class),
            ROLLED_BACK, EnumSet.noneOf(ReleaseState.class));

    public boolean canMoveTo(ReleaseState next) {
        return NEXT.get(this).contains(next);
    }

    /** While active, the release owns its feature: nobody starts another one for it. */
    public boolean active() {
        return this != COMPLETED && this != ROLLED_BACK;
    }

    /** The new version runs on the release's target nodes in these states. */
    public boolean newVersionOnTargets() {
        return this == ROLLING || this == WATCHING || this == PAUSED;
    }

    public String wire() {
        return name().toLowerCase();
    }

    public static ReleaseState of(String wire) {
        return valueOf(wire.toUpperCase());
    }
}
