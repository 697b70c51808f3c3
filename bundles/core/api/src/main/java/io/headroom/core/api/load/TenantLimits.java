package io.headroom.core.api.load;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Per-tenant limits across layers, in the control schema: set on any node, in force on every node within about a
 * second, gone by themselves at their expiry. Capabilities read {@link #limit} on their hot path (a memory lookup) and
 * apply their own figure; they never depend on one another for it.
 */
@ProviderType
public interface TenantLimits {
    /** The tenant's limits in force now (not expired). */
    Optional<TenantLimit> limit(TenantId tenant);

    /** Every limit in force, by tenant. */
    List<TenantLimit> list();

    /** Replaces the tenant's limits; returns what is in force. */
    TenantLimit set(TenantLimit limit);

    /** Removes the tenant's limits; false when it had none. */
    boolean clear(TenantId tenant);
}
