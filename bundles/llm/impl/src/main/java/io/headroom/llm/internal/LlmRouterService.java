package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.ForwardingListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.core.SlidingLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * configurations ({@code io.headroom.llm.deployment}, {@code io.headroom.llm.route}); every call reports an outcome
 * ({@code llm.answer}) for its tenant to the heartbeat.
 */
@Component(service = {LlmRouter.class, LlmRouterService.class}, configurationPid = LlmRouterService.PID)
@Designate(ocd = LlmRouterService.Config.class)
public final class LlmRouterService implements LlmRouter {
    public static final String PID = "io.headroom.llm";

    @ObjectClassDefinition(name = "Headroom LLM router")
    public @interface Config {
        @AttributeDefinition(description = "Share of every deployment's per-minute limits that background calls may not use")
        double interactiveReserve() default 0.2;

        @AttributeDefinition(description = "Cooldown after a retryable failure without Retry-After, ms")
        long defaultCooldownMillis() default 5000;

        @AttributeDefinition(description = "Requests per minute one tenant may make across all routes (0: no quota)")
        int tenantRequestsPerMinute() default 0;
    }

    private final Router router;
    private final Signals signals;
    private final Map<String, ProviderAdapter> adapters = new ConcurrentHashMap<>();
    private final Map<TenantId, SlidingLimit> quotas = new ConcurrentHashMap<>();
    private final int tenantRequestsPerMinute;

    @Activate
    public LlmRouterService(@Reference Signals signals, Config config) {
        this.signals = signals;
        this.tenantRequestsPerMinute = config.tenantRequestsPerMinute();
        this.router = new Router(new Router.Settings(config.interactiveReserve(), config.defaultCooldownMillis()),
                System::currentTimeMillis, adapters::get);
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

    public Router router() {
        return router;
    }

    /** A tenant over its quota is refused (429, not retried elsewhere): one tenant cannot take everyone's capacity. */
    private void checkQuota(TenantId tenant) {
        if (tenantRequestsPerMinute <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        SlidingLimit quota = quotas.computeIfAbsent(tenant, t -> new SlidingLimit(tenantRequestsPerMinute));
        if (!quota.tryTake(now, 1, 1.0)) {
            throw new ProviderException("tenant " + tenant + " is over its quota of " + tenantRequestsPerMinute + " requests a minute",
                    429, false, quota.millisUntilRoom(now), null);
        }
    }

    /** A routed call that reports its outcome for the tenant. */
    @FunctionalInterface
    private interface RoutedCall<T> {
        T run(long start) throws InterruptedException;
    }

    private <T> T reported(TenantId tenant, RoutedCall<T> call) {
        checkQuota(tenant);
        long start = System.currentTimeMillis();
        try {
            return call.run(start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            report(tenant, false, start);
            throw new ProviderException("interrupted", 503, true, 0, e);
        } catch (ProviderException e) {
            report(tenant, false, start);
            throw e;
        }
    }

    @Override
    public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
        return reported(tenant, start -> {
            ChatResponse r = router.complete(route, priority, request, start + timeout.toMillis());
            report(tenant, true, start);
            return r;
        });
    }

    @Override
    public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener listener) {
        reported(tenant, start -> {
            router.stream(route, priority, request, start + timeout.toMillis(), new ForwardingListener(listener) {
                @Override
                public void completed(ChatResponse response) {
                    report(tenant, true, start);
                    listener.completed(response);
                }

                @Override
                public void failed(ProviderException error) {
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
}
