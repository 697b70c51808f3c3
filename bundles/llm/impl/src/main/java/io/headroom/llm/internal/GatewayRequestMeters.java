package io.headroom.llm.internal;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.llm.api.Priority;
import java.util.Locale;

/**
 * The gateway's per-request meters, recorded on the request path: the duration of each routed call per route and
 * outcome (failovers included), time to the first token of a streamed answer, and tokens used, per route and priority
 * (the tenant's class of traffic); failed attempts per route and deployment, and cooldowns per deployment. The label
 * sets are bounded: routes and deployments are the operators' (a request for an unknown route records nothing, and a
 * removed route's or deployment's series are dropped), priorities an enum, outcomes and failure reasons a few words.
 * Per tenant load is the tenant load ledger's, not a label here.
 */
final class GatewayRequestMeters {
    static final String OK = "ok";
    static final String ERROR = "error";
    private final Histogram duration;
    private final Histogram firstToken;
    private final Counter tokens;
    private final Counter failures;
    private final Counter cooldowns;

    GatewayRequestMeters(Metrics metrics) {
        duration = duration(metrics);
        firstToken = metrics.histogram("headroom_llm_time_to_first_token_seconds",
                "Time from a streamed request's admission to its first token (failovers before it included)",
                Metrics.LATENCY_SECONDS, "route", "priority");
        tokens = metrics.counter("headroom_llm_tokens", "Tokens used by answered requests, by kind (prompt, completion)",
                "route", "priority", "kind");
        failures = metrics.counter("headroom_llm_attempt_failures", "Attempts a deployment failed, by route, deployment and"
                + " reason (no_answer, rate_limited, server_error, client_error); a retryable one failed over to the route's next"
                + " deployment", "route", "deployment", "reason");
        cooldowns = metrics.counter("headroom_llm_deployment_cooldowns", "Cooldowns this node put the deployment into", "deployment");
    }

    /** The histogram of routed calls per route and outcome (the same meter for every component of the bundle). */
    static Histogram duration(Metrics metrics) {
        return metrics.histogram("headroom_llm_request_duration_seconds", "Time a routed call took from its admission to its"
                + " answer or error, failovers to the route's other deployments included, by route and outcome (ok, error)",
                Metrics.LATENCY_SECONDS, "route", "outcome");
    }

    /** A routed call ended after {@code millis}: answered ({@link #OK}) or failed ({@link #ERROR}). */
    void finished(String route, String outcome, long millis) {
        duration.observe(millis / 1000.0, route, outcome);
    }

    /** Drops the series of a route or deployment the operators removed. */
    void removed(java.util.Collection<String> routes, java.util.Collection<String> deployments) {
        for (String r : routes) {
            duration.forget("route", r);
            firstToken.forget("route", r);
            tokens.forget("route", r);
            failures.forget("route", r);
        }
        for (String d : deployments) {
            failures.forget("deployment", d);
            cooldowns.forget("deployment", d);
        }
    }

    void attemptFailed(String route, String deployment, int status) {
        failures.inc(route, deployment, status == 0 ? "no_answer" : status == 429 ? "rate_limited"
                : status >= 500 ? "server_error" : "client_error");
    }

    void cooledDown(String deployment) {
        cooldowns.inc(deployment);
    }

    void firstToken(String route, Priority priority, long millis) {
        firstToken.observe(millis / 1000.0, route, label(priority));
    }

    void tokens(String route, Priority priority, long prompt, long completion) {
        String p = label(priority);
        if (prompt > 0) {
            tokens.add(prompt, route, p, "prompt");
        }
        if (completion > 0) {
            tokens.add(completion, route, p, "completion");
        }
    }

    private static String label(Priority priority) {
        return priority == null ? "interactive" : priority.name().toLowerCase(Locale.ROOT);
    }
}
