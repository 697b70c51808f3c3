package io.headroom.llm.internal.core;

import io.headroom.llm.api.ProviderException;

/**
 * A deployment's refusal (a 4xx that no other deployment would answer differently) carried out of the router. Its
 * message keeps the deployment's name and the provider's own words for operators and platform tokens; tenants get
 * {@link #publicMessage()}, which names only the route (the model name they asked for) and the status.
 */
public final class ProviderRefusal extends ProviderException {
    private static final long serialVersionUID = 1L;
    private final String route;

    public ProviderRefusal(String route, ProviderException cause) {
        super(cause.getMessage(), cause.status(), false, cause.retryAfterMillis(), cause, cause.code(), cause.param());
        this.route = route;
    }

    /** What a tenant may read: no deployment name, endpoint or provider text. */
    public String publicMessage() {
        if (CONTEXT_LENGTH_EXCEEDED.equals(code())) {
            return "model " + route + ": the messages are longer than the model's context length; shorten them";
        }
        return "model " + route + ": the model provider refused the request"
                + (status() > 0 ? " (HTTP " + status() + ")" : "") + "; ask the platform team for details";
    }

    /**
     * The status a tenant gets: a provider's 401, 403 or 404 concerns the platform's credentials or deployment, not
     * the tenant's request, so it is a 502 for them (their own token is fine).
     */
    public int publicStatus() {
        return status() == 401 || status() == 403 || status() == 404 ? 502 : status();
    }
}
