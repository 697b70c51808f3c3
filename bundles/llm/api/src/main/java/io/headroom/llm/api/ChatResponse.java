package io.headroom.llm.api;

/** A completed answer, with the deployment that produced it and the tokens it used. */
public record ChatResponse(String content, String finishReason, String deployment, String model, int promptTokens,
                           int completionTokens) {
}
