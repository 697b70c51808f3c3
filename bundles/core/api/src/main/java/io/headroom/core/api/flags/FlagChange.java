package io.headroom.core.api.flags;

import io.headroom.core.api.TenantId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One atomic change to a flag: any of a new description, a new percentage, tenants to allow, to deny, or to clear
 * from both lists. Null and empty parts are left alone. A tenant may appear in one list only.
 */
public record FlagChange(String description, Double percentage, Set<TenantId> allow, Set<TenantId> deny, Set<TenantId> clear) {
    public FlagChange {
        allow = allow == null ? Set.of() : Set.copyOf(allow);
        deny = deny == null ? Set.of() : Set.copyOf(deny);
        clear = clear == null ? Set.of() : Set.copyOf(clear);
        Set<TenantId> seen = new HashSet<>();
        for (Set<TenantId> list : List.of(allow, deny, clear)) {
            for (TenantId t : list) {
                if (!seen.add(t)) {
                    throw new InvalidFlagException("tenant " + t + " is named in more than one of allow, deny and clear");
                }
            }
        }
        if (description != null && description.length() > 500) {
            throw new InvalidFlagException("description is longer than 500 characters");
        }
        if (percentage != null && (percentage.isNaN() || percentage < 0 || percentage > 100)) {
            throw new InvalidFlagException("percentage must be between 0 and 100, was " + percentage);
        }
    }

    public static FlagChange percentage(double percentage) {
        return new FlagChange(null, percentage, null, null, null);
    }

    public static FlagChange allow(Set<TenantId> tenants) {
        return new FlagChange(null, null, tenants, null, null);
    }

    public static FlagChange deny(Set<TenantId> tenants) {
        return new FlagChange(null, null, null, tenants, null);
    }

    public static FlagChange clear(Set<TenantId> tenants) {
        return new FlagChange(null, null, null, null, tenants);
    }
}
