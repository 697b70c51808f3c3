package io.headroom.search.api;

import java.time.Instant;
import java.util.List;

/**
 * A collection's migration from one layout to another: its state, the read flag, and each tenant's progress.
 * States: CREATED, DUAL_WRITE, BACKFILLING, BACKFILLED, FINISHED, OLD_DELETED, CANCELLED.
 */
public record MigrationStatus(long id, String collection, int sourceLayout, int targetLayout, String state,
        String readFlag, long outboxPending, List<TenantProgress> tenants, Instant updatedAt) {
    public MigrationStatus {
        tenants = List.copyOf(tenants);
    }
}
