package io.headroom.llm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What HTTP providers share: JSON requests with a timeout, classified failures (status, Retry-After, the provider's
 * own error message), and server-sent events read line by line, where anything that goes wrong after the first
 * token ends the stream with an error rather than a short answer. A library, not a bundle: each adapter bundle
 * carries its own private copy of this package, so adapters stay independent bundles that hot-deploy alone.
 */
public abstract class HttpProvider implements ProviderAdapter {
    protected static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The request path below the deployment's endpoint, e.g. /chat/completions. */
    protected abstract String path();

    protected abstract Map<String, String> headers(Deployment d);

    protected abstract JsonNode body(Deployment d, ChatRequest request, boolean stream);

    protected abstract ChatResponse parse(Deployment d, JsonNode response);

    /** The vendor's finish reason (null when it sent none) in OpenAI's terms; see {@link ChatResponse}. */
    protected abstract String finishReason(String vendorReason);

    /** Handles one SSE event; returns the finished response when the stream ends, else null. */
    protected abstract ChatResponse onEvent(Deployment d, String event, JsonNode data, StreamState state, StreamListener listener);

    /** Accumulates a streamed answer. */
    protected static final class StreamState {
        final StringBuilder text = new StringBuilder();
        /** As the vendor sent it. */
        public String finishReason;
        public int promptTokens;
        public int completionTokens;
        boolean started;
    }

    private HttpRequest request(Deployment d, ChatRequest request, boolean stream) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.endpoint() + path()))
                .timeout(Duration.ofMillis(d.timeoutMillis()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(d, request, stream).toString()));
        headers(d).forEach(b::header);
        if (stream) {
            b.header("Accept", "text/event-stream");
        }
        return b.build();
    }

    @Override
    public ChatResponse complete(Deployment d, ChatRequest request) {
        HttpResponse<String> r = send(d, request(d, request, false), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw failure(d, r.statusCode(), r.headers().firstValue("Retry-After").orElse(null), r.body());
        }
        try {
            return parse(d, JSON.readTree(r.body()));
        } catch (IOException | RuntimeException e) {
            throw new ProviderException(d.name() + ": malformed response: " + e.getMessage(), 502, true, 0, e);
        }
    }

    @Override
    public void stream(Deployment d, ChatRequest request, StreamListener listener) {
        HttpResponse<Stream<String>> r = send(d, request(d, request, true), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            String body = r.body().limit(50).reduce("", (a, b) -> a + b);
            throw failure(d, r.statusCode(), r.headers().firstValue("Retry-After").orElse(null), body);
        }
        StreamState state = new StreamState();
        String event = null;
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String data = line.substring(5).trim();
                    ChatResponse done = "[DONE]".equals(data) ? finish(d, state)
                            : onEvent(d, event, JSON.readTree(data), state, startOnce(d, state, listener));
                    if (done != null) {
                        listener.completed(done);
                        return;
                    }
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
            fail(state, listener, new ProviderException(d.name() + ": the stream ended before the answer was complete", 502, true, 0, null));
        } catch (ProviderException e) {
            fail(state, listener, e);
        } catch (IOException | RuntimeException e) {
            fail(state, listener, new ProviderException(d.name() + ": stream broken: " + e.getMessage(), 0, true, 0, e));
        }
    }

    /** Before the first token a failure is thrown (the router fails over); after it, the listener is told. */
    private static void fail(StreamState state, StreamListener listener, ProviderException e) {
        if (!state.started) {
            throw e;
        }
        listener.failed(e);
    }

    private static StreamListener startOnce(Deployment d, StreamState state, StreamListener listener) {
        return new StreamListener() {
            @Override
            public void token(String text) {
                if (!state.started) {
                    state.started = true;
                    listener.started(d.name(), d.model());
                }
                state.text.append(text);
                listener.token(text);
            }

            @Override
            public void completed(ChatResponse response) {
            }

            @Override
            public void failed(ProviderException error) {
            }
        };
    }

    protected final ChatResponse finish(Deployment d, StreamState s) {
        return new ChatResponse(s.text.toString(), finishReason(s.finishReason), d.name(), d.model(), s.promptTokens, s.completionTokens);
    }

    private <T> HttpResponse<T> send(Deployment d, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new ProviderException(d.name() + ": no response within " + d.timeoutMillis() + " ms", 0, true, 0, e);
        } catch (IOException e) {
            throw new ProviderException(d.name() + ": cannot reach " + d.endpoint() + ": " + e.getMessage(), 0, true, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(d.name() + ": interrupted", 0, true, 0, e);
        }
    }

    /** A non-200 answer, with the provider's own message when its error body has one. */
    protected static ProviderException failure(Deployment d, int status, String retryAfter, String body) {
        String message = body == null ? "" : body;
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (error.has("message")) {
                message = error.get("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: keep the raw body, shortened
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return new ProviderException(d.name() + " answered HTTP " + status + ": " + message, status,
                ProviderException.retryableStatus(status), ProviderException.retryAfterMillis(retryAfter), null);
    }
}
