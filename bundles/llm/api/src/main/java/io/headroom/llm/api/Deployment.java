package io.headroom.llm.api;

/**
 * One way to answer: a provider adapter ({@code provider}, e.g. openai, anthropic), a model, an endpoint, a secret
 * (never logged or returned), fleet-wide limits per minute (0: none), prices per thousand input and output tokens
 * (for usage and budgets), a timeout, and how many retryable failures in a row put it into cooldown (0: the router's
 * default). {@code timeoutMillis} bounds a whole answer (a stream: the wait for its response head);
 * {@code streamIdleTimeoutMillis} bounds any silence of a stream, from the request on (0: {@code timeoutMillis}): silent
 * before the first token, the router fails over; silent after it, the client's stream ends with an error.
 * {@code responsesApi} says how the Responses API reaches it: {@value #RESPONSES_MAPPED} (mapped onto chat completions
 * by the gateway, the default) or {@value #RESPONSES_NATIVE} (passed through to its own {@code /responses}, for
 * OpenAI-compatible servers that serve it).
 */
public record Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                         int tokensPerMinute, double inputCostPer1kTokens, double outputCostPer1kTokens, long timeoutMillis,
                         int allowedFails, long streamIdleTimeoutMillis, String responsesApi) {
    /** The Responses API is mapped onto chat completions by the gateway. */
    public static final String RESPONSES_MAPPED = "mapped";
    /** The Responses API is passed through to the deployment's own {@code /responses}. */
    public static final String RESPONSES_NATIVE = "native";

    public Deployment {
        if (responsesApi == null || responsesApi.isEmpty()) {
            responsesApi = RESPONSES_MAPPED;
        }
        if (!responsesApi.equals(RESPONSES_MAPPED) && !responsesApi.equals(RESPONSES_NATIVE)) {
            throw new IllegalArgumentException("responsesApi is native or mapped, was '" + responsesApi + "'");
        }
    }

    /** The Responses API mapped onto chat completions. */
    public Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                      int tokensPerMinute, double inputCostPer1kTokens, double outputCostPer1kTokens, long timeoutMillis,
                      int allowedFails, long streamIdleTimeoutMillis) {
        this(name, provider, model, endpoint, apiKey, requestsPerMinute, tokensPerMinute, inputCostPer1kTokens,
                outputCostPer1kTokens, timeoutMillis, allowedFails, streamIdleTimeoutMillis, RESPONSES_MAPPED);
    }

    /** Whether Responses API calls are passed through to the deployment's own {@code /responses}. */
    public boolean servesResponses() {
        return RESPONSES_NATIVE.equals(responsesApi);
    }

    /** The same deployment with another Responses API setting. */
    public Deployment withResponsesApi(String mode) {
        return new Deployment(name, provider, model, endpoint, apiKey, requestsPerMinute, tokensPerMinute, inputCostPer1kTokens,
                outputCostPer1kTokens, timeoutMillis, allowedFails, streamIdleTimeoutMillis, mode);
    }
    /** No separate stream idle timeout. */
    public Deployment(String name, String provider, String model, String endpoint, String apiKey, int requestsPerMinute,
                      int tokensPerMinute, double inputCostPer1kTokens, double outputCostPer1kTokens, long timeoutMillis,
                      int allowedFails) {
        this(name, provider, model, endpoint, apiKey, requestsPerMinute, tokensPerMinute, inputCostPer1kTokens,
                outputCostPer1kTokens, timeoutMillis, allowedFails, 0, RESPONSES_MAPPED);
    }

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

    /** The longest silence a stream may keep between two bytes. */
    public long streamIdleMillis() {
        return streamIdleTimeoutMillis > 0 ? streamIdleTimeoutMillis : timeoutMillis;
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
