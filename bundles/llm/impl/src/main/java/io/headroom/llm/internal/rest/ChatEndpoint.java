package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.ToolCall;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /api/llm/v1/chat/completions served directly by the REST host, the gateway's hot path: the request is read
 * with a streaming JSON parser into the router's request ({@link ChatBodyReader}) and the answer written with a streaming generator, without
 * JAX-RS dispatch or JSON trees (they cost more CPU than the router and the provider call together). Same contract
 * as {@link LlmResource#chat}, which serves the path whenever this endpoint is not registered.
 */
@Component(service = DirectEndpoint.class, property = DirectEndpoint.PATH + "=/llm/v1/chat/completions")
public final class ChatEndpoint implements DirectEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ChatEndpoint.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final LlmRouter router;

    @Activate
    public ChatEndpoint(@Reference LlmRouter router) {
        this.router = router;
    }

    /**
     * Serves the call; a refusal is answered in OpenAI's error envelope ({@code {"error":{"message","type","param","code"}}},
     * with Retry-After where it applies), which OpenAI SDKs branch on.
     */
    @Override
    public void serve(Caller caller, Exchange exchange) throws IOException {
        ErrorEnvelope.answerOrError(exchange, () -> answer(caller, exchange));
    }

    private void answer(Caller caller, Exchange exchange) throws IOException {
        String timeoutHeader = exchange.header("X-Headroom-Timeout-Ms");
        Duration timeout = LlmResource.timeout(timeoutHeader == null ? null : parseTimeout(timeoutHeader));
        ChatBodyReader.Body body = ChatBodyReader.read(exchange.body());
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
            if (r.choicesJson() != null) { // n or logprobs: the OpenAI-compatible server's own choices, as it sent them
                g.writeFieldName("choices");
                g.writeRawValue(r.choicesJson());
            } else {
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
            }
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
        } catch (UncheckedIOException e) {
            // the client went away: the adapter closed the upstream stream, the deployment is not blamed and the
            // call's reservation is released; passed on so the host drops the connection
            LOG.info("LLM stream on route {} ended: the client went away (request {}, tenant {}): {}", route, exchange.requestId(),
                    tenant, e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            throw e;
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
