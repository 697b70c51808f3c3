package io.headroom.llm.internal;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.RouteStatus;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The gateway's readiness from its own view of the providers: DOWN when a route has no healthy deployment left (its
 * requests fail), DEGRADED while some deployments cool down or are disabled (failover serves), UP otherwise.
 */
@Component(service = HealthCheck.class, property = HealthCheck.CAPABILITY + "=llm")
public final class LlmHealth implements HealthCheck {
    private final LlmAdmin llm;

    @Activate
    public LlmHealth(@Reference LlmAdmin llm) {
        this.llm = llm;
    }

    @Override
    public Health check() {
        Map<String, DeploymentStatus> deployments = llm.deployments().stream()
                .collect(Collectors.toMap(DeploymentStatus::name, Function.identity(), (a, b) -> a));
        List<String> dead = llm.routeStatuses().stream().filter(r -> r.deployments().stream()
                .noneMatch(d -> deployments.containsKey(d) && "healthy".equals(deployments.get(d).status()))).map(RouteStatus::name).toList();
        if (!dead.isEmpty()) {
            return Health.down("no healthy deployment on route(s) " + dead);
        }
        List<String> unwell = deployments.values().stream().filter(d -> !"healthy".equals(d.status()))
                .map(d -> d.name() + " " + d.status()).toList();
        return unwell.isEmpty() ? Health.up(deployments.size() + " deployments healthy")
                : Health.degraded("failing over around " + unwell);
    }
}
