package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponseFormat;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * POST /api/llm/v1/chat/completions served directly by the REST host, the gateway's hot path: the request is read
 * with a streaming JSON parser into the router's request and the answer written with a streaming generator, without
 * JAX-RS dispatch or JSON trees (they cost more CPU than the router and the provider call together). Same contract
 * as {@link LlmResource#chat}, which serves the path whenever this endpoint is not registered.
 */
@Component(service = DirectEndpoint.class, property = DirectEndpoint.PATH + "=/llm/v1/chat/completions")
public final class ChatEndpoint implements DirectEndpoint {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();
    /** The fields read into the request's own components; every other one is a parameter passed on as it is. */
    private static final Set<String> OWN = Set.of("model", "messages", "max_tokens", "temperature", "stream",
            "stream_options", "tools", "tool_choice", "response_format");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final LlmRouter router;

    @Activate
    public ChatEndpoint(@Reference LlmRouter router) {
        this.router = router;
    }

    /** What the request body says, before validation into a {@link ChatRequest}. */
    static final class Body {
        String model;
        List<ChatMessage> messages;
        Integer maxTokens;
        Integer maxCompletionTokens;
        Double temperature;
        boolean stream;
        boolean includeUsage;
        List<Tool> tools;
        String toolChoice;
        ResponseFormat responseFormat;
        final Map<String, String> parameters = new LinkedHashMap<>();

        /** The router's request; a refusal names what is wrong. */
        ChatRequest request() {
            if (model == null || model.isEmpty()) {
                throw ProblemException.badRequest("'model' (a route name) is required");
            }
            if (messages == null || messages.isEmpty()) {
                throw ProblemException.badRequest("'messages' must be a non-empty array");
            }
            try {
                return new ChatRequest(messages, maxTokens != null ? maxTokens : maxCompletionTokens != null ? maxCompletionTokens : 1024,
                        temperature, tools, toolChoice, responseFormat, parameters);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
    }

    /**
     * Serves the call; a refusal is answered in OpenAI's error envelope ({@code {"error":{"message","type","param","code"}}},
     * with Retry-After where it applies), which OpenAI SDKs branch on.
     */
    @Override
    public void serve(Caller caller, Exchange exchange) throws IOException {
        answerOrError(exchange, () -> answer(caller, exchange));
    }

    /** What an endpoint of the gateway does to answer; refusals are ProblemExceptions or bad tenant ids. */
    interface Answer {
        void run() throws IOException;
    }

    /** Runs {@code answer}; a refusal it throws becomes OpenAI's error envelope (every endpoint of the gateway). */
    static void answerOrError(Exchange exchange, Answer answer) throws IOException {
        try {
            answer.run();
        } catch (ProblemException e) {
            error(exchange, e.status(), e.detail(), e.retryAfterSeconds());
        } catch (InvalidTenantIdException e) {
            error(exchange, 400, e.getMessage(), null);
        }
    }

    /** OpenAI's error envelope, with OpenAI's types and codes for the statuses the gateway answers. */
    static void error(Exchange exchange, int status, String message, Integer retryAfterSeconds) throws IOException {
        String type;
        String code;
        if (status == 429) {
            boolean budget = message != null && message.contains("budget");
            type = budget ? "insufficient_quota" : "rate_limit_error";
            code = budget ? "insufficient_quota" : "rate_limit_exceeded";
        } else if (status >= 500) {
            type = "server_error";
            code = status == 503 ? "service_unavailable" : null;
        } else {
            type = "invalid_request_error";
            code = message != null && message.startsWith("no route named") ? "model_not_found" : null;
        }
        exchange.status(status);
        if (retryAfterSeconds != null) {
            exchange.header("Retry-After", Integer.toString(retryAfterSeconds));
        }
        try (JsonGenerator g = JSON.createGenerator(exchange.output("application/json"))) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            g.writeNullField("param");
            if (code == null) {
                g.writeNullField("code");
            } else {
                g.writeStringField("code", code);
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private void answer(Caller caller, Exchange exchange) throws IOException {
        String timeoutHeader = exchange.header("X-Headroom-Timeout-Ms");
        Duration timeout = LlmResource.timeout(timeoutHeader == null ? null : parseTimeout(timeoutHeader));
        Body body = read(exchange.body());
        ChatRequest request = body.request();
        TenantId tenant = tenant(caller, exchange);
        Priority priority = LlmResource.priority(exchange.header("X-Headroom-Priority"));
        String id = "chatcmpl-" + randomId();
        String route = body.model;
        if (body.stream) {
            stream(exchange, id, route, tenant, priority, request, timeout, body.includeUsage, Caller.TENANT.equals(caller.role()));
            return;
        }
        ChatResponse r;
        try {
            r = router.complete(tenant, priority, route, request, timeout);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw LlmResource.problem(e, Caller.TENANT.equals(caller.role()));
        }
        exchange.status(200);
        if (!Caller.TENANT.equals(caller.role())) { // deployment names are for operators and platform tokens
            exchange.header("X-Headroom-Deployment", r.deployment());
        }
        OutputStream out = exchange.output("application/json");
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion");
            g.writeNumberField("created", System.currentTimeMillis() / 1000);
            g.writeStringField("model", route);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeStringField("finish_reason", r.finishReason());
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            if (r.content().isEmpty() && !r.toolCalls().isEmpty()) {
                g.writeNullField("content");
            } else {
                g.writeStringField("content", r.content());
            }
            if (!r.toolCalls().isEmpty()) {
                g.writeArrayFieldStart("tool_calls");
                for (ToolCall c : r.toolCalls()) {
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
            g.writeNullField("refusal");
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("completion_tokens", r.completionTokens());
            g.writeNumberField("total_tokens", r.promptTokens() + r.completionTokens());
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    /**
     * SSE in OpenAI's chunk format. Nothing is sent before the first token: a call refused or failed before it gets a
     * real status (429 with Retry-After, 503, 400) in the error envelope, not a 200 with an error event. The first
     * chunk carries the role; tool calls stream as {@code delta.tool_calls} pieces (the first with the call's id, type
     * and name, the next with argument fragments, all with the call's index); with {@code stream_options.include_usage}
     * a last chunk with no choices carries the usage; a failure after it is an error event and no [DONE].
     */
    private void stream(Exchange exchange, String id, String route, TenantId tenant, Priority priority, ChatRequest request,
                        Duration timeout, boolean includeUsage, boolean tenantCaller) throws IOException {
        long created = System.currentTimeMillis() / 1000;
        OutputStream[] out = new OutputStream[1];
        StreamListener writer = new StreamListener() {
            private String deployment;

            @Override
            public void started(String deployment, String model) {
                this.deployment = deployment;
            }

            private void send(String data) {
                try {
                    if (out[0] == null) {
                        exchange.status(200);
                        exchange.header("Cache-Control", "no-cache");
                        if (!tenantCaller && deployment != null) { // deployment names are for operators and platform tokens
                            exchange.header("X-Headroom-Deployment", deployment);
                        }
                        out[0] = exchange.output("text/event-stream");
                        ChatEndpoint.event(out[0], chunk(id, created, route, g -> {
                            g.writeStringField("role", "assistant");
                            g.writeStringField("content", "");
                        }, null));
                    }
                    ChatEndpoint.event(out[0], data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // the client went away
                }
            }

            @Override
            public void token(String text) {
                send(chunk(id, created, route, g -> g.writeStringField("content", text), null));
            }

            @Override
            public void toolCall(int index, String callId, String name, String arguments) {
                send(chunk(id, created, route, g -> {
                    g.writeArrayFieldStart("tool_calls");
                    g.writeStartObject();
                    g.writeNumberField("index", index);
                    if (callId != null) {
                        g.writeStringField("id", callId);
                        g.writeStringField("type", "function");
                    }
                    g.writeObjectFieldStart("function");
                    if (name != null) {
                        g.writeStringField("name", name);
                    }
                    g.writeStringField("arguments", arguments == null ? "" : arguments);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                }, null));
            }

            @Override
            public void completed(ChatResponse response) {
                send(chunk(id, created, route, g -> { }, response.finishReason()));
                if (includeUsage) {
                    send(usageChunk(id, created, route, response));
                }
                send("[DONE]");
            }

            @Override
            public void failed(ProviderException error) {
                send("{\"error\":{\"message\":" + quoted("the answer was cut off: " + LlmResource.message(error, tenantCaller))
                        + ",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
            }
        };
        try {
            router.stream(tenant, priority, route, request, timeout, writer);
        } catch (ProviderException | IllegalArgumentException e) {
            if (out[0] == null) {
                throw e instanceof ProviderException p ? LlmResource.problem(p, tenantCaller) : ProblemException.badRequest(e.getMessage());
            }
            writer.failed(e instanceof ProviderException p ? p : new ProviderException(e.getMessage(), 400, false, 0, e));
        }
    }

    @FunctionalInterface
    private interface Delta {
        void write(JsonGenerator g) throws IOException;
    }

    private static String chunk(String id, long created, String route, Delta delta, String finishReason) {
        java.io.StringWriter w = new java.io.StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion.chunk");
            g.writeNumberField("created", created);
            g.writeStringField("model", route);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            delta.write(g);
            g.writeEndObject();
            if (finishReason == null) {
                g.writeNullField("finish_reason");
            } else {
                g.writeStringField("finish_reason", finishReason);
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String usageChunk(String id, long created, String route, ChatResponse r) {
        java.io.StringWriter w = new java.io.StringWriter(200);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion.chunk");
            g.writeNumberField("created", created);
            g.writeStringField("model", route);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("completion_tokens", r.completionTokens());
            g.writeNumberField("total_tokens", r.promptTokens() + r.completionTokens());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String quoted(String text) {
        java.io.StringWriter w = new java.io.StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The tenant a call is made for: a tenant token's own, else X-Headroom-Tenant, else none (platform scope). */
    static TenantId tenant(Caller caller, Exchange exchange) {
        return caller.tenantScope().orElseGet(() -> {
            String h = exchange.header("X-Headroom-Tenant");
            return h == null || h.isBlank() ? null : TenantId.of(h);
        });
    }

    /** X-Headroom-Timeout-Ms, or the default wait. */
    static Duration timeout(Exchange exchange) {
        String timeoutHeader = exchange.header("X-Headroom-Timeout-Ms");
        return LlmResource.timeout(timeoutHeader == null ? null : parseTimeout(timeoutHeader));
    }

    private static long parseTimeout(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("X-Headroom-Timeout-Ms must be 1-600000");
        }
    }

    /**
     * Reads an OpenAI Chat Completions body: messages (text or content parts, developer, tool calls and tool
     * results), tools, tool_choice, response_format, stream_options; every other field (stop, seed, top_p,
     * max_completion_tokens, unknown ones ...) is kept as JSON text for the adapters, which honour it or say they cannot.
     */
    static Body read(InputStream in) throws IOException {
        Body b = new Body();
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest("the body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "model" -> b.model = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "messages" -> b.messages = messages(p, t);
                    case "max_tokens" -> b.maxTokens = integer(p, t, field);
                    case "temperature" -> b.temperature = t == JsonToken.VALUE_NULL ? null : number(p, t, field);
                    case "stream" -> b.stream = t == JsonToken.VALUE_TRUE;
                    case "stream_options" -> b.includeUsage = p.<JsonNode>readValueAsTree().path("include_usage").asBoolean(false);
                    case "tools" -> b.tools = tools(p.readValueAsTree());
                    case "tool_choice" -> b.toolChoice = toolChoice(p.readValueAsTree());
                    case "response_format" -> b.responseFormat = responseFormat(p.readValueAsTree());
                    default -> {
                        if (field.equals("max_completion_tokens")) {
                            b.maxCompletionTokens = integer(p, t, field);
                            b.parameters.put(field, b.maxCompletionTokens == null ? "null" : b.maxCompletionTokens.toString());
                        } else {
                            b.parameters.put(field, p.readValueAsTree().toString());
                        }
                    }
                }
            }
        } catch (JsonParseException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
        return b;
    }

    /** The same request read from a JSON tree (the JAX-RS path). */
    static Body read(JsonNode body) throws IOException {
        return read(new java.io.ByteArrayInputStream(MAPPER.writeValueAsBytes(body)));
    }

    private static List<Tool> tools(JsonNode tools) {
        if (tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw ProblemException.badRequest("'tools' must be an array of {\"type\":\"function\",\"function\":{...}}");
        }
        List<Tool> out = new ArrayList<>();
        for (JsonNode t : tools) {
            JsonNode f = t.path("function");
            if (!t.path("type").asText("function").equals("function") || !f.path("name").isTextual()) {
                throw ProblemException.badRequest("each tool must be {\"type\":\"function\",\"function\":{\"name\":...}}; other tool types are not supported");
            }
            try {
                out.add(new Tool(f.get("name").asText(), f.hasNonNull("description") ? f.get("description").asText() : null,
                        f.hasNonNull("parameters") ? f.get("parameters").toString() : null,
                        f.hasNonNull("strict") ? f.get("strict").asBoolean() : null));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static String toolChoice(JsonNode choice) {
        if (choice.isNull()) {
            return null;
        }
        if (choice.isTextual() && ChatRequest.TOOL_CHOICE_MODES.contains(choice.asText())) {
            return choice.asText();
        }
        if (choice.path("function").path("name").isTextual()) {
            return choice.path("function").path("name").asText();
        }
        throw ProblemException.badRequest("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }

    private static ResponseFormat responseFormat(JsonNode format) {
        String type = format.path("type").asText("");
        if (format.isNull() || type.equals("text")) {
            return null;
        }
        JsonNode schema = format.path("json_schema");
        try {
            return new ResponseFormat(type, schema.path("name").asText(null),
                    schema.hasNonNull("schema") ? schema.get("schema").toString() : null,
                    schema.hasNonNull("strict") ? schema.get("strict").asBoolean() : null);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static List<ChatMessage> messages(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw ProblemException.badRequest("'messages' must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest("each message needs a 'role' and a 'content'");
            }
            String role = null;
            String content = null;
            List<ContentPart> parts = null;
            List<ToolCall> calls = null;
            String toolCallId = null;
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "role" -> role = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "content" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            content = p.getText();
                        } else if (v == JsonToken.START_ARRAY) {
                            parts = parts(p.readValueAsTree());
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw ProblemException.badRequest("a message's 'content' is text, an array of content parts or null");
                        }
                    }
                    case "tool_calls" -> calls = toolCalls(p.readValueAsTree());
                    case "tool_call_id" -> toolCallId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "name" -> name = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
            if (role == null) {
                throw ProblemException.badRequest("each message needs a 'role' and a 'content'");
            }
            try {
                out.add(new ChatMessage(role, content, parts, calls, toolCallId, name));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static List<ContentPart> parts(JsonNode parts) {
        List<ContentPart> out = new ArrayList<>();
        for (JsonNode part : parts) {
            String type = part.path("type").asText("");
            try {
                switch (type) {
                    case "text" -> out.add(ContentPart.text(part.path("text").asText(null)));
                    case "image_url" -> {
                        JsonNode image = part.path("image_url");
                        String url = image.isTextual() ? image.asText() : image.path("url").asText(null);
                        out.add(ContentPart.image(url, image.hasNonNull("detail") ? image.get("detail").asText() : null));
                    }
                    default -> throw ProblemException.badRequest("content part type '" + type
                            + "' is not supported (text and image_url are)");
                }
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static List<ToolCall> toolCalls(JsonNode calls) {
        if (calls.isNull()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            JsonNode f = c.path("function");
            if (!c.path("id").isTextual() || !f.path("name").isTextual()) {
                throw ProblemException.badRequest("each tool call needs an 'id' and a function 'name'");
            }
            out.add(new ToolCall(c.get("id").asText(), f.get("name").asText(), f.path("arguments").asText("{}")));
        }
        return out;
    }

    private static Integer integer(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw ProblemException.badRequest("'" + field + "' must be a whole number");
        }
        return p.getIntValue();
    }

    private static Double number(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw ProblemException.badRequest("'" + field + "' must be a number");
        }
        return p.getDoubleValue();
    }

    /** 128 random bits in hex, without SecureRandom's lock. */
    private static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[32];
        for (int half = 0; half < 2; half++) {
            long bits = r.nextLong();
            for (int i = 0; i < 16; i++) {
                id[half * 16 + i] = HEX[(int) (bits >>> (60 - 4 * i)) & 0xf];
            }
        }
        return new String(id);
    }
}
