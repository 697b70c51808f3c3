package io.headroom.llm.api;

import java.util.List;

/** A chat completion request in provider-neutral form; the route picks the model. */
public record ChatRequest(List<ChatMessage> messages, int maxTokens, Double temperature) {
    public ChatRequest {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("at least one message is required");
        }
        messages = List.copyOf(messages);
        if (maxTokens < 1 || maxTokens > 200_000) {
            throw new IllegalArgumentException("max tokens must be 1-200000, was " + maxTokens);
        }
    }

    /** A cheap upper-bound estimate of the tokens this request can consume (prompt at ~4 characters a token + output). */
    public int estimatedTokens() {
        int chars = 0;
        for (ChatMessage m : messages) {
            chars += m.content().length();
        }
        return chars / 4 + 1 + maxTokens;
    }
}
