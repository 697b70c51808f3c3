package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.RouteStatus;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.ForwardingListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.core.TenantQuotas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The router as a service: provider adapters come and go as OSGi services, deployments and routes as factory
 * configurations ({@code io.headroom.llm.deployment}, {@code io.headroom.llm.route}); tenant quotas are checked
 * before routing; every call reports an outcome ({@code llm.answer}) for its tenant to the heartbeat. It is also the
 * operator's {@link LlmAdmin}: both views share the one routing core (its cooldowns, limits and latencies), and every
 * admin method is a single call into it.
 */
@Component(service = {LlmRouter.class, LlmAdmin.class}, configurationPid = LlmRouterService.PID)
@Designate(ocd = LlmRouterService.Config.class)
public final class LlmRouterService implements LlmRouter, LlmAdmin {
    public static final String PID = "io.headroom.llm";

    @ObjectClassDefinition(name = "Headroom LLM router")
    public @interface Config {
        @AttributeDefinition(description = "Share of every deployment's per-minute limits that background calls may not use")
        double interactiveReserve() default 0.2;

        @AttributeDefinition(description = "Cooldown after a retryable failure without Retry-After, ms")
        long defaultCooldownMillis() default 5000;

        @AttributeDefinition(description = "Requests per minute one tenant may make across all routes (0: no quota)")
        int tenantRequestsPerMinute() default 0;

        @AttributeDefinition(description = "Tokens (prompt + completion) per minute one tenant may use across all routes (0: no quota)")
        int tenantTokensPerMinute() default 0;
    }

    private final Router router;
    private final TenantQuotas quotas;
    private final Signals signals;
    private final Map<String, ProviderAdapter> adapters = new ConcurrentHashMap<>();

    @Activate
    public LlmRouterService(@Reference Signals signals, Config config) {
        this.signals = signals;
        LongSupplier clock = System::currentTimeMillis;
        this.quotas = new TenantQuotas(config.tenantRequestsPerMinute(), config.tenantTokensPerMinute(), clock);
        this.router = new Router(new Router.Settings(config.interactiveReserve(), config.defaultCooldownMillis()), clock, adapters::get);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindAdapter(ProviderAdapter adapter, Map<String, Object> props) {
        if (props.get(ProviderAdapter.PROVIDER) instanceof String name) {
            adapters.put(name, adapter);
        }
    }

    void unbindAdapter(ProviderAdapter adapter, Map<String, Object> props) {
        if (props.get(ProviderAdapter.PROVIDER) instanceof String name) {
            adapters.remove(name, adapter);
        }
    }

    /** The routing core, for tests that set it up directly. */
    Router router() {
        return router;
    }

    private static long used(ChatResponse r) {
        return (long) r.promptTokens() + r.completionTokens();
    }

    /** A routed call that reports its outcome for the tenant. */
    @FunctionalInterface
    private interface RoutedCall<T> {
        T run(long start, long reservedTokens) throws InterruptedException;
    }

    private <T> T reported(TenantId tenant, ChatRequest request, RoutedCall<T> call) {
        long reserved = quotas.admit(tenant, request.estimatedTokens());
        long start = System.currentTimeMillis();
        try {
            return call.run(start, reserved);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quotas.settle(tenant, reserved, 0);
            report(tenant, false, start);
            throw new ProviderException("interrupted", 503, true, 0, e);
        } catch (ProviderException e) {
            quotas.settle(tenant, reserved, 0);
            report(tenant, false, start);
            throw e;
        }
    }

    @Override
    public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
        return reported(tenant, request, (start, reserved) -> {
            ChatResponse r = router.complete(route, priority, request, start + timeout.toMillis());
            quotas.settle(tenant, reserved, used(r));
            report(tenant, true, start);
            return r;
        });
    }

    @Override
    public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener listener) {
        reported(tenant, request, (start, reserved) -> {
            router.stream(route, priority, request, start + timeout.toMillis(), new ForwardingListener(listener) {
                @Override
                public void completed(ChatResponse response) {
                    quotas.settle(tenant, reserved, used(response));
                    report(tenant, true, start);
                    listener.completed(response);
                }

                @Override
                public void failed(ProviderException error) {
                    // cut mid-answer: the provider billed an unknown part of it, so the reservation stands
                    report(tenant, false, start);
                    listener.failed(error);
                }
            });
            return null;
        });
    }

    private void report(TenantId tenant, boolean success, long start) {
        signals.outcome(new OutcomeEvent(tenant, "llm.answer", success, System.currentTimeMillis() - start, Instant.now()));
    }

    @Override
    public List<Route> routes() {
        return router.routes();
    }

    @Override
    public List<RouteStatus> routeStatuses() {
        return router.headroom();
    }

    @Override
    public RouteStatus routeStatus(String route) {
        return router.headroom(route);
    }

    @Override
    public List<DeploymentStatus> deployments() {
        return router.deployments();
    }

    @Override
    public boolean clearCooldown(String deployment) {
        return router.clearCooldown(deployment);
    }

    @Override
    public boolean setDisabled(String deployment, boolean disabled) {
        return router.setDisabled(deployment, disabled);
    }

    @Override
    public void putDeployment(Deployment deployment) {
        router.putDeployment(deployment);
    }

    @Override
    public void removeDeployment(String name) {
        router.removeDeployment(name);
    }

    @Override
    public void putRoute(Route route) {
        router.putRoute(route);
    }

    @Override
    public void removeRoute(String name) {
        router.removeRoute(name);
    }
}
