package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.ForwardingListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.core.TenantQuotas;
import io.headroom.llm.internal.core.UsageMeter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What every routed call costs a tenant, whatever its API (chat, Responses, embeddings): the request offered to the
 * tenant load ledger, the tenant's quota admitted before and settled to the tokens used after, usage counted per day,
 * route and deployment at the deployment's prices, the per-request meters, and an {@code llm.answer} outcome for the
 * heartbeat. A call abandoned by its caller (a client that went away) releases its reservation and reports no outcome.
 */
final class CallAccounting {
    private final Router router;
    private final TenantQuotas quotas;
    private final UsageMeter meter;
    private final Signals signals;
    private final LongSupplier clock;
    private final Supplier<LocalDate> today;
    private final Supplier<GatewayRequestMeters> meters;

    CallAccounting(Router router, TenantQuotas quotas, UsageMeter meter, Signals signals, LongSupplier clock, Supplier<LocalDate> today,
                   Supplier<GatewayRequestMeters> meters) {
        this.router = router;
        this.quotas = quotas;
        this.meter = meter;
        this.signals = signals;
        this.clock = clock;
        this.today = today;
        this.meters = meters;
    }

    /**
     * Each request a tenant makes is load on the llm layer of the tenant load ledger, admitted or not. A route that is
     * not for this tenant does not exist for it: refused exactly as an unknown model, before any accounting.
     */
    void offered(TenantId tenant, String route) {
        if (tenant != null && router.routeNamed(route).filter(r -> !r.allows(tenant.value())).isPresent()) {
            throw new IllegalArgumentException("no route named '" + route + "'");
        }
        if (tenant != null) {
            signals.load(new LoadSample(tenant, "llm", route, 1, Instant.now()));
        }
    }

    /** A routed call, given when it started and the tokens reserved for it. */
    @FunctionalInterface
    interface RoutedCall<T> {
        T run(long start, long reservedTokens) throws InterruptedException;
    }

    /** Admits the call against the tenant's quota and runs it; a failure releases the reservation and is reported. */
    <T> T reported(TenantId tenant, int estimatedTokens, RoutedCall<T> call) {
        long reserved = quotas.admit(tenant, estimatedTokens);
        long start = clock.getAsLong();
        try {
            return call.run(start, reserved);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quotas.settle(tenant, reserved, 0, start);
            report(tenant, false, start);
            throw new ProviderException("interrupted", 503, true, 0, e);
        } catch (ProviderException | IllegalArgumentException e) {
            quotas.settle(tenant, reserved, 0, start);
            report(tenant, false, start);
            throw e;
        } catch (RuntimeException e) {
            quotas.settle(tenant, reserved, 0, start); // abandoned by the caller (a client that went away): no outcome either way
            throw e;
        }
    }

    /** An answered call: its tokens metered, the quota settled to them, usage counted, the outcome reported. */
    void answered(TenantId tenant, String route, Priority priority, long reserved, long start, ChatResponse r) {
        GatewayRequestMeters m = meters.get();
        if (m != null) {
            m.tokens(route, priority, r.promptTokens(), r.completionTokens());
        }
        quotas.settle(tenant, reserved, (long) r.promptTokens() + r.completionTokens(), start);
        record(tenant, route, r.deployment(), r.promptTokens(), r.completionTokens());
        report(tenant, true, start);
    }

    /** Usage of a call at its deployment's prices. */
    void record(TenantId tenant, String route, String deployment, int inputTokens, int outputTokens) {
        Deployment d = router.deployment(deployment).orElse(null);
        long cost = d == null ? 0 : Math.round(d.cost(inputTokens, outputTokens) * 1e6);
        meter.record(today.get(), tenant, route, deployment, inputTokens, outputTokens, cost);
    }

    void report(TenantId tenant, boolean success, long start) {
        if (tenant != null) { // platform-scope calls are no tenant's outcome
            signals.outcome(new OutcomeEvent(tenant, "llm.answer", success, Math.max(0, clock.getAsLong() - start), Instant.now()));
        }
    }

    /**
     * The caller's listener, accounting the stream: time to its first token or event, then {@link #answered} when it
     * completes; cut mid-answer, the provider billed an unknown part of it, so the reservation stands.
     */
    StreamListener streamed(TenantId tenant, String route, Priority priority, long reserved, long start, StreamListener listener) {
        GatewayRequestMeters m = meters.get();
        return new ForwardingListener(listener) {
            private boolean first = true; // a stream's events come from one thread at a time

            private void firstToken() {
                if (first) {
                    first = false;
                    if (m != null) {
                        m.firstToken(route, priority, clock.getAsLong() - start);
                    }
                }
            }

            @Override
            public void token(String text) {
                firstToken();
                listener.token(text);
            }

            @Override
            public void toolCall(int index, String id, String name, String arguments) {
                firstToken();
                listener.toolCall(index, id, name, arguments);
            }

            @Override
            public void event(String type, String data) {
                firstToken();
                listener.event(type, data);
            }

            @Override
            public void completed(ChatResponse response) {
                answered(tenant, route, priority, reserved, start, response);
                listener.completed(response);
            }

            @Override
            public void failed(ProviderException error) {
                report(tenant, false, start);
                listener.failed(error);
            }
        };
    }
}
