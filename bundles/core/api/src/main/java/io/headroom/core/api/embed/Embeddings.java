package io.headroom.core.api.embed;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Embeds texts for a tenant through a named embeddings route of the LLM gateway. */
@ProviderType
public interface Embeddings {
    /**
     * One vector per input, in the inputs' order, all of the route's dimensions.
     *
     * @throws IllegalArgumentException when the route is unknown, is not an embeddings route, or the tenant may not use it
     * @throws EmbeddingException when no deployment of the route could answer (limits, cooldowns, provider errors)
     */
    List<float[]> embed(TenantId tenant, String route, List<String> inputs);
}
