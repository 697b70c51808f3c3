package io.headroom.heartbeat.api;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Watches bundle updates of Headroom capabilities and rolls one back to the previous version when a page-level burn
 * fires for a job it declares during the watch window. Every decision is recorded with its reason.
 *
 * <p>The rollback rule: only firing pages for a job the change declares, fired since it went live, count; a
 * platform-wide page rolls back, and so do pages from at least {@code guardTenantQuorum} distinct tenants (default 3)
 * or a page for a tenant operators marked critical ({@code criticalTenants}); both settings are fleet-wide
 * ({@link #policy()}). One tenant's failures alone never roll
 * a change back. Releases across the fleet use the same rule.
 */
@ProviderType
public interface DeployGuard {
    /** Guarded deploys, newest first. */
    List<Deploy> deploys(int limit);

    /** Ends the watch of a deploy and keeps its version; false if it is not being watched. */
    boolean accept(long id);

    /** The rule above on the fleet's alerts: why a change of {@code jobs} live since then must go, or empty. */
    Optional<String> rollbackCause(Collection<String> jobs, Instant liveSince);

    /** The rule's settings as every node applies them (the control schema's, seeded from the first node's config). */
    GuardPolicy policy();

    /**
     * Sets the rule's settings for the whole fleet (in force on every node within a few seconds); refused with
     * {@link IllegalArgumentException} (nothing changed) for a quorum below 1 or a name that is not a tenant id.
     */
    GuardPolicy setPolicy(int tenantQuorum, List<String> criticalTenants, String actor);
}
