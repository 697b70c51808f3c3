package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.Keyspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which shard answers for a tenant while a move or split keeps copies of its rows on two shards (the target's copy
 * before cut-over, the source's during the grace period): the shard the tenant routes to in the topology, and no
 * other. A pin wins; a shard with a range owns its range's tenants except those pinned elsewhere; a dedicated shard
 * owns only the tenants pinned to it. The same rule as a SQL condition lets each shard of a scatter query keep only
 * the rows it owns, so every row is counted once.
 */
public final class Ownership {
    private Ownership() {
    }

    /** The shard that owns the tenant's rows, if any shard serves it. */
    public static Optional<String> owner(Topology t, TenantId tenant) {
        return t.route(tenant).map(Topology.ShardDef::name);
    }

    /**
     * The SQL condition "the row's tenant is owned by {@code shard}" on {@code qualifier.tenantColumn}. Values are
     * inlined: tenant ids and hex bounds are validated and cannot carry quotes.
     */
    public static String condition(Topology t, String shard, String qualifier, String tenantColumn) {
        String col = "`" + qualifier.replace("`", "") + "`.`" + tenantColumn + "`";
        List<String> pinnedHere = new ArrayList<>();
        List<String> pinnedAway = new ArrayList<>();
        t.pins().entrySet().stream().filter(p -> t.shards().containsKey(p.getValue())).sorted(Map.Entry.comparingByKey())
                .forEach(p -> (p.getValue().equals(shard) ? pinnedHere : pinnedAway).add("'" + p.getKey() + "'"));
        Topology.ShardDef def = t.shards().get(shard);
        List<String> byRange = new ArrayList<>();
        if (def != null && def.range() != null) {
            String id = "LEFT(MD5(" + col + "), 16)";
            if (!def.range().unboundedStart()) {
                byRange.add(id + " >= '" + Keyspace.hex(def.range().start()) + "'");
            }
            if (!def.range().unboundedEnd()) {
                byRange.add(id + " < '" + Keyspace.hex(def.range().end()) + "'");
            }
            if (!pinnedAway.isEmpty()) {
                byRange.add(col + " NOT IN (" + String.join(", ", pinnedAway) + ")");
            }
            if (byRange.isEmpty()) {
                byRange.add("1 = 1");
            }
        }
        List<String> parts = new ArrayList<>();
        if (!byRange.isEmpty()) {
            parts.add("(" + String.join(" AND ", byRange) + ")");
        }
        if (!pinnedHere.isEmpty()) {
            parts.add(col + " IN (" + String.join(", ", pinnedHere) + ")");
        }
        return parts.isEmpty() ? "1 = 0" : String.join(" OR ", parts);
    }
}
