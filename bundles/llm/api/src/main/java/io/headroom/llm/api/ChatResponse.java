package io.headroom.llm.api;

/**
 * A completed answer (its text, and the tools the model asks to call, in order), with the deployment that produced
 * it and the tokens it used. {@code finishReason} is in
 * OpenAI's terms whatever the vendor: {@value #STOP}, {@value #LENGTH}, {@value #TOOL_CALLS} or {@value #CONTENT_FILTER}.
 * {@code choicesJson} is an OpenAI-compatible server's own {@code choices} array (JSON text) when the request asked for
 * what only that array carries (several choices with {@code n}, token {@code logprobs}): the gateway answers with it as
 * the server sent it; null otherwise. The other fields describe its first choice.
 */
public record ChatResponse(String content, String finishReason, String deployment, String model, int promptTokens,
                           int completionTokens, java.util.List<ToolCall> toolCalls, String choicesJson) {
    public ChatResponse {
        toolCalls = toolCalls == null ? java.util.List.of() : java.util.List.copyOf(toolCalls);
    }

    /** An answer of one choice, with the tools the model asks to call. */
    public ChatResponse(String content, String finishReason, String deployment, String model, int promptTokens, int completionTokens,
                        java.util.List<ToolCall> toolCalls) {
        this(content, finishReason, deployment, model, promptTokens, completionTokens, toolCalls, null);
    }

    /** A text answer. */
    public ChatResponse(String content, String finishReason, String deployment, String model, int promptTokens, int completionTokens) {
        this(content, finishReason, deployment, model, promptTokens, completionTokens, java.util.List.of());
    }

    /** The model finished its answer (or reached a stop sequence). */
    public static final String STOP = "stop";
    /** The answer was cut at the token limit. */
    public static final String LENGTH = "length";
    /** The model asks for tools to be called. */
    public static final String TOOL_CALLS = "tool_calls";
    /** The answer was withheld or cut by a safety filter. */
    public static final String CONTENT_FILTER = "content_filter";
}
