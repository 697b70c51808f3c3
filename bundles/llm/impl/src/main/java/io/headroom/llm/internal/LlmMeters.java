package io.headroom.llm.internal;

import io.headroom.core.api.metrics.Metrics;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.RouteStatus;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The gateway's meters per deployment and route, read from the router's state when scraped: health and cooldowns,
 * requests and failures, smoothed latency, requests in flight, and each route's use of its capacity.
 */
@Component(immediate = true)
public final class LlmMeters {

    @Activate
    public LlmMeters(@Reference Metrics metrics, @Reference LlmAdmin llm) {
        List<String> deployment = List.of("deployment", "provider", "model");
        metrics.gauge("headroom_llm_deployment_state", "1 for the deployment's current state (healthy, cooldown, disabled)",
                List.of("deployment", "state"), s -> llm.deployments().forEach(d -> s.sample(1, d.name(), d.status())));
        metrics.gauge("headroom_llm_deployment_latency_seconds", "Smoothed latency of the deployment's recent answers",
                deployment, s -> llm.deployments().forEach(d -> s.sample(d.latencyMillis() / 1000.0, labels(d))));
        metrics.gauge("headroom_llm_deployment_in_flight", "Requests open at the deployment", deployment,
                s -> llm.deployments().forEach(d -> s.sample(d.inFlight(), labels(d))));
        metrics.counter("headroom_llm_deployment_requests", "Requests sent to the deployment since start", deployment,
                s -> llm.deployments().forEach(d -> s.sample(d.requests(), labels(d))));
        metrics.counter("headroom_llm_deployment_failures", "Requests the deployment failed since start (each one a failover"
                + " when the route had another deployment)", deployment, s -> llm.deployments().forEach(d -> s.sample(d.failures(), labels(d))));
        metrics.gauge("headroom_llm_route_requests_per_minute", "Requests the route served in the last minute", List.of("route"),
                s -> llm.routeStatuses().forEach(r -> s.sample(r.requestsLastMinute(), r.name())));
        metrics.gauge("headroom_llm_route_capacity_per_minute", "Requests per minute the route's available deployments allow",
                List.of("route"), s -> llm.routeStatuses().forEach(r -> s.sample(r.capacityPerMinute(), r.name())));
        metrics.gauge("headroom_llm_route_low", "1 while the route runs low on capacity", List.of("route"),
                s -> llm.routeStatuses().forEach((RouteStatus r) -> s.sample(r.low() ? 1 : 0, r.name())));
    }

    private static String[] labels(DeploymentStatus d) {
        return new String[] {d.name(), d.provider(), d.model()};
    }
}
