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

        @AttributeDefinition(description = "Tokens (prompt + completion) per minute one tenant may use across all routes (0: no quota)")
        int tenantTokensPerMinute() default 0;
    }

    private final Router router;
    private final Signals signals;
    private final Map<String, ProviderAdapter> adapters = new ConcurrentHashMap<>();
    private final Map<TenantId, SlidingLimit> requestQuotas = new ConcurrentHashMap<>();
    private final Map<TenantId, SlidingLimit> tokenQuotas = new ConcurrentHashMap<>();
    private final int tenantRequestsPerMinute;
    private final int tenantTokensPerMinute;

    @Activate
    public LlmRouterService(@Reference Signals signals, Config config) {
        this.signals = signals;
        this.tenantRequestsPerMinute = config.tenantRequestsPerMinute();
        this.tenantTokensPerMinute = config.tenantTokensPerMinute();
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

    /**
     * A tenant over its quota is refused (429, not retried elsewhere): one tenant cannot take everyone's capacity.
     * Tokens are reserved at the request's upper-bound estimate, so concurrent calls cannot overshoot the quota, and
     * settled to the real usage when the answer is complete. Returns the tokens reserved.
     */
    private long takeQuota(TenantId tenant, ChatRequest request) {
        long now = System.currentTimeMillis();
        SlidingLimit requests = requestQuotas.computeIfAbsent(tenant, t -> new SlidingLimit(tenantRequestsPerMinute));
        if (!requests.tryTake(now, 1, 1.0)) {
            throw new ProviderException("tenant " + tenant + " is over its quota of " + tenantRequestsPerMinute + " requests a minute",
                    429, false, requests.millisUntilRoom(now), null);
        }
        if (tenantTokensPerMinute <= 0) {
            return 0;
        }
        long tokens = request.estimatedTokens();
        SlidingLimit quota = tokenQuotas.computeIfAbsent(tenant, t -> new SlidingLimit(tenantTokensPerMinute));
        if (!quota.tryTake(now, tokens, 1.0)) {
            requests.adjust(now, -1);
            if (tokens > tenantTokensPerMinute) {
                throw new ProviderException("this request may use " + tokens + " tokens, more than tenant " + tenant
                        + "'s quota of " + tenantTokensPerMinute + " a minute: lower max_tokens", 400, false, 0, null);
            }
            throw new ProviderException("tenant " + tenant + " is over its quota of " + tenantTokensPerMinute + " tokens a minute",
                    429, false, quota.millisUntilRoom(now), null);
        }
        return tokens;
    }

    /** Replaces a reservation by what was really used (0 for a call that failed before any answer). */
    private void settleTokens(TenantId tenant, long reserved, long used) {
        if (reserved > 0) {
            tokenQuotas.get(tenant).adjust(System.currentTimeMillis(), used - reserved);
        }
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
        long reserved = takeQuota(tenant, request);
        long start = System.currentTimeMillis();
        try {
            return call.run(start, reserved);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            settleTokens(tenant, reserved, 0);
            report(tenant, false, start);
            throw new ProviderException("interrupted", 503, true, 0, e);
        } catch (ProviderException e) {
            settleTokens(tenant, reserved, 0);
            report(tenant, false, start);
            throw e;
        }
    }

    @Override
    public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
        return reported(tenant, request, (start, reserved) -> {
            ChatResponse r = router.complete(route, priority, request, start + timeout.toMillis());
            settleTokens(tenant, reserved, used(r));
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
                    settleTokens(tenant, reserved, used(response));
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
}
