package io.headroom.core.api.flags;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Feature flags persisted in the control schema and cached on every node; a change made on one node is
 * seen by the others within the refresh interval. Evaluation never touches the database.
 *
 * <p>A tenant is on when it is on the allow list, off when it is on the deny list, and otherwise on when its
 * rollout bucket is below the percentage. The bucket is the first four bytes of SHA-256 of
 * {@code flag + ":" + tenant}, big-endian, modulo 10000: the same on every node and in every release, and raising
 * the percentage only ever adds tenants.
 *
 * <p>A flag name is a {@link io.headroom.core.api.JobName}; any other name is refused with an
 * {@link InvalidFlagException}.
 */
@ProviderType
public interface FeatureFlags {

    /** Whether the flag is on for the tenant; an unknown flag is off. */
    boolean isEnabled(String flag, TenantId tenant);

    Optional<FlagDefinition> get(String flag);

    List<FlagDefinition> list();

    /** Applies the change atomically, creating the flag (0%, empty lists) if it does not exist. */
    FlagDefinition apply(String flag, FlagChange change);

    /** Deletes the flag; returns false if it did not exist. */
    boolean delete(String flag);

    default FlagDefinition setPercentage(String flag, double percentage) {
        return apply(flag, FlagChange.percentage(percentage));
    }

    /** Puts tenants on the allow list, taking them off the deny list. */
    default FlagDefinition allow(String flag, Set<TenantId> tenants) {
        return apply(flag, FlagChange.allow(tenants));
    }

    /** Puts tenants on the deny list, taking them off the allow list. */
    default FlagDefinition deny(String flag, Set<TenantId> tenants) {
        return apply(flag, FlagChange.deny(tenants));
    }

    /** Takes tenants off both lists, so the percentage decides for them again. */
    default FlagDefinition clear(String flag, Set<TenantId> tenants) {
        return apply(flag, FlagChange.clear(tenants));
    }
}
