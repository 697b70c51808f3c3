package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.embed.EmbeddingException;
import io.headroom.core.api.embed.Embeddings;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import java.time.Duration;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The gateway's embeddings for other capabilities (search's vector fields): a route's embedding deployments through
 * the router, as background work (the interactive reserve stays for user-facing calls), waiting up to 30 s for
 * capacity, accounted to the tenant like a client's {@code POST /v1/embeddings}.
 */
@Component(service = Embeddings.class)
public final class GatewayEmbeddings implements Embeddings {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final LlmRouter router;

    @Activate
    public GatewayEmbeddings(@Reference LlmRouter router) {
        this.router = router;
    }

    @Override
    public List<float[]> embed(TenantId tenant, String route, List<String> inputs) {
        EmbeddingRequest request = new EmbeddingRequest(inputs); // IllegalArgumentException for empty inputs
        try {
            return router.embed(tenant, Priority.BACKGROUND, route, request, TIMEOUT).vectors();
        } catch (ProviderException e) {
            if (!e.retryable() && e.status() >= 400 && e.status() < 500 && e.status() != 429) {
                // a provider's refusal: its own words stay with operators (the cause and the log)
                throw new IllegalArgumentException(e instanceof io.headroom.llm.internal.core.ProviderRefusal r
                        ? r.publicMessage() : e.getMessage(), e);
            }
            // the provider's own words and the deployments' names are for operators (they are in the cause and the log)
            throw new EmbeddingException("route " + route + " could not embed now" + (e.status() > 0 ? " (HTTP " + e.status() + ")" : ""),
                    e.retryable() || e.status() == 429, e);
        }
    }
}
