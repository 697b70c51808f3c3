package io.headroom.llm.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat completion request in provider-neutral form; the route picks the model. Besides the messages, the output
 * limit and the temperature: the function {@code tools} the model may call; {@code toolChoice} ({@code null}: not
 * given, else auto, none, required, or the name of the one function to call); the {@code responseFormat}
 * ({@code null}: text); and every other OpenAI parameter the client sent ({@code parameters}: name to its value as
 * JSON text, in the client's order, e.g. stop, seed, top_p, parallel_tool_calls, max_completion_tokens, unknown ones).
 * An adapter honours a parameter or names it in {@link ProviderAdapter#unsupported}: none is silently dropped.
 * {@code defaultMaxTokens} says the client set no output limit: {@code maxTokens} is then {@link #DEFAULT_MAX_TOKENS},
 * which the router reserves and vendors that require a limit get (Anthropic); vendors that do not (OpenAI-compatible,
 * Bedrock Converse) get no limit, so the model's own default applies as it would for the client calling them directly.
 */
public record ChatRequest(List<ChatMessage> messages, int maxTokens, Double temperature, List<Tool> tools, String toolChoice,
                          ResponseFormat responseFormat, Map<String, String> parameters, boolean defaultMaxTokens) {
    /** The tool choices with a fixed meaning; any other value names the function to call. */
    public static final List<String> TOOL_CHOICE_MODES = List.of("auto", "none", "required");
    /** The output limit of a request that sets none, for the vendors that require one and for the token reservation. */
    public static final int DEFAULT_MAX_TOKENS = 1024;

    public ChatRequest {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("at least one message is required");
        }
        messages = List.copyOf(messages);
        if (maxTokens < 1 || maxTokens > 200_000) {
            throw new IllegalArgumentException("max tokens must be 1-200000, was " + maxTokens);
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        parameters = parameters == null || parameters.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        if (toolChoice != null && !TOOL_CHOICE_MODES.contains(toolChoice)
                && tools.stream().noneMatch(t -> t.name().equals(toolChoice))) {
            throw new IllegalArgumentException("tool_choice names function '" + toolChoice + "', which is not among the tools");
        }
    }

    /** With the output limit the caller set. */
    public ChatRequest(List<ChatMessage> messages, int maxTokens, Double temperature, List<Tool> tools, String toolChoice,
                       ResponseFormat responseFormat, Map<String, String> parameters) {
        this(messages, maxTokens, temperature, tools, toolChoice, responseFormat, parameters, false);
    }

    /** Text messages, the output limit and the temperature only. */
    public ChatRequest(List<ChatMessage> messages, int maxTokens, Double temperature) {
        this(messages, maxTokens, temperature, List.of(), null, null, Map.of());
    }

    /** The function the client forces, or null. */
    public String forcedTool() {
        return toolChoice == null || TOOL_CHOICE_MODES.contains(toolChoice) ? null : toolChoice;
    }

    /** A parameter's value as JSON text, or null when the client did not send it (or sent null). */
    public String parameter(String name) {
        String v = parameters.get(name);
        return v == null || v.equals("null") ? null : v;
    }

    /** A cheap upper-bound estimate of the tokens this request can consume (prompt at ~4 characters a token + output). */
    public int estimatedTokens() {
        long chars = 0;
        for (ChatMessage m : messages) {
            chars += m.text().length();
            for (ToolCall c : m.toolCalls()) {
                chars += c.name().length() + c.arguments().length();
            }
            for (ContentPart p : m.parts()) {
                chars += p.isImage() ? 4 * 1600 : 0; // a large image is about 1,600 tokens at most vendors
            }
        }
        for (Tool t : tools) {
            chars += t.name().length() + (t.description() == null ? 0 : t.description().length())
                    + (t.parameters() == null ? 0 : t.parameters().length());
        }
        return (int) Math.min(Integer.MAX_VALUE / 2, chars / 4 + 1 + maxTokens);
    }
}
