package io.headroom.llm.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.http.HttpProvider;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Anthropic Messages: POST {endpoint}/v1/messages with x-api-key and anthropic-version; system messages go in the
 * top-level {@code system} field; streaming as named SSE events (content_block_delta text, message_delta stop reason
 * and usage, message_stop; an {@code error} event is a failure, e.g. overloaded_error).
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

    @Override
    protected JsonNode body(Deployment d, ChatRequest request, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", d.model()).put("max_tokens", request.maxTokens()).put("stream", stream);
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        StringBuilder system = new StringBuilder();
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            if (m.role().equals("system")) {
                system.append(system.length() == 0 ? "" : "\n").append(m.content());
            } else {
                messages.addObject().put("role", m.role()).put("content", m.content());
            }
        }
        if (system.length() > 0) {
            body.put("system", system.toString());
        }
        return body;
    }

    @Override
    protected ChatResponse parse(Deployment d, JsonNode r) {
        JsonNode content = r.path("content");
        if (!content.isArray() || content.isEmpty()) {
            throw new ProviderException(d.name() + ": response has no content blocks", 502, true, 0, null);
        }
        StringBuilder text = new StringBuilder();
        content.forEach(block -> text.append(block.path("text").asText("")));
        return new ChatResponse(text.toString(), finishReason(r.path("stop_reason").asText(null)), d.name(), r.path("model").asText(d.model()),
                r.path("usage").path("input_tokens").asInt(), r.path("usage").path("output_tokens").asInt());
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
            case "content_block_delta" -> {
                String text = data.path("delta").path("text").asText("");
                if (!text.isEmpty()) {
                    listener.token(text);
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
