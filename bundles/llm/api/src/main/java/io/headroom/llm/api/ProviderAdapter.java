package io.headroom.llm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Speaks one provider's wire format. Register implementations as OSGi services with the property {@value #PROVIDER}
 * (a new provider is a hot-deployed bundle). Throw {@link ProviderException} for failures, classified. Each adapter
 * translates its vendor's finish reasons into OpenAI's (see {@link ChatResponse}): only it knows its vendor's terms.
 */
@ConsumerType
public interface ProviderAdapter {
    /** Service property: the provider name deployments refer to. */
    String PROVIDER = "headroom.llm.provider";

    ChatResponse complete(Deployment deployment, ChatRequest request);

    /**
     * The request's parameters this adapter cannot honour on this deployment, by their OpenAI names (e.g. seed,
     * response_format, image_url): the router then tries a deployment that can, and refuses the call (400 naming
     * them) when none can. Empty by default.
     */
    default java.util.List<String> unsupported(Deployment deployment, ChatRequest request) {
        return java.util.List.of();
    }

    /**
     * Streams an answer to the listener. Failures before the first token are thrown (so the router can fail over
     * invisibly); after it, they end the stream through {@link StreamListener#failed}.
     */
    void stream(Deployment deployment, ChatRequest request, StreamListener listener);

    /**
     * What this adapter cannot honour of an embeddings request on this deployment, by OpenAI names; {@code "embeddings"}
     * when it cannot embed at all (the default).
     */
    default java.util.List<String> unsupported(Deployment deployment, EmbeddingRequest request) {
        return java.util.List.of("embeddings");
    }

    /** Embeds the inputs; adapters that embed override this and {@link #unsupported(Deployment, EmbeddingRequest)}. */
    default EmbeddingResponse embed(Deployment deployment, EmbeddingRequest request) {
        throw new ProviderException(deployment.name() + ": provider " + deployment.provider() + " does not embed", 400, false, 0, null);
    }

    /**
     * Whether this adapter can pass Responses API calls through to the deployment's own {@code /responses}
     * ({@link Deployment#servesResponses}); false by default, and the router then maps them onto chat completions.
     */
    default boolean servesResponses(Deployment deployment) {
        return false;
    }

    /**
     * Passes a Responses API call through: the client's body with the deployment's model, the server's response
     * object back with the client's model name, and its usage. Failures are classified as for {@link #complete}.
     */
    default ResponsesAnswer respond(Deployment deployment, ResponsesRequest request) {
        throw new ProviderException(deployment.name() + ": provider " + deployment.provider() + " does not serve the Responses API",
                400, false, 0, null);
    }

    /**
     * Streams a Responses API call passed through: every event of the server's stream to {@link StreamListener#event}
     * as it comes, then {@link StreamListener#completed} with the usage. Failures before the first event that carries
     * output are thrown (so the router can fail over invisibly); after it, they end the stream through
     * {@link StreamListener#failed}.
     */
    default void streamResponses(Deployment deployment, ResponsesRequest request, StreamListener listener) {
        throw new ProviderException(deployment.name() + ": provider " + deployment.provider() + " does not serve the Responses API",
                400, false, 0, null);
    }
}
