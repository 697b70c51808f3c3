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
import io.headroom.llm.internal.core.StreamedUsage;
import io.headroom.llm.internal.core.TenantQuotas;
import io.headroom.llm.internal.core.UsageMeter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What every routed call costs a tenant, whatever its API (chat, Responses, embeddings): the request offered to the
 * tenant load ledger, the tenant's quota admitted before and settled to the tokens used after, usage counted per day,
 * route and deployment at the deployment's prices, the per-request meters (the call's duration per route and outcome,
 * failovers included; time to first token; tokens), and an {@code llm.answer} outcome for the heartbeat. A stream that ends without the provider's usage (its client went away, or the provider failed or went
 * silent mid-answer) costs what it streamed ({@link StreamedUsage}: the prompt estimate plus the output streamed, nothing
 * when it had no output yet): the quota is settled to that, and it is counted as usage at the deployment's prices. A call
 * abandoned by its caller reports no outcome.
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
            signals.load(new LoadSample(tenant, "llm", route, "requests", 1, Instant.now()));
        }
    }

    /** A routed call, given when it started and the tokens reserved for it. */
    @FunctionalInterface
    interface RoutedCall<T> {
        T run(long start, long reservedTokens) throws InterruptedException;
    }

    /** Admits the call against the tenant's quota and runs it; a failure releases the reservation and is reported. */
    <T> T reported(TenantId tenant, String route, int estimatedTokens, RoutedCall<T> call) {
        return reported(tenant, route, estimatedTokens, null, call);
    }

    /**
     * Admits a streamed call and runs it with its {@link #streamed} listener counting into {@code usage}: abandoned by
     * its caller mid-answer, the quota is settled to what was streamed and that is counted as usage on the route.
     */
    void streamReported(TenantId tenant, String route, int estimatedTokens, StreamedUsage usage, RoutedCall<Void> call) {
        reported(tenant, route, estimatedTokens, usage, call);
    }

    private <T> T reported(TenantId tenant, String route, int estimatedTokens, StreamedUsage usage, RoutedCall<T> call) {
        long reserved = quotas.admit(tenant, estimatedTokens);
        long start = clock.getAsLong();
        try {
            return call.run(start, reserved);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (usage == null || usage.end()) {
                quotas.settle(tenant, reserved, 0, start);
            }
            report(tenant, false, start);
            failed(route, start);
            throw new ProviderException("interrupted", 503, true, 0, e);
        } catch (ProviderException | IllegalArgumentException e) {
            if (usage == null || usage.end()) { // failed before its first output (a stream's later failures end it as it goes)
                quotas.settle(tenant, reserved, 0, start);
            }
            report(tenant, false, start);
            if (e instanceof ProviderException) {
                failed(route, start);
            }
            throw e;
        } catch (RuntimeException e) {
            // abandoned by the caller (a client that went away): no outcome either way; a stream costs what it streamed
            if (usage == null) {
                quotas.settle(tenant, reserved, 0, start);
            } else {
                cut(tenant, route, reserved, start, usage);
            }
            throw e;
        }
    }

    /** A stream that ended without the provider's usage: the quota settled to, and usage counted at, what it streamed. */
    private void cut(TenantId tenant, String route, long reserved, long start, StreamedUsage usage) {
        if (!usage.end()) {
            return; // settled already (its end was told to a caller that then failed)
        }
        quotas.settle(tenant, reserved, usage.usedTokens(), start);
        if (usage.streamedOutput() && usage.deployment() != null) {
            record(tenant, route, usage.deployment(), usage.promptTokens(), usage.outputTokens());
        }
    }

    /** An answered call: its tokens metered, the quota settled to them, usage counted, the outcome reported. */
    void answered(TenantId tenant, String route, Priority priority, long reserved, long start, ChatResponse r) {
        GatewayRequestMeters m = meters.get();
        if (m != null && router.routeNamed(route).isPresent()) { // a route removed while the call ran keeps no series
            m.finished(route, GatewayRequestMeters.OK, clock.getAsLong() - start);
            m.tokens(route, priority, r.promptTokens(), r.completionTokens());
        }
        quotas.settle(tenant, reserved, (long) r.promptTokens() + r.completionTokens(), start);
        record(tenant, route, r.deployment(), r.promptTokens(), r.completionTokens());
        report(tenant, true, start);
    }

    /** Usage of a call at its deployment's prices; its tokens and cost are load on the llm layer too, by route. */
    void record(TenantId tenant, String route, String deployment, int inputTokens, int outputTokens) {
        Deployment d = router.deployment(deployment).orElse(null);
        long cost = d == null ? 0 : Math.round(d.cost(inputTokens, outputTokens) * 1e6);
        meter.record(today.get(), tenant, route, deployment, inputTokens, outputTokens, cost);
        if (tenant != null) {
            Instant now = Instant.now();
            signals.load(new LoadSample(tenant, "llm", route, "tokens", (double) inputTokens + outputTokens, now));
            signals.load(new LoadSample(tenant, "llm", route, "cost_usd", cost / 1e6, now));
        }
    }

    /** A routed call that failed, in the route's request duration (a route that does not exist records nothing). */
    private void failed(String route, long start) {
        GatewayRequestMeters m = meters.get();
        if (m != null && router.routeNamed(route).isPresent()) {
            m.finished(route, GatewayRequestMeters.ERROR, clock.getAsLong() - start);
        }
    }

    void report(TenantId tenant, boolean success, long start) {
        if (tenant != null) { // platform-scope calls are no tenant's outcome
            signals.outcome(new OutcomeEvent(tenant, "llm.answer", success, Math.max(0, clock.getAsLong() - start), Instant.now()));
        }
    }

    /**
     * The caller's listener, accounting the stream: what it streams counted into {@code usage}, time to its first token
     * or event, then {@link #answered} when it completes; failed mid-answer (the provider's failure or silence), the
     * quota is settled to and usage counted at what was streamed, as when the caller abandons it.
     */
    StreamListener streamed(TenantId tenant, String route, Priority priority, long reserved, long start, StreamedUsage usage,
                            StreamListener listener) {
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
            public void started(String deployment, String model) {
                usage.started(deployment);
                listener.started(deployment, model);
            }

            @Override
            public void token(String text) {
                firstToken();
                usage.text(text); // counted before it is passed on: the provider produced it whether the client takes it or not
                listener.token(text);
            }

            @Override
            public void toolCall(int index, String id, String name, String arguments) {
                firstToken();
                usage.toolCall(name, arguments);
                listener.toolCall(index, id, name, arguments);
            }

            @Override
            public void event(String type, String data) {
                firstToken();
                usage.event(type, data);
                listener.event(type, data);
            }

            @Override
            public void completed(ChatResponse response) {
                if (usage.end()) {
                    answered(tenant, route, priority, reserved, start, response);
                }
                listener.completed(response);
            }

            @Override
            public void failed(ProviderException error) {
                report(tenant, false, start);
                CallAccounting.this.failed(route, start);
                cut(tenant, route, reserved, start, usage);
                listener.failed(error);
            }
        };
    }
}
