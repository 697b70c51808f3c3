package io.headroom.llm.api;

import java.util.List;

/** One vector per input, in the inputs' order, with the deployment that produced them and the tokens they used. */
public record EmbeddingResponse(List<float[]> vectors, String deployment, String model, int promptTokens) {
    public EmbeddingResponse {
        vectors = List.copyOf(vectors);
    }
}
