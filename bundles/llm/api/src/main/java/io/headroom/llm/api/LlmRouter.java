package io.headroom.llm.api;

import io.headroom.core.api.TenantId;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * AI calls for platform bundles: a tenant, a priority and a route (a logical model name); the router picks the
 * deployment, fails over across models and vendors, and waits for capacity within {@code timeout}.
 */
@ProviderType
public interface LlmRouter {
    /** @throws ProviderException when no deployment could answer (status 503) or the request was refused (4xx) */
    ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout);

    /** Streams the answer to the listener; see {@link StreamListener} for how a stream ends. */
    void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener listener);

    List<Route> routes();

    /** The routes a caller of this tenant may use (null: platform scope, every route); see {@link Route#tenants}. */
    default List<Route> routes(TenantId tenant) {
        return tenant == null ? routes() : routes().stream().filter(r -> r.allows(tenant.value())).toList();
    }

    /**
     * Embeds texts on the route's deployments that can (OpenAI-compatible, Bedrock Titan and Cohere), with the same
     * failover, limits and tenant accounting as {@link #complete}.
     *
     * @throws ProviderException as {@link #complete} does; 400 when no deployment of the route embeds
     */
    default EmbeddingResponse embed(TenantId tenant, Priority priority, String route, EmbeddingRequest request, Duration timeout) {
        throw new UnsupportedOperationException("this router does not embed");
    }

    /**
     * A Responses API call on the route: passed through to deployments that serve the Responses API themselves,
     * mapped onto chat completions for the others, with the same failover (before the first byte, from any deployment
     * to any other), limits and tenant accounting as {@link #complete}. This default maps it for every deployment.
     */
    default ResponsesAnswer respond(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout) {
        if (request.mapped() == null) {
            throw new ProviderException(request.unmappable(), 400, false, 0, null);
        }
        return new ResponsesAnswer(null, complete(tenant, priority, route, request.mapped(), timeout));
    }

    /**
     * Streams a Responses API call: a deployment that serves it sends its own events ({@link StreamListener#event}),
     * a mapped one tokens and tool calls; see {@link #respond}. This default maps it for every deployment.
     */
    default void streamResponses(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout,
                                 StreamListener listener) {
        if (request.mapped() == null) {
            throw new ProviderException(request.unmappable(), 400, false, 0, null);
        }
        stream(tenant, priority, route, request.mapped(), timeout, listener);
    }
}
