package io.headroom.llm.api;

/**
 * A call of OpenAI's Responses API: the body as the client sent it (JSON text; {@code model} names the route), for
 * deployments that serve {@code /responses} themselves, and the same call mapped onto chat completions for the others
 * ({@code mapped}; null when it cannot be mapped, {@code unmappable} then says why, e.g. a hosted tool or
 * {@code previous_response_id}: only deployments that serve the Responses API may take it). {@code previousResponseId}
 * (null when the call has none) is the response the call continues: when its id says which deployment created it
 * ({@link ResponseAffinity}), only that deployment may take the call.
 */
public record ResponsesRequest(String body, ChatRequest mapped, String unmappable, int estimatedTokens, String previousResponseId) {
    public ResponsesRequest {
        if (body == null || body.isEmpty()) {
            throw new IllegalArgumentException("a Responses request needs its body");
        }
        if (mapped == null && (unmappable == null || unmappable.isEmpty())) {
            throw new IllegalArgumentException("a request that cannot be mapped onto chat completions says why");
        }
        if (estimatedTokens < 1) {
            throw new IllegalArgumentException("estimated tokens must be 1 or more");
        }
    }

    /** A call that continues no earlier response. */
    public ResponsesRequest(String body, ChatRequest mapped, String unmappable, int estimatedTokens) {
        this(body, mapped, unmappable, estimatedTokens, null);
    }

    /** A request mapped onto chat completions, its tokens estimated from the mapping. */
    public static ResponsesRequest of(String body, ChatRequest mapped) {
        return new ResponsesRequest(body, mapped, null, mapped.estimatedTokens());
    }
}
