package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The fleet's view of the queue: every node reports its load per scheduler scope (the handler types' scheduler, or one
 * remote type's) and tenant, and each node adds the other nodes' last reports to its own live numbers. The noisy-tenant
 * decision is then made on the sums, so a tenant whose burst is spread over several nodes is one tenant.
 *
 * <p>A tenant is noisy in a scope when, fleet-wide, its backlog is at least {@code noisyBacklog} and more than
 * {@code share} of all waiting work there, or its recent submissions (decayed counts, as {@link SubmitRate} keeps
 * them) are at least {@code noisyBacklog} and more than {@code share} of everyone's. A noisy tenant stays noisy while
 * its fleet backlog or its recent submissions are still at least {@code returnBelow}, so it does not flap.
 */
public final class FleetLoad {
    /** One tenant's load in one scope: decayed recent submissions, jobs waiting, jobs in flight. */
    public record Load(double submitted, int backlog, int inFlight) {
        public static final Load ZERO = new Load(0, 0, 0);

        public Load plus(Load o) {
            return new Load(submitted + o.submitted, backlog + o.backlog, inFlight + o.inFlight);
        }

        public boolean isZero() {
            return submitted < 0.01 && backlog == 0 && inFlight == 0;
        }
    }

    /** Where a load is counted: a scheduler scope ({@code ""} for the handler types, else a remote type) and a tenant. */
    public record Key(String scope, TenantId tenant) {
    }

    /** The decision settings. */
    public record Settings(int noisyBacklog, double share, int returnBelow) {
    }

    private FleetLoad() {
    }

    /** Adds two views key by key. */
    public static Map<Key, Load> sum(Map<Key, Load> a, Map<Key, Load> b) {
        Map<Key, Load> out = new HashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, Load::plus));
        return out;
    }

    /** The tenants noisy in each scope, given the fleet's loads and who was noisy at the last decision. */
    public static Map<String, Set<TenantId>> noisy(Map<Key, Load> fleet, Map<String, Set<TenantId>> wasNoisy, Settings settings) {
        Map<String, double[]> totals = new HashMap<>();
        fleet.forEach((k, v) -> {
            double[] t = totals.computeIfAbsent(k.scope(), s -> new double[2]);
            t[0] += v.backlog();
            t[1] += v.submitted();
        });
        Map<String, Set<TenantId>> out = new HashMap<>();
        fleet.forEach((k, v) -> {
            double[] t = totals.get(k.scope());
            boolean backlogHog = v.backlog() >= settings.noisyBacklog() && v.backlog() > settings.share() * t[0];
            boolean burst = v.submitted() >= settings.noisyBacklog() && v.submitted() > settings.share() * t[1];
            boolean stays = wasNoisy.getOrDefault(k.scope(), Set.of()).contains(k.tenant())
                    && (v.backlog() >= settings.returnBelow() || v.submitted() >= settings.returnBelow());
            if (backlogHog || burst || stays) {
                out.computeIfAbsent(k.scope(), s -> new HashSet<>()).add(k.tenant());
            }
        });
        return out;
    }

    /**
     * The part of a verdict that only the fleet can give: the noisy tenants that other nodes report load for. A tenant
     * whose load is all on this node is judged by this node's own rules, at once, as on a node alone (the fleet's
     * verdict lags by a flush interval).
     */
    public static Map<String, Set<TenantId>> sharedNoisy(Map<String, Set<TenantId>> noisy, Map<Key, Load> others) {
        Map<String, Set<TenantId>> out = new HashMap<>();
        noisy.forEach((scope, tenants) -> {
            for (TenantId t : tenants) {
                if (others.containsKey(new Key(scope, t))) {
                    out.computeIfAbsent(scope, s -> new HashSet<>()).add(t);
                }
            }
        });
        return out;
    }

    /** Jobs in flight elsewhere per scope and tenant (for fleet-wide caps), from the other nodes' loads. */
    public static Map<String, Map<TenantId, Integer>> inFlight(Map<Key, Load> others) {
        Map<String, Map<TenantId, Integer>> out = new HashMap<>();
        others.forEach((k, v) -> {
            if (v.inFlight() > 0) {
                out.computeIfAbsent(k.scope(), s -> new HashMap<>()).merge(k.tenant(), v.inFlight(), Integer::sum);
            }
        });
        return out;
    }
}
