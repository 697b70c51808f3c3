package io.headroom.llm.internal;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.llm.api.Priority;
import java.util.Locale;

/**
 * The gateway's per-request meters, recorded on the request path: time to the first token of a streamed answer, and
 * tokens used, per route and priority (the tenant's class of traffic). Both label sets are bounded: routes are the
 * operators' (a request for an unknown route records nothing) and priorities an enum. Per tenant load is the tenant
 * load ledger's, not a label here.
 */
final class GatewayRequestMeters {
    private final Histogram firstToken;
    private final Counter tokens;

    GatewayRequestMeters(Metrics metrics) {
        firstToken = metrics.histogram("headroom_llm_time_to_first_token_seconds",
                "Time from a streamed request's admission to its first token (failovers before it included)",
                Metrics.LATENCY_SECONDS, "route", "priority");
        tokens = metrics.counter("headroom_llm_tokens", "Tokens used by answered requests, by kind (prompt, completion)",
                "route", "priority", "kind");
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
