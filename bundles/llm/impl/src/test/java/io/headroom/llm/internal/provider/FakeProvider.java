package io.headroom.llm.internal.provider;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server speaking the OpenAI Chat Completions or Anthropic Messages wire format, with faults queued per
 * request: an error status with a provider-style error body and Retry-After, a slow answer, a stream cut after some
 * tokens, a malformed body, an error event mid-stream.
 */
public final class FakeProvider implements AutoCloseable {
    /** What the next request gets. */
    public record Behaviour(int status, String retryAfter, long delayMillis, int cutAfterTokens, boolean malformed, boolean errorEvent) {
        public static Behaviour ok() {
            return new Behaviour(200, null, 0, -1, false, false);
        }

        public static Behaviour error(int status, String retryAfter) {
            return new Behaviour(status, retryAfter, 0, -1, false, false);
        }

        public static Behaviour slow(long millis) {
            return new Behaviour(200, null, millis, -1, false, false);
        }

        public static Behaviour cut(int tokens) {
            return new Behaviour(200, null, 0, tokens, false, false);
        }

        public static Behaviour malformedBody() {
            return new Behaviour(200, null, 0, -1, true, false);
        }

        public static Behaviour errorEventMidStream() {
            return new Behaviour(200, null, 0, 2, false, true);
        }
    }

    public static final String[] TOKENS = {"Hello", ", ", "world", "!"};

    private final boolean anthropic;
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Behaviour> script = new ConcurrentLinkedQueue<>();
    private volatile Behaviour fallback = Behaviour.ok();
    public final AtomicInteger requests = new AtomicInteger();
    public volatile String lastBody;
    public volatile String lastAuth;

    private FakeProvider(boolean anthropic) throws IOException {
        this.anthropic = anthropic;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext(anthropic ? "/v1/messages" : "/chat/completions", this::handle);
        server.start();
    }

    public static FakeProvider openAi() throws IOException {
        return new FakeProvider(false);
    }

    public static FakeProvider anthropic() throws IOException {
        return new FakeProvider(true);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues behaviours for the next requests; afterwards {@link #always} applies. */
    public FakeProvider then(Behaviour... behaviours) {
        script.addAll(List.of(behaviours));
        return this;
    }

    public FakeProvider always(Behaviour b) {
        fallback = b;
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        lastBody = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        lastAuth = anthropic ? ex.getRequestHeaders().getFirst("x-api-key") : ex.getRequestHeaders().getFirst("Authorization");
        Behaviour b = script.poll();
        if (b == null) {
            b = fallback;
        }
        try {
            Thread.sleep(b.delayMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean stream = lastBody.contains("\"stream\":true");
        if (b.status() != 200) {
            if (b.retryAfter() != null) {
                ex.getResponseHeaders().add("Retry-After", b.retryAfter());
            }
            String body = anthropic
                    ? "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"
                    : "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_exceeded\"}}";
            send(ex, b.status(), "application/json", body);
            return;
        }
        if (b.malformed()) {
            send(ex, 200, "application/json", "{\"choices\": [ this is not json");
            return;
        }
        if (!stream) {
            String body = anthropic
                    ? "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[{\"type\":\"text\",\"text\":\"Hello, world!\"}],"
                            + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":12,\"output_tokens\":4}}"
                    : "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-test\",\"choices\":[{\"index\":0,"
                            + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello, world!\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}";
            send(ex, 200, "application/json", body);
            return;
        }
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            if (anthropic) {
                event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12}}}");
            }
            for (int i = 0; i < TOKENS.length; i++) {
                if (i == b.cutAfterTokens()) {
                    if (b.errorEvent()) {
                        if (anthropic) {
                            event(out, "error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
                        } else {
                            event(out, null, "{\"error\":{\"message\":\"server overloaded\"}}");
                        }
                    }
                    return; // the connection ends mid-answer
                }
                event(out, anthropic ? "content_block_delta" : null, anthropic
                        ? "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + TOKENS[i] + "\"}}"
                        : "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + TOKENS[i] + "\"},\"finish_reason\":null}]}");
            }
            if (anthropic) {
                event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}");
                event(out, "message_stop", "{\"type\":\"message_stop\"}");
            } else {
                event(out, null, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4}}");
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void event(OutputStream out, String name, String data) throws IOException {
        String e = (name == null ? "" : "event: " + name + "\n") + "data: " + data + "\n\n";
        out.write(e.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
