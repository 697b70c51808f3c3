package io.headroom.llm.internal.core;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.Route;
import java.util.regex.Pattern;

/** What makes a deployment or a route definition acceptable, before it is stored for the fleet. */
public final class Definitions {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}");

    private Definitions() {
    }

    /**
     * @param adapter the deployment's provider adapter when one is there (null: not checked against it): a deployment
     *                set to serve the Responses API itself needs an adapter that can pass it through
     */
    public static void validate(Deployment d, ProviderAdapter adapter) {
        if (d.name() == null || !NAME.matcher(d.name()).matches()) {
            throw new IllegalArgumentException("a deployment name is 1-100 letters, digits and . _ : / -");
        }
        if (d.provider() == null || d.provider().isBlank() || d.model() == null || d.model().isBlank()) {
            throw new IllegalArgumentException("a deployment needs a provider and a model");
        }
        if (d.endpoint() == null || !(d.endpoint().startsWith("http://") || d.endpoint().startsWith("https://"))) {
            throw new IllegalArgumentException("a deployment's endpoint is an http:// or https:// URL");
        }
        if (d.requestsPerMinute() < 0 || d.tokensPerMinute() < 0 || d.allowedFails() < 0 || d.timeoutMillis() < 1
                || d.streamIdleTimeoutMillis() < 0 || !(d.inputCostPer1kTokens() >= 0) || !(d.outputCostPer1kTokens() >= 0)) {
            throw new IllegalArgumentException("limits, prices, allowedFails and streamIdleTimeoutMillis must be 0 or more,"
                    + " the timeout at least 1 ms");
        }
        if (d.servesResponses() && adapter != null && !adapter.servesResponses(d)) {
            throw new IllegalArgumentException("provider " + d.provider() + " cannot pass the Responses API through:"
                    + " responsesApi must be mapped");
        }
    }

    public static void validate(Route r) {
        if (r.name() == null || !NAME.matcher(r.name()).matches()) {
            throw new IllegalArgumentException("a route name is 1-100 letters, digits and . _ : / -");
        }
        if (r.deployments().isEmpty() || r.deployments().stream().anyMatch(d -> !NAME.matcher(d).matches())) {
            throw new IllegalArgumentException("a route needs one or more deployment names");
        }
    }
}
