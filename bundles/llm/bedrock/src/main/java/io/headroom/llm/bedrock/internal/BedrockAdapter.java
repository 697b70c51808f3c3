package io.headroom.llm.bedrock.internal;

import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.ToolCall;
import java.util.HashMap;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/**
 * Amazon Bedrock Converse and ConverseStream through the AWS SDK v2 (SigV4-signed, event-stream responses). A
 * deployment's {@code model} is the Bedrock model or inference-profile id; its {@code endpoint} is the runtime
 * endpoint (the region is read from a standard {@code bedrock-runtime.<region>.amazonaws.com} host, else this
 * component's default region); its secret is {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]}, or empty for
 * the SDK's default credential chain. The SDK's own retries are off: failing over is the router's job. Tools map to
 * {@code toolConfig} (tool_choice auto/required/a function as auto/any/tool), tool calls and results to
 * toolUse/toolResult blocks, images to image blocks, response_format json_schema to outputConfig, stop, top_p
 * and temperature (capped at 1) to the inference configuration, metadata and user to requestMetadata
 * ({@link ConverseTranslation}); streamed toolUse starts and deltas become tool-call pieces. A ValidationException
 * saying the input is too long is marked {@link ProviderException#CONTEXT_LENGTH_EXCEEDED}.
 */
@Component(service = ProviderAdapter.class, property = ProviderAdapter.PROVIDER + "=bedrock")
@Designate(ocd = BedrockAdapter.Config.class)
public final class BedrockAdapter implements ProviderAdapter {
    @ObjectClassDefinition(name = "Headroom LLM Bedrock adapter")
    public @interface Config {
        @AttributeDefinition(description = "Region for endpoints whose host does not name one (e.g. a VPC endpoint or a local test server)")
        String region() default "us-east-1";

        @AttributeDefinition(description = "Maximum concurrent HTTP connections to Bedrock, over all deployments")
        int maxConnections() default 200;

        @AttributeDefinition(description = "Hosts or addresses whose images may be fetched although they are not public (images given by http(s) URL are fetched for Bedrock, which needs the bytes)")
        String[] imageFetchAllowList() default {};

        @AttributeDefinition(description = "Largest image fetched from an http(s) URL, in bytes")
        long imageFetchMaxBytes() default 3_750_000;

        @AttributeDefinition(description = "Time limit for fetching one image from an http(s) URL, redirects included, in milliseconds")
        long imageFetchTimeoutMillis() default 5_000;
    }

    private static final Pattern REGION_HOST = Pattern.compile("bedrock-runtime(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com");
    private static final Object END = new Object();
    /**
     * Bedrock's documented "retry your request" errors whose status (424 for a stream error) is not a 429/5xx; lower
     * case, as stream exception frames name them in lower camel case and HTTP errors in upper.
     */
    private static final Set<String> RETRYABLE_CODES = Set.of("modelstreamerrorexception", "modelnotreadyexception",
            "modeltimeoutexception");

    /**
     * How a ValidationException says the conversation does not fit the model: Converse's own "Input is too long for
     * requested model", and the model's words it passes on (Anthropic's "prompt is too long", others' "maximum context
     * length", "too many input tokens").
     */
    private static final Pattern CONTEXT_TOO_LONG = Pattern.compile(
            "input is too long|prompt is too long|maximum context length|too many input tokens|context window",
            Pattern.CASE_INSENSITIVE);

    private final Region defaultRegion;
    private final SdkAsyncHttpClient http;
    private final ConverseTranslation converse;
    private final Map<ClientKey, BedrockRuntimeAsyncClient> clients = new ConcurrentHashMap<>();

    private record ClientKey(String endpoint, String secret) {
        @Override
        public String toString() {
            return endpoint; // never the secret
        }
    }

    private record StopReason(String value) {
    }

    private record ToolStart(int block, String id, String name) {
    }

    private record ToolDelta(int block, String input) {
    }

    @Activate
    public BedrockAdapter(Config config) {
        this.defaultRegion = Region.of(config.region());
        this.converse = new ConverseTranslation(new ImageFetcher(List.of(config.imageFetchAllowList()), config.imageFetchMaxBytes(),
                config.imageFetchTimeoutMillis()));
        this.http = NettyNioAsyncHttpClient.builder()
                .maxConcurrency(config.maxConnections())
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Deactivate
    public void close() {
        clients.values().forEach(BedrockRuntimeAsyncClient::close);
        clients.clear();
        http.close();
    }

    @Override
    public ChatResponse complete(Deployment d, ChatRequest request) {
        ConverseResponse r;
        CompletableFuture<ConverseResponse> call = client(d).converse(converse.request(d, request));
        try {
            r = call.get(d.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new ProviderException(d.name() + ": no response within " + d.timeoutMillis() + " ms", 0, true, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new ProviderException(d.name() + ": interrupted", 0, true, 0, e);
        } catch (ExecutionException e) {
            throw classify(d, e.getCause());
        }
        if (r.output() == null || r.output().message() == null || !r.output().message().hasContent()) {
            throw new ProviderException(d.name() + ": response has no message content", 502, true, 0, null);
        }
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (ContentBlock block : r.output().message().content()) {
            if (block.text() != null) {
                text.append(block.text());
            } else if (block.toolUse() != null) {
                ToolUseBlock use = block.toolUse();
                calls.add(new ToolCall(use.toolUseId(), use.name(), Json.text(use.input())));
            }
        }
        TokenUsage usage = r.usage();
        return new ChatResponse(text.toString(), finishReason(r.stopReasonAsString()), d.name(), d.model(),
                usage == null ? 0 : usage.inputTokens(), usage == null ? 0 : usage.outputTokens(), calls);
    }

    /**
     * The SDK delivers events on its own threads; they are queued and handed to the listener on the caller's thread,
     * so a slow client never blocks Netty, and the timeout bounds the wait for each event (first token included).
     */
    @Override
    public void stream(Deployment d, ChatRequest request, StreamListener listener) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onContentBlockStart(e -> {
                            if (e.start() != null && e.start().toolUse() != null) {
                                events.add(new ToolStart(e.contentBlockIndex() == null ? 0 : e.contentBlockIndex(),
                                        e.start().toolUse().toolUseId(), e.start().toolUse().name()));
                            }
                        })
                        .onContentBlockDelta(e -> {
                            if (e.delta() != null && e.delta().text() != null && !e.delta().text().isEmpty()) {
                                events.add(e.delta().text());
                            } else if (e.delta() != null && e.delta().toolUse() != null && e.delta().toolUse().input() != null) {
                                events.add(new ToolDelta(e.contentBlockIndex() == null ? 0 : e.contentBlockIndex(),
                                        e.delta().toolUse().input()));
                            }
                        })
                        .onMessageStop(e -> events.add(new StopReason(e.stopReasonAsString())))
                        .onMetadata(e -> {
                            if (e.usage() != null) {
                                events.add(e.usage());
                            }
                        })
                        .build())
                .build();
        CompletableFuture<Void> call = client(d).converseStream(converse.streamRequest(d, request), handler);
        call.whenComplete((ok, error) -> events.add(error == null ? END : error));

        StringBuilder text = new StringBuilder();
        String stopReason = null;
        TokenUsage usage = null;
        boolean started = false;
        Map<Integer, Integer> toolByBlock = new HashMap<>();
        List<String[]> calls = new ArrayList<>();
        try {
            while (true) {
                Object event = events.poll(d.streamIdleMillis(), TimeUnit.MILLISECONDS);
                if (event == null) {
                    call.cancel(true);
                    throw new ProviderException(d.name() + ": no " + (started ? "stream event" : "first token") + " within "
                            + d.streamIdleMillis() + " ms", 0, true, 0, null);
                } else if (event instanceof String token) {
                    if (!started) {
                        started = true;
                        listener.started(d.name(), d.model());
                    }
                    text.append(token);
                    listener.token(token);
                } else if (event instanceof ToolStart t) {
                    if (!started) {
                        started = true;
                        listener.started(d.name(), d.model());
                    }
                    toolByBlock.put(t.block(), calls.size());
                    calls.add(new String[] {t.id(), t.name(), ""});
                    listener.toolCall(calls.size() - 1, t.id(), t.name(), "");
                } else if (event instanceof ToolDelta t) {
                    Integer index = toolByBlock.get(t.block());
                    if (index == null) {
                        call.cancel(true);
                        throw new ProviderException(d.name() + ": a toolUse delta for a block that is not a tool use", 502, true, 0, null);
                    }
                    calls.get(index)[2] += t.input();
                    listener.toolCall(index, null, null, t.input());
                } else if (event instanceof StopReason s) {
                    stopReason = s.value();
                } else if (event instanceof TokenUsage u) {
                    usage = u;
                } else if (event instanceof Throwable t) {
                    throw classify(d, t);
                } else if (stopReason == null) {
                    throw new ProviderException(d.name() + ": the stream ended before the answer was complete", 502, true, 0, null);
                } else {
                    listener.completed(new ChatResponse(text.toString(), finishReason(stopReason), d.name(), d.model(),
                            usage == null ? 0 : usage.inputTokens(), usage == null ? 0 : usage.outputTokens(),
                            calls.stream().map(c -> new ToolCall(c[0], c[1], c[2])).toList()));
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            fail(started, listener, new ProviderException(d.name() + ": interrupted", 0, true, 0, e));
        } catch (ProviderException e) {
            call.cancel(true);
            fail(started, listener, e);
        } catch (RuntimeException e) {
            call.cancel(true); // the caller's listener threw (its client went away): stop the upstream stream too
            throw e;
        }
    }

    private static boolean titan(Deployment d) {
        return d.model().contains("amazon.titan-embed");
    }

    private static boolean cohere(Deployment d) {
        return d.model().contains("cohere.embed");
    }

    /**
     * Embeddings through InvokeModel: Titan text embeddings (one input per call; dimensions on v2) and Cohere embed
     * (every input in one call, as search documents; no dimensions). Other models do not embed here.
     */
    @Override
    public List<String> unsupported(Deployment d, EmbeddingRequest request) {
        if (!titan(d) && !cohere(d)) {
            return List.of("embeddings");
        }
        List<String> out = new ArrayList<>();
        if (request.dimensions() != null && (cohere(d) || !d.model().contains("-v2"))) {
            out.add("dimensions");
        }
        request.parameters().forEach((name, value) -> {
            if (!value.equals("null")) {
                out.add(name);
            }
        });
        return out;
    }

    @Override
    public EmbeddingResponse embed(Deployment d, EmbeddingRequest request) {
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        if (cohere(d)) {
            com.fasterxml.jackson.databind.node.ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            request.inputs().forEach(body.putArray("texts")::add);
            body.put("input_type", "search_document");
            com.fasterxml.jackson.databind.JsonNode r = invoke(d, body.toString());
            com.fasterxml.jackson.databind.JsonNode embeddings = r.path("embeddings");
            if (embeddings.isObject()) {
                embeddings = embeddings.path("float"); // the typed form, when embedding_types was asked for
            }
            if (!embeddings.isArray() || embeddings.size() != request.inputs().size()) {
                throw new ProviderException(d.name() + ": expected " + request.inputs().size() + " embeddings", 502, true, 0, null);
            }
            embeddings.forEach(e -> vectors.add(floats(d, e)));
            tokens = request.estimatedTokens(); // Cohere on Bedrock does not count them in the body
        } else {
            for (String input : request.inputs()) {
                com.fasterxml.jackson.databind.node.ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                        .objectNode().put("inputText", input);
                if (request.dimensions() != null) {
                    body.put("dimensions", request.dimensions());
                }
                com.fasterxml.jackson.databind.JsonNode r = invoke(d, body.toString());
                vectors.add(floats(d, r.path("embedding")));
                tokens += r.path("inputTextTokenCount").asInt();
            }
        }
        return new EmbeddingResponse(vectors, d.name(), d.model(), tokens);
    }

    private static float[] floats(Deployment d, com.fasterxml.jackson.databind.JsonNode values) {
        if (!values.isArray() || values.isEmpty()) {
            throw new ProviderException(d.name() + ": malformed embeddings response", 502, true, 0, null);
        }
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).asDouble();
        }
        return v;
    }

    private com.fasterxml.jackson.databind.JsonNode invoke(Deployment d, String body) {
        CompletableFuture<InvokeModelResponse> call = client(d).invokeModel(InvokeModelRequest.builder().modelId(d.model())
                .contentType("application/json").accept("application/json").body(SdkBytes.fromUtf8String(body)).build());
        InvokeModelResponse r;
        try {
            r = call.get(d.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new ProviderException(d.name() + ": no response within " + d.timeoutMillis() + " ms", 0, true, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new ProviderException(d.name() + ": interrupted", 0, true, 0, e);
        } catch (ExecutionException e) {
            throw classify(d, e.getCause());
        }
        try {
            return Json.tree(r.body().asUtf8String());
        } catch (ProviderException e) {
            throw new ProviderException(d.name() + ": malformed response", 502, true, 0, e);
        }
    }

    /**
     * Converse's {@code stopReason} in OpenAI's terms: end_turn and stop_sequence end normally, max_tokens and
     * model_context_window_exceeded cut the answer, tool_use asks for tools, guardrail_intervened and content_filtered
     * are a safety filter.
     */
    static String finishReason(String stopReason) {
        return switch (stopReason == null ? "" : stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> ChatResponse.LENGTH;
            case "tool_use" -> ChatResponse.TOOL_CALLS;
            case "guardrail_intervened", "content_filtered" -> ChatResponse.CONTENT_FILTER;
            default -> ChatResponse.STOP;
        };
    }

    /** Before the first token a failure is thrown (the router fails over); after it, the stream ends with an error. */
    private static void fail(boolean started, StreamListener listener, ProviderException e) {
        if (!started) {
            throw e;
        }
        listener.failed(e);
    }

    private BedrockRuntimeAsyncClient client(Deployment d) {
        return clients.computeIfAbsent(new ClientKey(d.endpoint(), d.apiKey() == null ? "" : d.apiKey()), key ->
                BedrockRuntimeAsyncClient.builder()
                        .httpClient(http)
                        .region(region(key.endpoint()))
                        .endpointOverride(key.endpoint().isBlank() ? null : URI.create(key.endpoint()))
                        .credentialsProvider(credentials(key.secret()))
                        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                        .build());
    }

    Region region(String endpoint) {
        Matcher m = REGION_HOST.matcher(endpoint);
        return m.find() ? Region.of(m.group(1)) : defaultRegion;
    }

    static AwsCredentialsProvider credentials(String secret) {
        if (secret.isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        String[] parts = secret.split(":", 3);
        if (parts.length < 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new ProviderException("a Bedrock deployment's secret must be ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]",
                    400, false, 0, null);
        }
        return StaticCredentialsProvider.create(parts.length == 3
                ? AwsSessionCredentials.create(parts[0], parts[1], parts[2])
                : AwsBasicCredentials.create(parts[0], parts[1]));
    }

    /** What Converse cannot take; see {@link ConverseTranslation#unsupported}. */
    @Override
    public List<String> unsupported(Deployment d, ChatRequest request) {
        return ConverseTranslation.unsupported(request);
    }

    /**
     * An SDK failure as the router needs it: Bedrock's HTTP status and Retry-After, timeouts and connection errors
     * as status 0, an exception event mid-stream with the status the SDK models for it.
     */
    static ProviderException classify(Deployment d, Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ProviderException p) {
            return p;
        }
        if (t instanceof AwsServiceException e) {
            int status = e.statusCode() > 0 ? e.statusCode() : 502;
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                    ? e.awsErrorDetails().errorMessage() : e.getMessage();
            long retryAfter = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null ? 0
                    : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After").map(ProviderException::retryAfterMillis).orElse(0L);
            boolean retryable = ProviderException.retryableStatus(status) || (code != null && RETRYABLE_CODES.contains(code.toLowerCase(Locale.ROOT)));
            boolean tooLong = status == 400 && "ValidationException".equalsIgnoreCase(code) && message != null
                    && CONTEXT_TOO_LONG.matcher(message).find();
            return new ProviderException(d.name() + " answered HTTP " + status + (code == null ? "" : " " + code) + ": " + message,
                    status, retryable, retryAfter, null, tooLong ? ProviderException.CONTEXT_LENGTH_EXCEEDED : null,
                    tooLong ? "messages" : null);
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return new ProviderException(d.name() + ": no response within " + d.timeoutMillis() + " ms", 0, true, 0, t);
        }
        if (t instanceof SdkClientException) {
            return new ProviderException(d.name() + ": " + t.getMessage(), 0, true, 0, t);
        }
        return new ProviderException(d.name() + ": " + t, 502, true, 0, t);
    }
}
