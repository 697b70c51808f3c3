package io.headroom.llm.api;

import java.util.List;
import java.util.Map;

/**
 * A logical model name and the deployments that can answer for it, across vendors and models, with the strategy that
 * orders them: {@code ordered} (failover in list order), {@code weighted} (random by weight), {@code latency} (fastest
 * recent first), {@code least-busy} (fewest in flight first). The next candidates are the failover.
 * {@code dropUnsupported} names the request parameters (OpenAI names, e.g. seed, logprobs) that a deployment of this
 * route that cannot honour them may leave out instead of being passed over; every other one is never dropped.
 * {@code tenants} lists the tenants whose tokens may use the route (empty: every tenant); platform callers may use
 * every route. To any other tenant the route does not exist: it is not listed and calls to it are refused as an
 * unknown model.
 */
public record Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights,
                    List<String> dropUnsupported, List<String> tenants) {
    public Route {
        if (!List.of("ordered", "weighted", "latency", "least-busy").contains(strategy)) {
            throw new IllegalArgumentException("strategy must be ordered, weighted, latency or least-busy, not '" + strategy + "'");
        }
        deployments = List.copyOf(deployments);
        weights = weights == null ? Map.of() : Map.copyOf(weights);
        dropUnsupported = dropUnsupported == null ? List.of()
                : dropUnsupported.stream().map(String::trim).filter(x -> !x.isEmpty()).distinct().sorted().toList();
        for (String p : dropUnsupported) {
            if (!p.matches("[a-z_]{1,64}")) {
                throw new IllegalArgumentException("dropUnsupported names request parameters (e.g. seed), not '" + p + "'");
            }
        }
        tenants = tenants == null ? List.of()
                : tenants.stream().map(String::trim).filter(x -> !x.isEmpty()).distinct().sorted().toList();
        for (String t : tenants) {
            if (!t.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
                throw new IllegalArgumentException("tenants names tenant ids (lower-case letters, digits, '-' and '_'), not '" + t + "'");
            }
        }
    }

    /** A route every tenant may use. */
    public Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights,
                 List<String> dropUnsupported) {
        this(name, strategy, deployments, weights, dropUnsupported, List.of());
    }

    /** Whether a caller of this tenant (null: platform scope) may use the route. */
    public boolean allows(String tenant) {
        return tenant == null || tenants.isEmpty() || tenants.contains(tenant);
    }

    /** A route that drops no parameter. */
    public Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights) {
        this(name, strategy, deployments, weights, List.of());
    }
}
