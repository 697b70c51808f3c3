package io.headroom.llm.openai.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponseFormat;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.http.HttpProvider;
import io.headroom.llm.http.ResponsesPassThrough;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * OpenAI Chat Completions and every server that speaks it (Azure OpenAI, vLLM, Ollama, ...): POST {endpoint}/chat/completions
 * with a Bearer key; streaming as SSE {@code data:} chunks with {@code choices[0].delta.content} and
 * {@code delta.tool_calls}, ended by {@code [DONE]}. The request is OpenAI's own: messages (developer role, content
 * parts, tool calls and results), tools, tool_choice, response_format and every other parameter the client sent
 * (unknown ones included) pass as they are; {@code max_completion_tokens} is sent as itself, not as max_tokens, and a
 * request that sets neither gets neither (the model's own default, as when the client calls the server directly).
 * Deployments set to serve the Responses API get Responses calls passed through to {endpoint}/responses.
 */
@Component(service = ProviderAdapter.class, property = ProviderAdapter.PROVIDER + "=openai")
public final class OpenAiAdapter extends HttpProvider {
    private final ResponsesPassThrough responses = new ResponsesPassThrough(this);

    @Deactivate
    void deactivate() {
        close();
    }

    /** OpenAI and the compatible servers that serve {@code /responses} (the operator says which, per deployment). */
    @Override
    public boolean servesResponses(Deployment d) {
        return true;
    }

    @Override
    public ResponsesAnswer respond(Deployment d, ResponsesRequest request) {
        return responses.respond(d, request);
    }

    @Override
    public void streamResponses(Deployment d, ResponsesRequest request, StreamListener listener) {
        responses.stream(d, request, listener);
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
        ObjectNode body = JSON.createObjectNode().put("model", d.model());
        if (!request.defaultMaxTokens() && request.parameter("max_completion_tokens") == null) { // none set: the model's default
            body.put("max_tokens", request.maxTokens());
        }
        body.put("stream", stream);
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.add(message(m));
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (Tool t : request.tools()) {
                ObjectNode f = tools.addObject().put("type", "function").putObject("function").put("name", t.name());
                if (t.description() != null) {
                    f.put("description", t.description());
                }
                if (t.parameters() != null) {
                    f.set("parameters", json(t.parameters()));
                }
                if (t.strict() != null) {
                    f.put("strict", t.strict());
                }
            }
        }
        if (request.toolChoice() != null) {
            if (request.forcedTool() == null) {
                body.put("tool_choice", request.toolChoice());
            } else {
                body.putObject("tool_choice").put("type", "function").putObject("function").put("name", request.forcedTool());
            }
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            ObjectNode f = body.putObject("response_format").put("type", format.type());
            if (format.type().equals(ResponseFormat.JSON_SCHEMA)) {
                ObjectNode schema = f.putObject("json_schema").put("name", format.name());
                schema.set("schema", json(format.schema()));
                if (format.strict() != null) {
                    schema.put("strict", format.strict());
                }
            }
        }
        request.parameters().forEach((name, value) -> {
            if (!body.has(name)) {
                body.set(name, json(value));
            }
        });
        if (stream) {
            body.putObject("stream_options").put("include_usage", true); // the gateway accounts every call's tokens
        }
        return body;
    }

    /**
     * A request without tools, response format or other parameters (the common case) is written straight out with a
     * streaming generator, the same body {@link #body} builds as a tree; the others go through the tree, which also
     * checks the JSON text of their parameters and schemas.
     */
    @Override
    protected byte[] bodyBytes(Deployment d, ChatRequest request, boolean stream) throws IOException {
        if (!request.parameters().isEmpty() || !request.tools().isEmpty() || request.responseFormat() != null
                || request.toolChoice() != null) {
            return super.bodyBytes(d, request, stream);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", d.model());
            if (!request.defaultMaxTokens()) {
                g.writeNumberField("max_tokens", request.maxTokens());
            }
            g.writeBooleanField("stream", stream);
            if (request.temperature() != null) {
                g.writeNumberField("temperature", request.temperature());
            }
            g.writeArrayFieldStart("messages");
            for (ChatMessage m : request.messages()) {
                write(g, m);
            }
            g.writeEndArray();
            if (stream) {
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** One message as {@link #message} builds it. */
    private static void write(JsonGenerator g, ChatMessage m) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", m.role());
        if (m.parts().isEmpty()) {
            if (m.content() == null || m.content().isEmpty() && !m.toolCalls().isEmpty()) {
                g.writeNullField("content");
            } else {
                g.writeStringField("content", m.content());
            }
        } else {
            g.writeArrayFieldStart("content");
            for (ContentPart p : m.parts()) {
                g.writeStartObject();
                if (p.isImage()) {
                    g.writeStringField("type", "image_url");
                    g.writeObjectFieldStart("image_url");
                    g.writeStringField("url", p.url());
                    if (p.detail() != null) {
                        g.writeStringField("detail", p.detail());
                    }
                    g.writeEndObject();
                } else {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", p.text());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (!m.toolCalls().isEmpty()) {
            g.writeArrayFieldStart("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("id", c.id());
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", c.name());
                g.writeStringField("arguments", c.arguments());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (m.toolCallId() != null) {
            g.writeStringField("tool_call_id", m.toolCallId());
        }
        if (m.name() != null) {
            g.writeStringField("name", m.name());
        }
        g.writeEndObject();
    }

    private static ObjectNode message(ChatMessage m) {
        ObjectNode o = JSON.createObjectNode().put("role", m.role());
        if (m.parts().isEmpty()) {
            if (m.content() == null || m.content().isEmpty() && !m.toolCalls().isEmpty()) {
                o.putNull("content");
            } else {
                o.put("content", m.content());
            }
        } else {
            ArrayNode parts = o.putArray("content");
            for (ContentPart p : m.parts()) {
                if (p.isImage()) {
                    ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url").put("url", p.url());
                    if (p.detail() != null) {
                        image.put("detail", p.detail());
                    }
                } else {
                    parts.addObject().put("type", "text").put("text", p.text());
                }
            }
        }
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = o.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                calls.addObject().put("id", c.id()).put("type", "function").putObject("function")
                        .put("name", c.name()).put("arguments", c.arguments());
            }
        }
        if (m.toolCallId() != null) {
            o.put("tool_call_id", m.toolCallId());
        }
        if (m.name() != null) {
            o.put("name", m.name());
        }
        return o;
    }

    /**
     * Every parameter passes as sent, {@code n} above 1 and {@code logprobs} included: a complete answer then comes
     * back with the server's own choices ({@link ChatResponse#choicesJson}). A stream has room for one choice and no
     * log probabilities, so {@link #stream} refuses them (the REST endpoint refuses such a stream before routing it).
     */
    @Override
    public List<String> unsupported(Deployment d, ChatRequest request) {
        return List.of();
    }

    /** The parameter a stream cannot carry (several choices, log probabilities), or null. */
    static String notStreamable(ChatRequest request) {
        String n = request.parameter("n");
        if (n != null && !n.equals("1")) {
            return "n";
        }
        if ("true".equals(request.parameter("logprobs"))) {
            return "logprobs";
        }
        return request.parameter("top_logprobs") != null ? "top_logprobs" : null;
    }

    @Override
    public void stream(Deployment d, ChatRequest request, StreamListener listener) {
        String refused = notStreamable(request);
        if (refused != null) {
            throw new ProviderException("'" + refused + "' is answered only without streaming", 400, false, 0, null,
                    ProviderException.UNSUPPORTED_PARAMETER, refused);
        }
        super.stream(d, request, listener);
    }

    /** Embeddings: POST {endpoint}/embeddings with the inputs, dimensions and every other parameter as sent. */
    @Override
    public List<String> unsupported(Deployment d, EmbeddingRequest request) {
        return List.of();
    }

    @Override
    public EmbeddingResponse embed(Deployment d, EmbeddingRequest request) {
        ObjectNode body = JSON.createObjectNode().put("model", d.model());
        ArrayNode input = body.putArray("input");
        request.inputs().forEach(input::add);
        if (request.dimensions() != null) {
            body.put("dimensions", request.dimensions());
        }
        request.parameters().forEach((name, value) -> {
            if (!body.has(name)) {
                body.set(name, json(value));
            }
        });
        body.put("encoding_format", "float"); // the gateway encodes for its client
        JsonNode r = post(d, "/embeddings", body);
        JsonNode data = r.path("data");
        if (!data.isArray() || data.size() != request.inputs().size()) {
            throw new ProviderException(d.name() + ": expected " + request.inputs().size() + " embeddings, got "
                    + (data.isArray() ? data.size() : "none"), 502, true, 0, null);
        }
        float[][] vectors = new float[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode e = data.get(i);
            int index = e.path("index").asInt(i);
            JsonNode values = e.path("embedding");
            if (index < 0 || index >= vectors.length || !values.isArray() || vectors[index] != null) {
                throw new ProviderException(d.name() + ": malformed embeddings response", 502, true, 0, null);
            }
            float[] v = new float[values.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) values.get(j).asDouble();
            }
            vectors[index] = v;
        }
        return new EmbeddingResponse(List.of(vectors), d.name(), r.path("model").asText(d.model()),
                r.path("usage").path("prompt_tokens").asInt());
    }

    /**
     * The answer read with a streaming parser into what {@link #parse(Deployment, JsonNode)} reads from a tree (the
     * gateway's hot path): the model, the first choice's message content, tool calls and finish reason, the usage.
     */
    @Override
    protected ChatResponse parse(Deployment d, byte[] body) throws IOException {
        String model = null;
        String content = null;
        boolean hasContent = false;
        String finish = null;
        int prompt = 0;
        int completion = 0;
        List<ToolCall> calls = new ArrayList<>();
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the answer is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                if (field.equals("model") && t == JsonToken.VALUE_STRING) {
                    model = p.getText();
                } else if (field.equals("usage") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String u = p.getCurrentName();
                        JsonToken v = p.nextToken();
                        if (u.equals("prompt_tokens") && v == JsonToken.VALUE_NUMBER_INT) {
                            prompt = p.getIntValue();
                        } else if (u.equals("completion_tokens") && v == JsonToken.VALUE_NUMBER_INT) {
                            completion = p.getIntValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("choices") && t == JsonToken.START_ARRAY) {
                    boolean first = true;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (!first || p.currentToken() != JsonToken.START_OBJECT) {
                            if (!first) {
                                return parse(d, JSON.readTree(body)); // several choices (n): the server's own are the answer
                            }
                            p.skipChildren();
                            continue;
                        }
                        first = false;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String c = p.getCurrentName();
                            JsonToken v = p.nextToken();
                            if (c.equals("finish_reason")) {
                                finish = v == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                                p.skipChildren();
                            } else if (c.equals("logprobs") && v != JsonToken.VALUE_NULL) {
                                return parse(d, JSON.readTree(body)); // log probabilities: the server's own choices carry them
                            } else if (c.equals("message") && v == JsonToken.START_OBJECT) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String m = p.getCurrentName();
                                    JsonToken mv = p.nextToken();
                                    if (m.equals("content")) {
                                        hasContent = true;
                                        content = mv == JsonToken.VALUE_NULL ? "" : mv.isScalarValue() ? p.getText()
                                                : p.<JsonNode>readValueAsTree().asText("");
                                    } else if (m.equals("tool_calls") && mv == JsonToken.START_ARRAY) {
                                        for (JsonNode c2 : p.<JsonNode>readValueAsTree()) {
                                            calls.add(new ToolCall(c2.path("id").asText(), c2.path("function").path("name").asText(),
                                                    c2.path("function").path("arguments").asText("{}")));
                                        }
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (!hasContent && calls.isEmpty()) {
            throw new ProviderException(d.name() + ": response has no choices[0].message.content", 502, true, 0, null);
        }
        return new ChatResponse(content == null ? "" : content, finishReason(finish), d.name(), model == null ? d.model() : model,
                prompt, completion, calls);
    }

    @Override
    protected ChatResponse parse(Deployment d, JsonNode r) {
        JsonNode choice = r.path("choices").path(0);
        JsonNode message = choice.path("message");
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode c : message.path("tool_calls")) {
            calls.add(new ToolCall(c.path("id").asText(), c.path("function").path("name").asText(),
                    c.path("function").path("arguments").asText("{}")));
        }
        if (!message.has("content") && calls.isEmpty()) {
            throw new ProviderException(d.name() + ": response has no choices[0].message.content", 502, true, 0, null);
        }
        JsonNode usage = r.path("usage");
        JsonNode choices = r.path("choices");
        boolean own = choices.size() > 1;
        for (JsonNode c : choices) {
            own |= c.hasNonNull("logprobs");
        }
        return new ChatResponse(message.path("content").isNull() ? "" : message.path("content").asText(""),
                finishReason(choice.path("finish_reason").asText(null)), d.name(), r.path("model").asText(d.model()),
                usage.path("prompt_tokens").asInt(), usage.path("completion_tokens").asInt(), calls, own ? choices.toString() : null);
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
        for (JsonNode c : choice.path("delta").path("tool_calls")) {
            JsonNode f = c.path("function");
            listener.toolCall(c.path("index").asInt(), c.hasNonNull("id") ? c.get("id").asText() : null,
                    f.hasNonNull("name") ? f.get("name").asText() : null, f.hasNonNull("arguments") ? f.get("arguments").asText() : null);
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
