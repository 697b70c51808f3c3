package io.headroom.llm.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Texts to embed, in provider-neutral form; the route picks the model. {@code dimensions} ({@code null}: the model's
 * own) and every other OpenAI parameter the client sent ({@code parameters}: name to JSON text, e.g. user), which an
 * adapter honours or names in {@link ProviderAdapter#unsupported(Deployment, EmbeddingRequest)}.
 */
public record EmbeddingRequest(List<String> inputs, Integer dimensions, Map<String, String> parameters) {
    /** At most this many inputs per call, as OpenAI allows. */
    public static final int MAX_INPUTS = 2048;

    public EmbeddingRequest {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("'input' must be a non-empty string or array of strings");
        }
        if (inputs.size() > MAX_INPUTS) {
            throw new IllegalArgumentException("at most " + MAX_INPUTS + " inputs per call, not " + inputs.size());
        }
        for (String s : inputs) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("an input must be a non-empty string");
            }
        }
        inputs = List.copyOf(inputs);
        if (dimensions != null && dimensions < 1) {
            throw new IllegalArgumentException("'dimensions' must be 1 or more");
        }
        parameters = parameters == null || parameters.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public EmbeddingRequest(List<String> inputs) {
        this(inputs, null, Map.of());
    }

    /** A cheap upper-bound estimate of the tokens the inputs use (~4 characters a token). */
    public int estimatedTokens() {
        long chars = 0;
        for (String s : inputs) {
            chars += s.length();
        }
        return (int) Math.min(Integer.MAX_VALUE / 2, chars / 4 + inputs.size());
    }
}
