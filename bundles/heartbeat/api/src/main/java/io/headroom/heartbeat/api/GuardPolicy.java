package io.headroom.heartbeat.api;

import java.util.List;

/**
 * The fleet's rollback rule settings, kept in the control schema so every node applies the same: pages for at least
 * {@code tenantQuorum} distinct tenants roll a change back, and so does a page for one of {@code criticalTenants}
 * (a platform-wide page always does). {@code updatedBy}/{@code updatedAt} say who set them last.
 */
public record GuardPolicy(int tenantQuorum, List<String> criticalTenants, String updatedBy, String updatedAt) {
}
