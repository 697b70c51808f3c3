package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.MoveStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a tenant move or shard split carries, from where to where: decided from the topology before anything is
 * recorded, and read back from the control schema by the node that runs it. A move carries one tenant to one shard;
 * a split carries every unpinned tenant of the source's range to two new dedicated shards, one half each.
 *
 * @param prevPin     the moving tenant's pin before the move (a reversal restores it), or null
 * @param sourceRange the split shard's range before the split (a reversal restores it), or null
 */
public record MovePlan(Kind kind, String subject, String source, Map<String, TenantFilter> targets, String prevPin, String sourceRange) {
    public enum Kind {
        MOVE, SPLIT;

        public String stored() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String stored) {
            return valueOf(stored.toUpperCase(Locale.ROOT));
        }
    }

    public MovePlan {
        targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
    }

    /** Moving one tenant to {@code target}; IllegalArgumentException says what is wrong. */
    public static MovePlan move(Topology t, TenantId tenant, String target) {
        Topology.ShardDef source = t.route(tenant).orElseThrow(() -> new IllegalArgumentException("no shard serves tenant " + tenant));
        if (!t.shards().containsKey(target)) {
            throw new IllegalArgumentException("no shard " + target);
        }
        if (source.name().equals(target)) {
            throw new IllegalArgumentException("tenant " + tenant + " is already on " + target);
        }
        return new MovePlan(Kind.MOVE, tenant.value(), source.name(), Map.of(target, TenantFilter.tenant(tenant.value())),
                t.pins().get(tenant.value()), null);
    }

    /** Splitting {@code shard}'s range in halves onto two dedicated shards; IllegalArgumentException says what is wrong. */
    public static MovePlan split(Topology t, String shard, String low, String high) {
        Topology.ShardDef source = t.shards().get(shard);
        if (source == null) {
            throw new IllegalArgumentException("no shard " + shard);
        }
        if (source.range() == null) {
            throw new IllegalArgumentException("shard " + shard + " is dedicated (no key range): nothing to split");
        }
        for (String s : List.of(low, high)) {
            Topology.ShardDef d = t.shards().get(s);
            if (d == null) {
                throw new IllegalArgumentException("no shard " + s + ": add it first as a dedicated shard (no range)");
            }
            if (d.range() != null) {
                throw new IllegalArgumentException("shard " + s + " already serves " + d.range() + ": a split target must have no range");
            }
        }
        if (low.equals(high) || low.equals(shard) || high.equals(shard)) {
            throw new IllegalArgumentException("a split needs two new shards, distinct from " + shard);
        }
        KeyRange[] halves = source.range().halves();
        Map<String, TenantFilter> targets = new LinkedHashMap<>();
        targets.put(low, TenantFilter.range(halves[0]));
        targets.put(high, TenantFilter.range(halves[1]));
        return new MovePlan(Kind.SPLIT, shard, shard, targets, null, source.range().toString());
    }

    /**
     * Throws IllegalStateException when a move that is still active works on the same tenant, or a split on any of the
     * shards involved (a split's shards take part in nothing else meanwhile).
     */
    public void requireIdle(List<MoveStatus> moves) {
        List<String> shards = new java.util.ArrayList<>(targets.keySet());
        shards.add(0, source);
        for (MoveStatus m : moves) {
            if (!MoveState.ACTIVE.contains(MoveState.valueOf(m.state()))) {
                continue;
            }
            boolean touches = shards.contains(m.source()) || m.targets().stream().anyMatch(shards::contains);
            boolean busy = kind == Kind.MOVE
                    ? m.kind().equals(Kind.SPLIT.stored()) && touches || m.kind().equals(Kind.MOVE.stored()) && m.subject().equals(subject)
                    : touches;
            if (busy) {
                throw new IllegalStateException("move " + m.id() + " (" + m.kind() + " " + m.subject() + ", " + m.state()
                        + ") is still running there; wait for it or cancel it");
            }
        }
    }

    /** The tenants whose routing changes: the one tenant, or the source's whole range (pinned tenants excepted). */
    public TenantFilter fence() {
        return kind == Kind.MOVE ? TenantFilter.tenant(subject) : TenantFilter.range(KeyRange.parse(sourceRange));
    }

    /** The targets as recorded: {@code shard=filter,shard=filter}. */
    public String targetsSpec() {
        StringBuilder spec = new StringBuilder();
        targets.forEach((s, f) -> spec.append(spec.length() == 0 ? "" : ",").append(s).append('=').append(f));
        return spec.toString();
    }

    public static Map<String, TenantFilter> parseTargets(String spec) {
        Map<String, TenantFilter> out = new LinkedHashMap<>();
        for (String t : spec.split(",")) {
            int eq = t.indexOf('=');
            out.put(t.substring(0, eq), TenantFilter.parse(t.substring(eq + 1)));
        }
        return out;
    }
}
