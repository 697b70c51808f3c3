package io.headroom.llm.api;

/**
 * One way to answer: a provider adapter ({@code provider}, e.g. openai, anthropic), a model, an endpoint, a secret
 * (never logged or returned), limits per minute and a cost per thousand tokens.
 */
public record Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                         int tokensPerMinute, double costPer1kTokens, long timeoutMillis) {
    @Override
    public String toString() {
        return "Deployment[" + name + ", " + provider + ", " + model + ", " + endpoint + "]"; // never the key
    }
}
