package io.headroom.llm.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's side of the router: what each route and deployment is doing, and the levers on them. Deployments and
 * routes normally come from configuration ({@code io.headroom.llm.deployment} and {@code io.headroom.llm.route}
 * factory configurations, which call {@link #putDeployment} and {@link #putRoute}); what is put here lives on this
 * node until it is removed or the router restarts.
 */
@ProviderType
public interface LlmAdmin {
    /** Every route with its load and capacity over the last minute, by name. */
    List<RouteStatus> routeStatuses();

    /** @throws IllegalArgumentException when there is no such route */
    RouteStatus routeStatus(String route);

    /** Every deployment's health, cooldown, recent latency and load, by name. */
    List<DeploymentStatus> deployments();

    /** Ends a deployment's cooldown now; false when there is no such deployment. */
    boolean clearCooldown(String deployment);

    /** Drains ({@code true}) or restores a deployment; false when there is no such deployment. */
    boolean setDisabled(String deployment, boolean disabled);

    /** Adds or replaces a deployment (its state, such as a cooldown, starts afresh). */
    void putDeployment(Deployment deployment);

    void removeDeployment(String name);

    /** Adds or replaces a route. */
    void putRoute(Route route);

    void removeRoute(String name);
}
