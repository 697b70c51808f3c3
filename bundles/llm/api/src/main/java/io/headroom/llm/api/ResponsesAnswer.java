package io.headroom.llm.api;

/**
 * The answer to a {@link ResponsesRequest}: from a deployment that serves the Responses API, its response object as
 * JSON text ({@code body}, with {@code model} the route the client named) and {@code response} carrying the deployment
 * and the usage it reported (no content); from a mapped deployment, {@code body} null and {@code response} the chat
 * completion to render as a response object.
 */
public record ResponsesAnswer(String body, ChatResponse response) {
    public ResponsesAnswer {
        if (response == null) {
            throw new IllegalArgumentException("an answer names its deployment and usage");
        }
    }

    /** Whether the deployment answered in the Responses API's own format. */
    public boolean passedThrough() {
        return body != null;
    }
}
