package io.headroom.llm.api;

import java.util.List;
import java.util.Map;

/**
 * A logical model name and the deployments that can answer for it, across vendors and models, with the strategy that
 * orders them: {@code ordered} (failover in list order), {@code weighted} (random by weight), {@code latency} (fastest
 * recent first), {@code least-busy} (fewest in flight first). The next candidates are the failover.
 * {@code dropUnsupported} names the request parameters (OpenAI names, e.g. seed, logprobs) that a deployment of this
 * route that cannot honour them may leave out instead of being passed over; every other one is never dropped.
 */
public record Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights,
                    List<String> dropUnsupported) {
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
    }

    /** A route that drops no parameter. */
    public Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights) {
        this(name, strategy, deployments, weights, List.of());
    }
}
