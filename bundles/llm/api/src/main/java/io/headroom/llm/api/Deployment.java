package io.headroom.llm.api;

/**
 * One way to answer: a provider adapter ({@code provider}, e.g. openai, anthropic), a model, an endpoint, a secret
 * (never logged or returned), fleet-wide limits per minute (0: none), prices per thousand input and output tokens
 * (for usage and budgets), a timeout, and how many retryable failures in a row put it into cooldown (0: the router's
 * default).
 */
public record Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                         int tokensPerMinute, double inputCostPer1kTokens, double outputCostPer1kTokens, long timeoutMillis,
                         int allowedFails) {
    /** One price for input and output tokens, the router's default {@code allowedFails}. */
    public Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                      int tokensPerMinute, double costPer1kTokens, long timeoutMillis) {
        this(name, provider, model, endpoint, apiKey, requestsPerMinute, tokensPerMinute, costPer1kTokens, costPer1kTokens,
                timeoutMillis, 0);
    }

    /** @deprecated the input price; see {@link #inputCostPer1kTokens} and {@link #outputCostPer1kTokens} */
    @Deprecated
    public double costPer1kTokens() {
        return inputCostPer1kTokens;
    }

    /** What a call that used these tokens costs, in US dollars. */
    public double cost(long inputTokens, long outputTokens) {
        return (inputTokens * inputCostPer1kTokens + outputTokens * outputCostPer1kTokens) / 1000.0;
    }

    @Override
    public String toString() {
        return "Deployment[" + name + ", " + provider + ", " + model + ", " + endpoint + "]"; // never the key
    }
}
