package io.headroom.llm.api;

import java.util.List;
import java.util.Map;

/**
 * A logical model name and the deployments that can answer for it, across vendors and models, with the strategy that
 * orders them: {@code ordered} (failover in list order), {@code weighted} (random by weight), {@code latency} (fastest
 * recent first), {@code least-busy} (fewest in flight first). The next candidates are the failover.
 */
public record Route(String name, String strategy, List<String> deployments, Map<String, Integer> weights) {
    public Route {
        if (!List.of("ordered", "weighted", "latency", "least-busy").contains(strategy)) {
            throw new IllegalArgumentException("strategy must be ordered, weighted, latency or least-busy, not '" + strategy + "'");
        }
        deployments = List.copyOf(deployments);
        weights = weights == null ? Map.of() : Map.copyOf(weights);
    }
}
