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
 * metadata.user_id, temperature capped at Anthropic's 1. Streaming as named SSE events (content_block_start of a
 * tool_use and input_json_delta become tool-call pieces, text deltas tokens, message_delta the stop reason and usage,
 * message_stop the end; an {@code error} event is a failure, e.g. overloaded_error). Not supported (the router looks
 * for another deployment): response_format, n above 1, seed, penalties, logprobs and other OpenAI-only parameters.
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

    /** OpenAI parameters this adapter maps; any other one the client sent is unsupported here. */
    private static final Set<String> MAPPED = Set.of("stop", "top_p", "user", "metadata", "store", "parallel_tool_calls",
            "max_completion_tokens", "n", "stream_options");

    @Override
    public List<String> unsupported(Deployment d, ChatRequest request) {
        List<String> out = new ArrayList<>();
        request.parameters().forEach((name, value) -> {
            if (!MAPPED.contains(name) && !value.equals("null")
                    || name.equals("n") && !value.equals("1") && !value.equals("null")) {
                out.add(name);
            }
        });
        if (request.responseFormat() != null) {
            out.add("response_format");
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
        if (!request.tools().isEmpty()) { // with tool_choice none too: a conversation with tool_use blocks must define its tools
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

    @Override
    protected ChatResponse onEvent(Deployment d, String event, JsonNode data, StreamState state, StreamListener listener) {
        String type = event != null ? event : data.path("type").asText();
        switch (type) {
            case "message_start" -> state.promptTokens = data.path("message").path("usage").path("input_tokens").asInt();
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                if (block.path("type").asText().equals("tool_use")) {
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
                    if (!partial.isEmpty()) {
                        listener.toolCall(index, null, null, partial);
                    }
                } else {
                    String text = delta.path("text").asText("");
                    if (!text.isEmpty()) {
                        listener.token(text);
                    }
                }
            }
            case "message_delta" -> {
                state.finishReason = data.path("delta").path("stop_reason").asText(null);
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
