package io.headroom.llm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;
import org.eclipse.jetty.client.api.Request;
import org.eclipse.jetty.client.api.Response;
import org.eclipse.jetty.client.util.BytesContentProvider;
import org.eclipse.jetty.client.util.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.HttpCookieStore;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * What HTTP providers share: JSON requests with a timeout, classified failures (status, Retry-After, the provider's
 * own error message), and server-sent events read line by line, where anything that goes wrong after the first
 * token ends the stream with an error rather than a short answer. A library, not a bundle: each adapter bundle
 * carries its own private copy of this package, so adapters stay independent bundles that hot-deploy alone.
 *
 * <p>The HTTP client is Jetty's (already in the platform for its web server): pooled keep-alive connections per
 * provider, bodies as bytes. It replaced the JDK's HttpClient, whose blocking send (an asynchronous exchange behind a
 * future, header maps rebuilt per call, a logger checked at every step) took about half the gateway's CPU at 8
 * connections. Adapters call {@link #close} when they stop.
 */
public abstract class HttpProvider implements ProviderAdapter, AutoCloseable {
    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private final HttpClient http;
    /**
     * Provider URIs by their text: the client parses a text URI on every call (and once more for the request line),
     * which showed in the gateway's profile; deployments and paths are few, so the map stays small (cleared if not).
     */
    private final Map<String, URI> uris = new ConcurrentHashMap<>();

    protected HttpProvider() {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("headroom-llm-http-" + getClass().getSimpleName());
        threads.setDaemon(true);
        http = new HttpClient(new SslContextFactory.Client());
        http.setExecutor(threads);
        http.setConnectTimeout(5_000);
        http.setMaxConnectionsPerDestination(512);
        http.setFollowRedirects(false);
        http.setUserAgentField(null);
        // no cookies: a provider's Set-Cookie must not ride along on every tenant's later calls, and the store's lookup
        // (URIs built per request) showed in the gateway's profile
        http.setCookieStore(new HttpCookieStore.Empty());
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client", e);
        }
    }

    /** Stops the HTTP client (its threads and pooled connections). */
    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    /** JSON text (a tool's arguments or schema, a parameter's value) as a tree; malformed text is the client's error. */
    protected static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new ProviderException("not valid JSON: " + e.getMessage(), 400, false, 0, null);
        }
    }

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
        /** What was asked. */
        public final ChatRequest request;
        /** Set by adapters that answer JSON mode through a tool: its input streams as the content. */
        public boolean jsonAnswer;
        /** As the vendor sent it. */
        public String finishReason;
        public int promptTokens;
        public int completionTokens;
        boolean started;
        /** The tool calls so far, by index: id, name, arguments. */
        final java.util.List<String[]> toolCalls = new java.util.ArrayList<>();
        /** The vendor's content block index to the tool call's index, for vendors that number blocks. */
        public final Map<Integer, Integer> toolByBlock = new java.util.HashMap<>();

        StreamState(ChatRequest request) {
            this.request = request;
        }

        /** The index the next new tool call gets. */
        public int toolCount() {
            return toolCalls.size();
        }
    }

    private Request request(Deployment d, ChatRequest request, boolean stream) {
        byte[] body;
        try {
            body = bodyBytes(d, request, stream);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return request(d, path(), body, stream);
    }

    /**
     * The request's body as bytes: {@link #body} written out, unless an adapter writes it more cheaply (the gateway's
     * hot path: a JSON tree per request showed in its profile).
     */
    protected byte[] bodyBytes(Deployment d, ChatRequest request, boolean stream) throws IOException {
        return JSON.writeValueAsBytes(body(d, request, stream));
    }

    /** The answer's body as the router's response: by default read as a tree for {@link #parse(Deployment, JsonNode)}. */
    protected ChatResponse parse(Deployment d, byte[] body) throws IOException {
        return parse(d, JSON.readTree(body));
    }

    /** A POST of a JSON body below the deployment's endpoint, bounded by its timeout (a stream: by its silences). */
    Request request(Deployment d, String path, JsonNode json, boolean stream) {
        try {
            return request(d, path, JSON.writeValueAsBytes(json), stream);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Request request(Deployment d, String path, byte[] body, boolean stream) {
        Request r = http.newRequest(uri(d.endpoint() + path)).method(HttpMethod.POST)
                .content(new BytesContentProvider("application/json", body));
        if (stream) {
            // a long answer may stream for longer than the timeout: what a stream is bounded by is its silence
            r.idleTimeout(d.streamIdleMillis(), TimeUnit.MILLISECONDS);
        } else {
            r.timeout(d.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
        headers(d).forEach(r::header);
        if (stream) {
            r.header(HttpHeader.ACCEPT, "text/event-stream");
        }
        return r;
    }

    private URI uri(String text) {
        URI uri = uris.get(text);
        if (uri == null) {
            if (uris.size() >= 1_000) {
                uris.clear();
            }
            uri = URI.create(text);
            uris.put(text, uri);
        }
        return uri;
    }

    @Override
    public ChatResponse complete(Deployment d, ChatRequest request) {
        byte[] answer = send(d, request(d, request, false));
        try {
            return parse(d, answer);
        } catch (ProviderException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProviderException(d.name() + ": malformed response: " + e.getMessage(), 502, true, 0, e);
        }
    }

    /** POSTs a JSON body to a path below the deployment's endpoint; the answer as a tree, failures classified. */
    protected final JsonNode post(Deployment d, String path, JsonNode body) {
        return post(d, request(d, path, body, false));
    }

    private JsonNode post(Deployment d, Request request) {
        byte[] body = send(d, request);
        try {
            return JSON.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw new ProviderException(d.name() + ": malformed response: " + e.getMessage(), 502, true, 0, e);
        }
    }

    /** Sends a request; the body of a 200 answer, any other status or failure classified. */
    private byte[] send(Deployment d, Request request) {
        ContentResponse r;
        try {
            r = request.send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(d.name() + ": interrupted", 0, true, 0, e);
        } catch (TimeoutException e) {
            throw timedOut(d, e);
        } catch (ExecutionException e) {
            throw unreachable(d, e.getCause() == null ? e : e.getCause());
        }
        if (r.getStatus() != 200) {
            throw failure(d, r.getStatus(), r.getHeaders().get(HttpHeader.RETRY_AFTER), r.getContentAsString());
        }
        return r.getContent();
    }

    @Override
    public void stream(Deployment d, ChatRequest request, StreamListener listener) {
        InputStream in = open(d, request(d, request, true));
        StreamState state = new StreamState(request);
        String event = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
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
        } catch (ClientGone e) {
            throw e.failure; // closing the stream above aborted the upstream call; not the provider's failure
        } catch (ProviderException e) {
            fail(state, listener, e);
        } catch (IOException | RuntimeException e) {
            fail(state, listener, broken(d, e));
        }
    }

    /** A stream that broke or went silent while it was read. */
    static ProviderException broken(Deployment d, Exception e) {
        return new ProviderException(d.name() + (idle(e) ? ": the stream was silent for more than "
                + d.streamIdleMillis() + " ms" : ": stream broken: " + e.getMessage()), 0, true, 0, e);
    }

    /**
     * Sends a streamed request and waits for the answer's head; its body when the status is 200, else the failure
     * (the provider's status, Retry-After and message) thrown classified.
     */
    InputStream open(Deployment d, Request streamed) {
        InputStreamResponseListener response = new InputStreamResponseListener();
        streamed.send(response);
        Response head;
        try {
            head = response.get(d.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(d.name() + ": interrupted", 0, true, 0, e);
        } catch (TimeoutException e) {
            throw timedOut(d, e);
        } catch (ExecutionException e) {
            throw unreachable(d, e.getCause() == null ? e : e.getCause());
        }
        InputStream in = response.getInputStream();
        if (head.getStatus() != 200) {
            String body;
            try (in) {
                body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw failure(d, head.getStatus(), head.getHeaders().get(HttpHeader.RETRY_AFTER), body);
        }
        return in;
    }

    /** What the caller's listener threw while a stream was read: passed on as it is, never taken as a provider failure. */
    static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final RuntimeException failure;

        ClientGone(RuntimeException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /** Whether a failed read is the idle timeout expiring. */
    private static boolean idle(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static ProviderException timedOut(Deployment d, Exception e) {
        return new ProviderException(d.name() + ": no response within " + d.timeoutMillis() + " ms", 0, true, 0, e);
    }

    private static ProviderException unreachable(Deployment d, Throwable e) {
        if (e instanceof TimeoutException t) {
            return t.getMessage() != null && t.getMessage().contains("Idle timeout")
                    ? new ProviderException(d.name() + ": silent for more than " + d.streamIdleMillis() + " ms before answering", 0, true, 0, t)
                    : timedOut(d, t);
        }
        String why = e instanceof ConnectException ? "connection refused" : e.getMessage();
        return new ProviderException(d.name() + ": cannot reach " + d.endpoint() + ": " + why, 0, true, 0, e);
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
                try {
                    if (!state.started) {
                        state.started = true;
                        listener.started(d.name(), d.model());
                    }
                    state.text.append(text);
                    listener.token(text);
                } catch (RuntimeException e) {
                    throw new ClientGone(e); // the client went away or failed: not a provider failure
                }
            }

            @Override
            public void toolCall(int index, String id, String name, String arguments) {
                try {
                    if (!state.started) {
                        state.started = true;
                        listener.started(d.name(), d.model());
                    }
                    while (state.toolCalls.size() <= index) {
                        state.toolCalls.add(new String[] {null, null, ""});
                    }
                    String[] call = state.toolCalls.get(index);
                    if (id != null) {
                        call[0] = id;
                    }
                    if (name != null) {
                        call[1] = name;
                    }
                    if (arguments != null) {
                        call[2] += arguments;
                    }
                    listener.toolCall(index, id, name, arguments);
                } catch (RuntimeException e) {
                    throw new ClientGone(e);
                }
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
        java.util.List<io.headroom.llm.api.ToolCall> calls = new java.util.ArrayList<>();
        for (String[] c : s.toolCalls) {
            if (c[0] == null || c[1] == null) {
                throw new ProviderException(d.name() + ": a streamed tool call came without its id or name", 502, true, 0, null);
            }
            calls.add(new io.headroom.llm.api.ToolCall(c[0], c[1], c[2]));
        }
        return new ChatResponse(s.text.toString(), finishReason(s.finishReason), d.name(), d.model(), s.promptTokens,
                s.completionTokens, calls);
    }

    /**
     * How vendors word a conversation that does not fit the model: OpenAI's code and message, vLLM's and other
     * compatible servers' message, Anthropic's "prompt is too long".
     */
    private static final java.util.regex.Pattern CONTEXT_TOO_LONG = java.util.regex.Pattern.compile(
            "context_length_exceeded|maximum context length|prompt is too long|exceeds? the (?:model's )?context window",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    /**
     * A non-200 answer, with the provider's own message when its error body has one (OpenAI's and Anthropic's
     * {@code error.message}, some compatible servers' top-level {@code message}); a 400 saying the conversation is
     * longer than the model's context carries {@link ProviderException#CONTEXT_LENGTH_EXCEEDED}.
     */
    protected static ProviderException failure(Deployment d, int status, String retryAfter, String body) {
        String message = body == null ? "" : body;
        String code = null;
        try {
            JsonNode json = JSON.readTree(body);
            JsonNode error = json.path("error");
            if (error.has("message")) {
                message = error.get("message").asText();
            } else if (json.path("message").isTextual()) {
                message = json.get("message").asText();
            }
            code = error.path("code").isTextual() ? error.get("code").asText() : null;
        } catch (IOException | RuntimeException e) {
            // not JSON: keep the raw body, shortened
        }
        boolean tooLong = status == 400 && (ProviderException.CONTEXT_LENGTH_EXCEEDED.equals(code)
                || CONTEXT_TOO_LONG.matcher(message).find());
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return new ProviderException(d.name() + " answered HTTP " + status + ": " + message, status,
                ProviderException.retryableStatus(status), ProviderException.retryAfterMillis(retryAfter), null,
                tooLong ? ProviderException.CONTEXT_LENGTH_EXCEEDED : null, tooLong ? "messages" : null);
    }
}
