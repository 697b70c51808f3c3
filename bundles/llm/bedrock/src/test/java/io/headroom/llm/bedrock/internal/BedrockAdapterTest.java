package io.headroom.llm.bedrock.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.ResponseFormat;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/** The Bedrock adapter through the real AWS SDK against a local server speaking Converse and ConverseStream. */
public class BedrockAdapterTest {
    private static FakeLlmProvider server;
    private static BedrockAdapter adapter;
    private static final ChatRequest REQUEST = new ChatRequest(
            List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Say hello")), 64, 0.2);
    private Deployment deployment;

    @BeforeClass
    public static void start() throws Exception {
        server = FakeLlmProvider.bedrock();
        adapter = new BedrockAdapter(config());
    }

    private static BedrockAdapter.Config config(String... allowList) {
        return new BedrockAdapter.Config() {
            @Override
            public String region() {
                return "eu-west-3";
            }

            @Override
            public int maxConnections() {
                return 20;
            }

            @Override
            public String[] imageFetchAllowList() {
                return allowList;
            }

            @Override
            public long imageFetchMaxBytes() {
                return 1000;
            }

            @Override
            public long imageFetchTimeoutMillis() {
                return 2000;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return BedrockAdapter.Config.class;
            }
        };
    }

    @AfterClass
    public static void stop() {
        adapter.close();
        server.close();
    }

    @Before
    public void reset() {
        server.always(Behaviour.ok());
        deployment = new Deployment("bedrock-claude", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", server.endpoint(),
                "AKIDTEST:topsecret", 0, 0, 0, 10_000); // the first stream warms the SDK up: seconds on a loaded machine
    }

    @Test
    public void completesThroughConverseSignedWithSigV4() {
        ChatResponse r = adapter.complete(deployment, REQUEST);
        assertEquals("Hello, world!", r.content());
        assertEquals("Bedrock's end_turn in OpenAI's terms", ChatResponse.STOP, r.finishReason());
        assertEquals(12, r.promptTokens());
        assertEquals(4, r.completionTokens());
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", server.lastPath);
        assertTrue(server.lastAuth, server.lastAuth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
        assertTrue(server.lastAuth, server.lastAuth.contains("/eu-west-3/bedrock/aws4_request"));
        assertFalse(server.lastAuth.contains("topsecret"));
        assertTrue(server.lastBody, server.lastBody.contains("\"system\":[{\"text\":\"Be brief.\"}]"));
        assertTrue(server.lastBody, server.lastBody.contains("\"maxTokens\":64"));
    }

    @Test
    public void streamsEventStreamFramesToTheListener() {
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(List.of(FakeLlmProvider.TOKENS), r.tokens);
        assertNotNull(r.completed);
        assertNull(r.failed);
        assertEquals("Hello, world!", r.completed.content());
        assertEquals(4, r.completed.completionTokens());
        assertEquals("bedrock-claude", r.started);
        assertTrue(server.lastPath.endsWith("/converse-stream"));
    }

    @Test
    public void throttlingIsRetryableWithRetryAfter() {
        server.then(Behaviour.error(429, "3"));
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(429, e.status());
        assertTrue(e.retryable());
        assertEquals(3000, e.retryAfterMillis());
        assertTrue(e.getMessage(), e.getMessage().contains("ThrottlingException"));
    }

    @Test
    public void validationErrorsAreNotRetried() {
        server.then(Behaviour.error(400, null));
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(400, e.status());
        assertFalse(e.retryable());
    }

    @Test
    public void unavailableBeforeTheFirstTokenIsThrownSoTheRouterCanFailOver() {
        server.then(Behaviour.error(503, null));
        Recorder r = new Recorder();
        ProviderException e = expectFailure(() -> adapter.stream(deployment, REQUEST, r));
        assertEquals(503, e.status());
        assertTrue(e.retryable());
        assertTrue(r.tokens.isEmpty());
        assertNull(r.completed);
        assertNull(r.failed);
    }

    @Test
    public void malformedResponseIsARetryableFailure() {
        server.then(Behaviour.malformedBody());
        assertTrue(expectFailure(() -> adapter.complete(deployment, REQUEST)).retryable());
    }

    @Test
    public void slowAnswerTimesOut() {
        server.then(Behaviour.slow(1500));
        deployment = new Deployment("bedrock-claude", "bedrock", "m", server.endpoint(), "AKIDTEST:topsecret", 0, 0, 0, 300);
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(0, e.status());
        assertTrue(e.retryable());
    }

    @Test
    public void streamCutMidAnswerEndsWithAnErrorNotATruncatedAnswer() {
        server.then(Behaviour.cut(2));
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(2, r.tokens.size());
        assertNull(r.completed);
        assertNotNull(r.failed);
    }

    @Test
    public void aStreamSilentForLongerThanItsIdleTimeoutEndsWithAnErrorWithinTheWholeTimeout() {
        // the whole-request timeout (30 s) would wait out the 3 s silence; the stream idle timeout (300 ms) does not
        deployment = new Deployment("bedrock-claude", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", server.endpoint(),
                "AKIDTEST:topsecret", 0, 0, 0, 0, 30_000, 0, 300);
        server.then(Behaviour.stallAfter(2, 3_000));
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(2, r.tokens.size());
        assertNull("not a whole answer", r.completed);
        assertNotNull(r.failed);
        assertTrue(r.failed.getMessage(), r.failed.getMessage().contains("no stream event within 300 ms"));
        assertTrue(r.failed.retryable());
    }

    @Test
    public void aStreamSilentBeforeItsFirstTokenIsThrownSoTheRouterCanFailOver() {
        deployment = new Deployment("bedrock-claude", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", server.endpoint(),
                "AKIDTEST:topsecret", 0, 0, 0, 0, 30_000, 0, 300);
        server.then(Behaviour.stallAfter(0, 3_000));
        Recorder r = new Recorder();
        ProviderException e = expectFailure(() -> adapter.stream(deployment, REQUEST, r));
        assertTrue(e.getMessage(), e.getMessage().contains("no first token within 300 ms"));
        assertTrue(e.retryable());
        assertNull(r.started);
        assertNull(r.failed);
    }

    @Test
    public void exceptionEventMidStreamEndsWithAnError() {
        server.then(Behaviour.errorEventMidStream());
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(2, r.tokens.size());
        assertNull(r.completed);
        assertNotNull(r.failed);
        assertTrue(r.failed.getMessage(), r.failed.getMessage().contains("model stream error"));
        assertTrue(r.failed.getMessage() + " " + r.failed.status(), r.failed.retryable());
    }

    @Test
    public void aBadSecretIsAClientErrorAndNeverEchoed() {
        deployment = new Deployment("bedrock-bad", "bedrock", "m", server.endpoint() + "/bad", "only-one-part", 0, 0, 0, 2000);
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(400, e.status());
        assertFalse(e.retryable());
        assertFalse(e.getMessage().contains("only-one-part"));
    }

    @Test
    public void regionComesFromAStandardHostElseTheDefault() {
        assertEquals("us-west-2", adapter.region("https://bedrock-runtime.us-west-2.amazonaws.com").id());
        assertEquals("eu-west-3", adapter.region("http://127.0.0.1:9999").id());
    }

    private static ProviderException expectFailure(Runnable call) {
        try {
            call.run();
        } catch (ProviderException e) {
            return e;
        }
        fail("expected a ProviderException");
        return null;
    }

    private static final Tool WEATHER = new Tool("get_weather", "Weather of a city",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}", null);

    private static ChatRequest withTools(List<ChatMessage> messages, String toolChoice, ResponseFormat format, Map<String, String> parameters) {
        return new ChatRequest(messages, 64, null, List.of(WEATHER), toolChoice, format, parameters);
    }

    @Test
    public void aToolCallComesBackFromConverseAndTheToolsWentAsToolConfig() throws Exception {
        ChatResponse r = adapter.complete(deployment, withTools(List.of(new ChatMessage("user", "Weather in Paris?")), "required", null, Map.of()));
        assertEquals(ChatResponse.TOOL_CALLS, r.finishReason());
        assertEquals(List.of(new ToolCall("tooluse_1", "get_weather", FakeLlmProvider.TOOL_ARGUMENTS)), r.toolCalls());
        assertEquals("Let me look.", r.content());
        JsonNode sent = new ObjectMapper().readTree(server.lastBody);
        JsonNode spec = sent.path("toolConfig").path("tools").path(0).path("toolSpec");
        assertEquals("get_weather", spec.path("name").asText());
        assertEquals("string", spec.path("inputSchema").path("json").path("properties").path("city").path("type").asText());
        assertTrue(sent.toString(), sent.path("toolConfig").path("toolChoice").has("any"));
    }

    @Test
    public void streamedToolUseBecomesIndexedToolCallPieces() {
        Recorder r = new Recorder();
        adapter.stream(deployment, withTools(List.of(new ChatMessage("user", "Weather in Paris?")), null, null, Map.of()), r);
        assertNull(r.failed);
        assertEquals(List.of("Let me look."), r.tokens);
        assertEquals(List.of("0|tooluse_1|get_weather|", "0|null|null|{\"city\":", "0|null|null|\"Paris\"}"), r.toolPieces);
        assertEquals(ChatResponse.TOOL_CALLS, r.completed.finishReason());
        assertEquals(List.of(new ToolCall("tooluse_1", "get_weather", FakeLlmProvider.TOOL_ARGUMENTS)), r.completed.toolCalls());
    }

    @Test
    public void toolCallsAndResultsOfTheConversationGoAsToolUseAndToolResultBlocks() throws Exception {
        List<ChatMessage> conversation = List.of(new ChatMessage("developer", "Use tools."), new ChatMessage("user", "Weather in Paris?"),
                new ChatMessage("assistant", null, null, List.of(new ToolCall("call_9", "get_weather", "{\"city\":\"Paris\"}")), null, null),
                new ChatMessage("tool", "18C, sunny", null, null, "call_9", null),
                new ChatMessage("user", null, List.of(ContentPart.text("And this?"), ContentPart.image("data:image/png;base64,iVBORw0KGgo=", null)),
                        null, null, null));
        ChatResponse r = adapter.complete(deployment, withTools(conversation, "auto", new ResponseFormat(ResponseFormat.JSON_SCHEMA, "w",
                "{\"type\":\"object\"}", true), Map.of("stop", "[\"END\"]", "top_p", "0.5")));
        assertEquals("Hello, world!", r.content());
        JsonNode sent = new ObjectMapper().readTree(server.lastBody);
        assertEquals("Use tools.", sent.path("system").path(0).path("text").asText());
        JsonNode messages = sent.path("messages");
        assertEquals(sent.toString(), 3, messages.size()); // user, assistant, user (tool result + the next user turn merged)
        JsonNode use = messages.path(1).path("content").path(0).path("toolUse");
        assertEquals("call_9", use.path("toolUseId").asText());
        assertEquals("Paris", use.path("input").path("city").asText());
        JsonNode turn = messages.path(2).path("content");
        assertEquals("call_9", turn.path(0).path("toolResult").path("toolUseId").asText());
        assertEquals("18C, sunny", turn.path(0).path("toolResult").path("content").path(0).path("text").asText());
        assertEquals("And this?", turn.path(1).path("text").asText());
        assertEquals("png", turn.path(2).path("image").path("format").asText());
        assertEquals("iVBORw0KGgo=", turn.path(2).path("image").path("source").path("bytes").asText());
        assertEquals("END", sent.path("inferenceConfig").path("stopSequences").path(0).asText());
        assertEquals(0.5, sent.path("inferenceConfig").path("topP").asDouble(), 1e-6);
        assertEquals("w", sent.path("outputConfig").path("textFormat").path("structure").path("jsonSchema").path("name").asText());
    }

    @Test
    public void whatConverseCannotTakeIsNamed() {
        ChatRequest r = withTools(List.of(new ChatMessage("user", null, List.of(ContentPart.image("https://example.com/a.png", null)), null, null, null)),
                null, new ResponseFormat(ResponseFormat.JSON_OBJECT, null, null, null), Map.of("seed", "1", "parallel_tool_calls", "false", "n", "1"));
        assertEquals(List.of("parallel_tool_calls", "response_format", "seed"),
                adapter.unsupported(deployment, r).stream().sorted().toList());
        assertEquals(List.of(), adapter.unsupported(deployment, REQUEST));
    }

    @Test
    public void metadataAndUserGoAsRequestMetadataAndStoreIsHonouredOnlyAsFalse() throws Exception {
        ChatRequest r = new ChatRequest(List.of(new ChatMessage("user", "hi")), 64, null, List.of(), null, null,
                Map.of("metadata", "{\"team\":\"billing\",\"ticket\":\"T-7\"}", "user", "\"u-1\"", "store", "false"));
        assertEquals(List.of(), adapter.unsupported(deployment, r));
        adapter.complete(deployment, r);
        JsonNode sent = new ObjectMapper().readTree(server.lastBody);
        assertEquals("billing", sent.path("requestMetadata").path("team").asText());
        assertEquals("T-7", sent.path("requestMetadata").path("ticket").asText());
        assertEquals("u-1", sent.path("requestMetadata").path("user").asText());
        Recorder streamed = new Recorder();
        adapter.stream(deployment, r, streamed);
        assertNotNull(streamed.completed);
        assertEquals("u-1", new ObjectMapper().readTree(server.lastBody).path("requestMetadata").path("user").asText());

        ChatRequest stored = new ChatRequest(List.of(new ChatMessage("user", "hi")), 64, null, List.of(), null, null,
                Map.of("store", "true", "metadata", "{\"n\":1}"));
        assertEquals("store true asks for OpenAI's storage; metadata must be strings", List.of("metadata", "store"),
                adapter.unsupported(deployment, stored).stream().sorted().toList());
    }

    @Test
    public void temperatureIsCappedAtConversesOneAndNoOutputLimitIsSentWhenTheClientSetNone() throws Exception {
        ChatRequest hot = new ChatRequest(List.of(new ChatMessage("user", "hi")), ChatRequest.DEFAULT_MAX_TOKENS, 1.7, List.of(), null,
                null, Map.of(), true);
        adapter.complete(deployment, hot);
        JsonNode inference = new ObjectMapper().readTree(server.lastBody).path("inferenceConfig");
        assertEquals(1.0, inference.path("temperature").asDouble(), 0); // OpenAI's 0-2 range, Converse's 0-1
        assertFalse(server.lastBody, inference.has("maxTokens")); // Converse's default: the model's maximum, as OpenAI's
        adapter.complete(deployment, REQUEST);
        inference = new ObjectMapper().readTree(server.lastBody).path("inferenceConfig");
        assertEquals(0.2, inference.path("temperature").asDouble(), 1e-6);
        assertEquals(64, inference.path("maxTokens").asInt());
    }

    @Test
    public void aValidationExceptionThatTheInputIsTooLongIsMarkedContextLengthExceeded() {
        server.then(Behaviour.error(400, null, "{\"message\":\"Input is too long for requested model.\"}"));
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(400, e.status());
        assertEquals(ProviderException.CONTEXT_LENGTH_EXCEEDED, e.code());
        assertEquals("messages", e.param());
        server.then(Behaviour.error(400, null, "{\"message\":\"The model returned the following errors: prompt is too long: 210000 tokens > 200000 maximum\"}"));
        Recorder r = new Recorder();
        e = expectFailure(() -> adapter.stream(deployment, REQUEST, r));
        assertEquals(ProviderException.CONTEXT_LENGTH_EXCEEDED, e.code());
        server.then(Behaviour.error(400, null, "{\"message\":\"Malformed input request: temperature must be a number\"}"));
        e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertNull("another validation error has no code", e.code());
    }

    @Test
    public void embedsWithTitanOneInputAtATimeAndWithCohereAllAtOnce() throws Exception {
        Deployment titan = new Deployment("titan", "bedrock", "amazon.titan-embed-text-v2:0", server.endpoint(), "AKIDTEST:topsecret", 0, 0, 0, 10_000); // the first stream warms the SDK up: seconds on a loaded machine
        EmbeddingResponse r = adapter.embed(titan, new EmbeddingRequest(List.of("hello", "hi"), 4, Map.of()));
        assertEquals(2, r.vectors().size());
        assertEquals(5.0f, r.vectors().get(0)[0], 0);
        assertEquals(2.0f, r.vectors().get(1)[0], 0);
        assertEquals(4, r.vectors().get(1).length);
        assertEquals(4, r.promptTokens());
        assertTrue(server.lastPath, server.lastPath.endsWith("/invoke"));
        assertEquals("hi", new ObjectMapper().readTree(server.lastBody).path("inputText").asText());

        Deployment cohere = new Deployment("cohere", "bedrock", "cohere.embed-english-v3", server.endpoint(), "AKIDTEST:topsecret", 0, 0, 0, 10_000); // the first stream warms the SDK up: seconds on a loaded machine
        r = adapter.embed(cohere, new EmbeddingRequest(List.of("hello", "hi")));
        assertEquals(2, r.vectors().size());
        assertEquals(2.0f, r.vectors().get(1)[0], 0);
        JsonNode sent = new ObjectMapper().readTree(server.lastBody);
        assertEquals(2, sent.path("texts").size());
        assertEquals("search_document", sent.path("input_type").asText());

        assertEquals(List.of("dimensions"), adapter.unsupported(cohere, new EmbeddingRequest(List.of("x"), 8, Map.of())));
        assertEquals(List.of("embeddings"), adapter.unsupported(deployment, new EmbeddingRequest(List.of("x"))));
        server.then(Behaviour.error(429, "2"));
        ProviderException e = expectFailure(() -> adapter.embed(titan, new EmbeddingRequest(List.of("x"))));
        assertEquals(429, e.status());
        assertTrue(e.retryable());
    }

    @Test
    public void imagesByUrlAreFetchedThroughTheGuard() throws Exception {
        com.sun.net.httpserver.HttpServer images = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
        int port = images.getAddress().getPort();
        images.createContext("/a.png", ex -> {
            ex.getResponseHeaders().add("Content-Type", "image/png");
            ex.sendResponseHeaders(200, png.length);
            ex.getResponseBody().write(png);
            ex.close();
        });
        images.createContext("/big.png", ex -> {
            ex.getResponseHeaders().add("Content-Type", "image/png");
            ex.sendResponseHeaders(200, 5000);
            ex.getResponseBody().write(new byte[5000]);
            ex.close();
        });
        images.createContext("/to-private", ex -> {
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + port + "/a.png");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        images.start();
        BedrockAdapter guarded = new BedrockAdapter(config("localhost"));
        try {
            ChatRequest ok = new ChatRequest(List.of(new ChatMessage("user", null, List.of(ContentPart.text("What is it?"),
                    ContentPart.image("http://localhost:" + port + "/a.png", null)), null, null, null)), 64, null);
            assertEquals("Hello, world!", guarded.complete(deployment, ok).content());
            JsonNode image = new ObjectMapper().readTree(server.lastBody).path("messages").path(0).path("content").path(1).path("image");
            assertEquals("png", image.path("format").asText());
            assertEquals(java.util.Base64.getEncoder().encodeToString(png), image.path("source").path("bytes").asText());

            for (String url : List.of("http://127.0.0.1:" + port + "/a.png", // a private address, not on the allow-list
                    "http://localhost:" + port + "/to-private", // allowed host redirecting to a private address
                    "http://localhost:" + port + "/big.png", // over the size limit
                    "file:///etc/passwd")) {
                ChatRequest r = new ChatRequest(List.of(new ChatMessage("user", null, List.of(ContentPart.image(url, null)), null, null, null)), 64, null);
                int before = server.requests.get();
                ProviderException e = expectFailure(() -> guarded.complete(deployment, r));
                assertEquals(url, 400, e.status());
                assertFalse(e.retryable());
                assertEquals("nothing sent to Bedrock for " + url, before, server.requests.get());
            }
            ProviderException e = expectFailure(() -> adapter.complete(deployment, new ChatRequest(List.of(new ChatMessage("user", null,
                    List.of(ContentPart.image("http://localhost:" + port + "/a.png", null)), null, null, null)), 64, null)));
            assertTrue(e.getMessage(), e.getMessage().contains("not a public address"));
        } finally {
            guarded.close();
            images.stop(0);
        }
        assertTrue(ImageFetcher.isPublic(java.net.InetAddress.getByName("8.8.8.8")));
        for (String privateAddress : List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1")) {
            assertFalse(privateAddress, ImageFetcher.isPublic(java.net.InetAddress.getByName(privateAddress)));
        }
    }

    @Test
    public void aListenerThatThrowsMidStreamPassesItsFailureOnAsItIs() {
        server.then(Behaviour.stallAfter(2, 1_000));
        IllegalStateException gone = new IllegalStateException("client went away");
        Recorder r = new Recorder() {
            @Override
            public void token(String text) {
                super.token(text);
                throw gone;
            }
        };
        try {
            adapter.stream(deployment, REQUEST, r);
            fail("the listener's failure must reach the caller");
        } catch (IllegalStateException e) {
            assertTrue(e == gone);
        }
        assertNull("not a provider failure", r.failed);
        assertNull(r.completed);
    }

    private static class Recorder implements StreamListener {
        final List<String> tokens = new CopyOnWriteArrayList<>();
        volatile String started;
        volatile ChatResponse completed;
        volatile ProviderException failed;

        @Override
        public void started(String deployment, String model) {
            started = deployment;
        }

        @Override
        public void token(String text) {
            tokens.add(text);
        }

        /** Tool-call pieces as index|id|name|arguments. */
        final List<String> toolPieces = new CopyOnWriteArrayList<>();

        @Override
        public void toolCall(int index, String id, String name, String arguments) {
            toolPieces.add(index + "|" + id + "|" + name + "|" + arguments);
        }

        @Override
        public void completed(ChatResponse response) {
            completed = response;
        }

        @Override
        public void failed(ProviderException error) {
            failed = error;
        }
    }
}
