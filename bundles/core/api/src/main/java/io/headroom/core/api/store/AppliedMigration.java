package io.headroom.core.api.store;

/** A migration recorded as applied in the control schema. */
public record AppliedMigration(String component, int version, String description, String appliedAt) {
}
