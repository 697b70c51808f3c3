package io.headroom.core.api.flags;

import io.headroom.core.api.TenantId;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** A flag as stored: rollout percentage, allow and deny lists, and a version bumped on every change. */
public record FlagDefinition(String name, String description, double percentage, SortedSet<TenantId> allowed,
                             SortedSet<TenantId> denied, long version) {
    public FlagDefinition {
        allowed = Collections.unmodifiableSortedSet(new TreeSet<>(allowed));
        denied = Collections.unmodifiableSortedSet(new TreeSet<>(denied));
    }
}
