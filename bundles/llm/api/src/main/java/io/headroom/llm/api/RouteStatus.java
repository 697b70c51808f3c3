package io.headroom.llm.api;

import java.util.List;

/**
 * A route's load and capacity over the last minute: requests it served, the per-minute capacity of its healthy
 * deployments (unlimited ones count as very large), and {@code low} when that capacity is under twice the load.
 */
public record RouteStatus(String name, String strategy, List<String> deployments, long requestsLastMinute,
                          long capacityPerMinute, boolean low) {
    public RouteStatus {
        deployments = List.copyOf(deployments);
    }
}
