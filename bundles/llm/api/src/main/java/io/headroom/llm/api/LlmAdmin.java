package io.headroom.llm.api;

import io.headroom.core.api.TenantId;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's side of the router: what each route and deployment is doing, and the levers on them. Routes,
 * deployments, tenant quotas, drains and cooldowns are platform state in the control schema: a change made on one
 * node is served by every node within about a second. {@code io.headroom.llm.deployment} and
 * {@code io.headroom.llm.route} factory configurations seed them (a definition changed through this interface is not
 * overwritten by its configuration again).
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

    /**
     * Adds or replaces a deployment for the fleet. A {@code null} API key keeps the one stored (keys are write-only).
     *
     * @throws IllegalArgumentException when the definition is invalid
     */
    void putDeployment(Deployment deployment);

    void removeDeployment(String name);

    /** The deployments' definitions, by name (in-process callers only: they carry the secret). */
    List<Deployment> deploymentDefinitions();

    /**
     * Adds or replaces a route for the fleet.
     *
     * @throws IllegalArgumentException when the definition is invalid
     */
    void putRoute(Route route);

    void removeRoute(String name);

    /** The routes' definitions, by name. */
    List<Route> routes();

    /** Sets a tenant's quota and budget override. */
    void putQuota(TenantQuota quota);

    /** Removes a tenant's override (back to the defaults); false when there was none. */
    boolean removeQuota(TenantId tenant);

    /** The tenant overrides, by tenant. */
    List<TenantQuota> quotas();

    /** The quota in force for a tenant: its override, or the platform defaults. */
    TenantQuota effectiveQuota(TenantId tenant);

    /**
     * Usage per day, tenant, route and deployment from {@code from} to {@code to} (UTC days, inclusive), for one tenant
     * or (empty) every tenant and platform-scope calls. Usage is written to the control schema about once a second.
     */
    List<Usage> usage(Optional<TenantId> tenant, LocalDate from, LocalDate to);
}
