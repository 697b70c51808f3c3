package io.headroom.llm.openai.internal;

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
 * OpenAI Chat Completions and every server that speaks it (Azure OpenAI, vLLM, Ollama, ...): POST {endpoint}/chat/completions
 * with a Bearer key; streaming as SSE {@code data:} chunks with {@code choices[0].delta.content}, ended by {@code [DONE]}.
 */
@Component(service = ProviderAdapter.class, property = ProviderAdapter.PROVIDER + "=openai")
public final class OpenAiAdapter extends HttpProvider {
    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    protected String path() {
        return "/chat/completions";
    }

    @Override
    protected Map<String, String> headers(Deployment d) {
        return d.apiKey() == null || d.apiKey().isBlank() ? Map.of() : Map.of("Authorization", "Bearer " + d.apiKey());
    }

    @Override
    protected JsonNode body(Deployment d, ChatRequest request, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", d.model()).put("max_tokens", request.maxTokens()).put("stream", stream);
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        if (stream) {
            body.putObject("stream_options").put("include_usage", true);
        }
        return body;
    }

    @Override
    protected ChatResponse parse(Deployment d, JsonNode r) {
        JsonNode choice = r.path("choices").path(0);
        if (!choice.path("message").has("content")) {
            throw new ProviderException(d.name() + ": response has no choices[0].message.content", 502, true, 0, null);
        }
        JsonNode usage = r.path("usage");
        return new ChatResponse(choice.path("message").path("content").asText(), finishReason(choice.path("finish_reason").asText(null)),
                d.name(), r.path("model").asText(d.model()), usage.path("prompt_tokens").asInt(), usage.path("completion_tokens").asInt());
    }

    /**
     * OpenAI's own terms pass through; {@code function_call} is the deprecated name of {@code tool_calls}. Compatible
     * servers that invent others (or send none) are taken as a normal end.
     */
    @Override
    protected String finishReason(String reason) {
        return switch (reason == null ? "" : reason) {
            case ChatResponse.LENGTH, ChatResponse.TOOL_CALLS, ChatResponse.CONTENT_FILTER -> reason;
            case "function_call" -> ChatResponse.TOOL_CALLS;
            default -> ChatResponse.STOP;
        };
    }

    @Override
    protected ChatResponse onEvent(Deployment d, String event, JsonNode data, StreamState state, StreamListener listener) {
        if (data.has("error")) {
            throw new ProviderException(d.name() + ": " + data.path("error").path("message").asText("error event"), 502, true, 0, null);
        }
        JsonNode choice = data.path("choices").path(0);
        String text = choice.path("delta").path("content").asText("");
        if (!text.isEmpty()) {
            listener.token(text);
        }
        if (choice.hasNonNull("finish_reason")) {
            state.finishReason = choice.get("finish_reason").asText();
        }
        if (data.hasNonNull("usage")) {
            state.promptTokens = data.path("usage").path("prompt_tokens").asInt();
            state.completionTokens = data.path("usage").path("completion_tokens").asInt();
        }
        return null; // ends at [DONE]
    }
}
