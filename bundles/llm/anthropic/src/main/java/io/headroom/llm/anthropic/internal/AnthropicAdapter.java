package io.headroom.llm.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import io.headroom.llm.http.HttpProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Anthropic Messages: POST {endpoint}/v1/messages with x-api-key and anthropic-version; system and developer messages
 * go in the top-level {@code system} field; tools as {@code tools}/{@code tool_choice}, assistant tool calls as
 * {@code tool_use} blocks and tool messages as {@code tool_result} blocks of a user turn (consecutive turns of one role
 * merged, as Anthropic wants them alternating); images as base64 or url image blocks; stop as stop_sequences, user as
 * metadata.user_id, store false as nothing (Anthropic stores nothing), temperature capped at Anthropic's 1; without
 * max_tokens or max_completion_tokens, {@link ChatRequest#DEFAULT_MAX_TOKENS} (Anthropic requires a limit). Streaming as named SSE events (content_block_start of a
 * tool_use and input_json_delta become tool-call pieces, text deltas tokens, message_delta the stop reason and usage,
 * message_stop the end; an {@code error} event is a failure, e.g. overloaded_error). JSON mode ({@code response_format}
 * json_object or json_schema) is a forced call of one tool whose {@code input_schema} is the schema (json_object: any
 * object), whose input comes back as the message's content with finish reason stop, streamed as content deltas.
 * Anthropic does not promise that the input matches the schema, so {@code strict} is best effort here. Not supported
 * (the router looks for another deployment): response_format together with tools, n above 1, store true, metadata,
 * seed, penalties, logprobs and other OpenAI-only parameters. A "prompt is too long" refusal is marked
 * {@link ProviderException#CONTEXT_LENGTH_EXCEEDED}.
 */
@Component(service = ProviderAdapter.class, property = ProviderAdapter.PROVIDER + "=anthropic")
public final class AnthropicAdapter extends HttpProvider {
    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    protected String path() {
        return "/v1/messages";
    }

    @Override
    protected Map<String, String> headers(Deployment d) {
        return Map.of("x-api-key", d.apiKey() == null ? "" : d.apiKey(), "anthropic-version", "2023-06-01");
    }

    /** The tool that carries a JSON-mode answer; a client's tool may not have this name. */
    static final String JSON_TOOL = "json_response";

    /**
     * OpenAI parameters this adapter maps; any other one the client sent is unsupported here. {@code store} is honoured
     * only as false (Anthropic keeps no completions to list later); OpenAI's {@code metadata} (tags of a stored
     * completion) has no counterpart, Anthropic's own metadata carrying only the end user.
     */
    private static final Set<String> MAPPED = Set.of("stop", "top_p", "user", "store", "parallel_tool_calls",
            "max_completion_tokens", "n", "stream_options");

    @Override
    public List<String> unsupported(Deployment d, ChatRequest request) {
        List<String> out = new ArrayList<>();
        request.parameters().forEach((name, value) -> {
            if (!MAPPED.contains(name) && !value.equals("null")
                    || name.equals("n") && !value.equals("1") && !value.equals("null")
                    || name.equals("store") && !value.equals("false") && !value.equals("null")) {
                out.add(name);
            }
        });
        if (request.responseFormat() != null && !request.tools().isEmpty()) {
            out.add("response_format"); // the answer would be either a tool call or the JSON: Anthropic has one tool choice
        }
        return out;
    }

    @Override
    protected JsonNode body(Deployment d, ChatRequest request, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", d.model()).put("max_tokens", request.maxTokens()).put("stream", stream);
        if (request.temperature() != null) {
            body.put("temperature", Math.min(1.0, request.temperature())); // Anthropic's range is 0-1, OpenAI's 0-2
        }
        StringBuilder system = new StringBuilder();
        ArrayNode messages = body.putArray("messages");
        ObjectNode last = null;
        for (ChatMessage m : request.messages()) {
            if (m.isInstruction()) {
                system.append(system.length() == 0 ? "" : "\n").append(m.text());
                continue;
            }
            String role = m.role().equals("assistant") ? "assistant" : "user"; // tool results come from the user
            ArrayNode content;
            if (last != null && last.path("role").asText().equals(role)) {
                content = (ArrayNode) last.get("content"); // Anthropic wants the turns to alternate: merge
            } else {
                last = messages.addObject().put("role", role);
                content = last.putArray("content");
            }
            content(m, content);
        }
        if (system.length() > 0) {
            body.put("system", system.toString());
        }
        if (request.responseFormat() != null && request.tools().isEmpty()) {
            jsonMode(request.responseFormat(), body);
        } else if (!request.tools().isEmpty()) { // with tool_choice none too: a conversation with tool_use blocks must define its tools
            ArrayNode tools = body.putArray("tools");
            for (Tool t : request.tools()) {
                ObjectNode o = tools.addObject().put("name", t.name());
                if (t.description() != null) {
                    o.put("description", t.description());
                }
                o.set("input_schema", t.parameters() == null ? JSON.createObjectNode().put("type", "object") : json(t.parameters()));
            }
            ObjectNode choice = JSON.createObjectNode();
            String forced = request.forcedTool();
            choice.put("type", forced != null ? "tool" : "required".equals(request.toolChoice()) ? "any"
                    : "none".equals(request.toolChoice()) ? "none" : "auto");
            if (forced != null) {
                choice.put("name", forced);
            }
            if ("false".equals(request.parameter("parallel_tool_calls"))) {
                choice.put("disable_parallel_tool_use", true);
            }
            body.set("tool_choice", choice);
        }
        String stop = request.parameter("stop");
        if (stop != null) {
            JsonNode v = json(stop);
            ArrayNode sequences = body.putArray("stop_sequences");
            if (v.isArray()) {
                v.forEach(sequences::add);
            } else {
                sequences.add(v.asText());
            }
        }
        if (request.parameter("top_p") != null) {
            body.set("top_p", json(request.parameter("top_p")));
        }
        String user = request.parameter("user");
        if (user != null) {
            body.putObject("metadata").put("user_id", json(user).asText());
        }
        return body;
    }

    /** JSON mode as one forced tool whose input is the answer. */
    private static void jsonMode(io.headroom.llm.api.ResponseFormat format, ObjectNode body) {
        ObjectNode tool = body.putArray("tools").addObject().put("name", JSON_TOOL);
        if (format.schema() != null) {
            JsonNode schema = json(format.schema());
            if (!schema.isObject() || !"object".equals(schema.path("type").asText("object"))) {
                // Anthropic's input_schema is an object schema: a schema of another type cannot be the tool's input
                throw new ProviderException("response_format json_schema: the schema must describe an object for this model", 400, false, 0, null,
                        null, "response_format");
            }
            ObjectNode input = ((ObjectNode) schema).deepCopy();
            input.put("type", "object");
            tool.put("description", "Answer with " + format.name() + " as this tool's input.");
            tool.set("input_schema", input);
        } else {
            tool.put("description", "Answer with a JSON object as this tool's input.");
            tool.putObject("input_schema").put("type", "object");
        }
        body.putObject("tool_choice").put("type", "tool").put("name", JSON_TOOL);
    }

    /** One OpenAI message as Anthropic content blocks: text, images, tool_use (assistant), tool_result (tool). */
    private static void content(ChatMessage m, ArrayNode content) {
        if (m.role().equals("tool")) {
            content.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.text());
            return;
        }
        if (m.parts().isEmpty()) {
            if (!m.text().isEmpty()) {
                content.addObject().put("type", "text").put("text", m.text());
            }
        } else {
            for (ContentPart p : m.parts()) {
                if (!p.isImage()) {
                    content.addObject().put("type", "text").put("text", p.text());
                } else if (p.isDataUrl()) {
                    try {
                        content.addObject().put("type", "image").putObject("source").put("type", "base64")
                                .put("media_type", p.mediaType()).put("data", p.base64Data());
                    } catch (IllegalArgumentException e) {
                        throw new ProviderException(e.getMessage(), 400, false, 0, null);
                    }
                } else {
                    content.addObject().put("type", "image").putObject("source").put("type", "url").put("url", p.url());
                }
            }
        }
        for (ToolCall c : m.toolCalls()) {
            content.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name()).set("input", json(c.arguments()));
        }
    }

    @Override
    protected ChatResponse parse(Deployment d, JsonNode r) {
        JsonNode content = r.path("content");
        if (!content.isArray() || content.isEmpty() && !"max_tokens".equals(r.path("stop_reason").asText())) {
            throw new ProviderException(d.name() + ": response has no content blocks", 502, true, 0, null);
        }
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : content) {
            if (block.path("type").asText().equals("tool_use") && block.path("name").asText().equals(JSON_TOOL)) {
                // JSON mode: the tool's input is the whole answer (any text around it is the model's preamble)
                return new ChatResponse(block.path("input").toString(), ChatResponse.STOP, d.name(), r.path("model").asText(d.model()),
                        r.path("usage").path("input_tokens").asInt(), r.path("usage").path("output_tokens").asInt(), List.of());
            }
            if (block.path("type").asText().equals("tool_use")) {
                calls.add(new ToolCall(block.path("id").asText(), block.path("name").asText(), block.path("input").toString()));
            } else {
                text.append(block.path("text").asText(""));
            }
        }
        return new ChatResponse(text.toString(), finishReason(r.path("stop_reason").asText(null)), d.name(), r.path("model").asText(d.model()),
                r.path("usage").path("input_tokens").asInt(), r.path("usage").path("output_tokens").asInt(), calls);
    }

    /** Anthropic's {@code stop_reason}: end_turn, stop_sequence, pause_turn, max_tokens, tool_use, refusal ... */
    @Override
    protected String finishReason(String reason) {
        return switch (reason == null ? "" : reason) {
            case "max_tokens", "model_context_window_exceeded" -> ChatResponse.LENGTH;
            case "tool_use" -> ChatResponse.TOOL_CALLS;
            case "refusal" -> ChatResponse.CONTENT_FILTER;
            default -> ChatResponse.STOP; // end_turn, stop_sequence, pause_turn, none
        };
    }

    /** The block index marker of the JSON-mode tool. */
    private static final int JSON_ANSWER = -1;

    @Override
    protected ChatResponse onEvent(Deployment d, String event, JsonNode data, StreamState state, StreamListener listener) {
        String type = event != null ? event : data.path("type").asText();
        switch (type) {
            case "message_start" -> state.promptTokens = data.path("message").path("usage").path("input_tokens").asInt();
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                if (block.path("type").asText().equals("tool_use") && block.path("name").asText().equals(JSON_TOOL)) {
                    state.toolByBlock.put(data.path("index").asInt(), JSON_ANSWER); // its input streams as the content
                } else if (block.path("type").asText().equals("tool_use")) {
                    int index = state.toolCount();
                    state.toolByBlock.put(data.path("index").asInt(), index);
                    listener.toolCall(index, block.path("id").asText(), block.path("name").asText(), "");
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = data.path("delta");
                if (delta.path("type").asText().equals("input_json_delta")) {
                    Integer index = state.toolByBlock.get(data.path("index").asInt());
                    if (index == null) {
                        throw new ProviderException(d.name() + ": input_json_delta for a block that is not a tool_use", 502, true, 0, null);
                    }
                    String partial = delta.path("partial_json").asText("");
                    if (partial.isEmpty()) {
                        break;
                    }
                    if (index == JSON_ANSWER) {
                        state.jsonAnswer = true;
                        listener.token(partial);
                    } else {
                        listener.toolCall(index, null, null, partial);
                    }
                } else if (state.request.responseFormat() == null) { // in JSON mode only the tool's input is the answer
                    String text = delta.path("text").asText("");
                    if (!text.isEmpty()) {
                        listener.token(text);
                    }
                }
            }
            case "message_delta" -> {
                state.finishReason = data.path("delta").path("stop_reason").asText(null);
                if (state.jsonAnswer && "tool_use".equals(state.finishReason)) {
                    state.finishReason = "end_turn"; // the JSON answer is complete: a stop, not a tool call
                }
                state.completionTokens = data.path("usage").path("output_tokens").asInt();
            }
            case "message_stop" -> {
                return finish(d, state);
            }
            case "error" -> {
                String kind = data.path("error").path("type").asText("error");
                throw new ProviderException(d.name() + ": " + kind + ": " + data.path("error").path("message").asText(),
                        kind.equals("overloaded_error") ? 529 : 502, true, 0, null);
            }
            default -> {
            }
        }
        return null;
    }
}
