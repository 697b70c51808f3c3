package io.headroom.llm.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseStreamEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.provider.TestAdapters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The official openai-java SDK, unchanged, against the gateway's endpoints served over HTTP in process (the same
 * endpoint classes the REST host serves, the real router and adapters, local vendor servers): plain, streaming,
 * tools round trip, JSON schema, embeddings, models, the Responses API and the errors the SDK recognises.
 */
public class OpenAiSdkConformanceTest {
    private FakeLlmProvider openAi;
    private FakeLlmProvider anthropic;
    private Router router;
    private HttpServer server;
    private OpenAIClient client;

    @Before
    public void setUp() throws Exception {
        openAi = FakeLlmProvider.openAi();
        anthropic = FakeLlmProvider.anthropic();
        router = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, TestAdapters::byProvider);
        router.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        router.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 2000));
        router.putRoute(new Route("gpt", "ordered", List.of("gpt"), Map.of()));
        router.putRoute(new Route("claude", "ordered", List.of("claude"), Map.of()));
        LlmRouter llm = new LlmRouter() {
            @Override
            public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
                try {
                    return router.complete(route, priority, request, System.currentTimeMillis() + timeout.toMillis());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener l) {
                try {
                    router.stream(route, priority, request, System.currentTimeMillis() + timeout.toMillis(), l);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public ResponsesAnswer respond(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout) {
                try {
                    return router.respond(route, priority, request, System.currentTimeMillis() + timeout.toMillis());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void streamResponses(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout,
                                        StreamListener l) {
                try {
                    router.streamResponses(route, priority, request, System.currentTimeMillis() + timeout.toMillis(), l);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public EmbeddingResponse embed(TenantId tenant, Priority priority, String route, EmbeddingRequest request, Duration timeout) {
                try {
                    return router.embed(route, priority, request, System.currentTimeMillis() + timeout.toMillis());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public List<Route> routes() {
                return router.routes();
            }
        };
        LlmAdmin admin = (LlmAdmin) java.lang.reflect.Proxy.newProxyInstance(LlmAdmin.class.getClassLoader(), new Class<?>[] {LlmAdmin.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("routes")) {
                        return router.routes();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        LlmResource resource = new LlmResource(llm, admin);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        bridge("/api/llm/v1/chat/completions", new ChatEndpoint(llm));
        bridge("/api/llm/v1/embeddings", new EmbeddingsEndpoint(llm));
        bridge("/api/llm/v1/responses", new ResponsesEndpoint(llm));
        server.createContext("/api/llm/v1/models", ex -> {
            byte[] body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(resource.models(TestSecurity.of(new Caller("sdk", Caller.PLATFORM, null))));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/api/llm/v1")
                .apiKey("tenant-token").maxRetries(0)
                .putHeader("X-Headroom-Timeout-Ms", "1000").build(); // how long the router may wait for a deployment
    }

    /** Serves a direct endpoint over HTTP as the REST host does (status and headers sent with the first bytes). */
    private void bridge(String path, DirectEndpoint endpoint) {
        server.createContext(path, ex -> {
            try {
                endpoint.serve(new Caller("sdk", Caller.PLATFORM, null), new Exchange(ex));
            } finally {
                ex.close();
            }
        });
    }

    private static final class Exchange extends TestExchange {
        private final HttpExchange ex;
        private int status = 200;
        private OutputStream out;

        Exchange(HttpExchange ex) {
            this.ex = ex;
        }

        @Override
        public String header(String name) {
            return ex.getRequestHeaders().getFirst(name);
        }

        @Override
        public String requestId() {
            return "sdk";
        }

        @Override
        public InputStream body() {
            return ex.getRequestBody();
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            ex.getResponseHeaders().add(name, value);
        }

        @Override
        public OutputStream output(String contentType) throws IOException {
            if (out == null) {
                ex.getResponseHeaders().add("Content-Type", contentType);
                ex.sendResponseHeaders(status, 0);
                out = ex.getResponseBody();
            }
            return out;
        }
    }

    @After
    public void tearDown() {
        client.close();
        server.stop(0);
        openAi.close();
        anthropic.close();
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").description("Weather of a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build()).build();
    }

    @Test
    public void plainAndStreamingChatFromEitherVendor() {
        for (String route : List.of("gpt", "claude")) {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(route)
                    .addDeveloperMessage("Be brief.").addUserMessage("hi").maxCompletionTokens(50).build());
            assertEquals("Hello, world!", c.choices().get(0).message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
            assertEquals(16, c.usage().orElseThrow().totalTokens());

            StringBuilder text = new StringBuilder();
            long usage = -1;
            boolean roleFirst;
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                    .model(route).addUserMessage("hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
                List<ChatCompletionChunk> chunks = s.stream().toList();
                roleFirst = chunks.get(0).choices().get(0).delta().role().isPresent();
                for (ChatCompletionChunk chunk : chunks) {
                    chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                    if (chunk.usage().isPresent()) {
                        usage = chunk.usage().get().totalTokens();
                    }
                }
            }
            assertTrue(roleFirst);
            assertEquals("Hello, world!", text.toString());
            assertEquals(16, usage);
        }
    }

    @Test
    public void toolsRoundTripOnAnthropicThroughTheSdk() {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("claude").addUserMessage("Weather in Paris?")
                .addTool(weatherTool());
        ChatCompletion first = client.chat().completions().create(params.build());
        ChatCompletionMessage asked = first.choices().get(0).message();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, first.choices().get(0).finishReason());
        ChatCompletionMessageFunctionToolCall call = asked.toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.function().arguments());

        ChatCompletion answer = client.chat().completions().create(params.addMessage(asked)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C, sunny").build()).build());
        assertEquals("Hello, world!", answer.choices().get(0).message().content().orElseThrow());
        assertTrue(anthropic.lastBody, anthropic.lastBody.contains("\"tool_result\"") && anthropic.lastBody.contains(call.id()));

        // streamed: the SDK reassembles the pieces
        StringBuilder arguments = new StringBuilder();
        String[] name = new String[1];
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("Weather in Paris?").addTool(weatherTool()).build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(calls -> calls.forEach(tc -> {
                assertEquals(0, tc.index());
                tc.function().flatMap(f -> f.name()).ifPresent(n -> name[0] = n);
                tc.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
            }))));
        }
        assertEquals("get_weather", name[0]);
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, arguments.toString());
    }

    @Test
    public void jsonSchemaReachesOpenAiAndAnthropicAndIsRefusedByNameWhereNoDeploymentHonoursIt() {
        ResponseFormatJsonSchema format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("weather").strict(true).schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build();
        client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt").addUserMessage("hi").responseFormat(format).build());
        assertTrue(openAi.lastBody, openAi.lastBody.contains("\"json_schema\"") && openAi.lastBody.contains("\"strict\":true"));

        // Anthropic answers JSON mode through a forced tool: the SDK reads the JSON as the message content
        ChatCompletion json = client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").responseFormat(format).build());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, json.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, json.choices().get(0).finishReason());

        // with tools as well no deployment of the route can honour it: refused by name
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").responseFormat(format)
                        .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").build()).build())
                        .build()));
        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage(), e.getMessage().contains("response_format"));
    }

    @Test
    public void embeddingsAndModels() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("gpt").input("hello").build());
        assertEquals(List.of(5.0f, 0.5f, 0.5f), r.data().get(0).embedding());
        CreateEmbeddingResponse b64 = client.embeddings().create(EmbeddingCreateParams.builder().model("gpt").input("hello")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertEquals(List.of(5.0f, 0.5f, 0.5f), b64.data().get(0).embedding()); // the SDK decoded the base64
        List<String> models = client.models().list().data().stream().map(m -> m.id()).toList();
        assertEquals(List.of("claude", "gpt"), models);
    }

    @Test
    public void responsesApiPlainStreamingAndToolsOnEitherVendor() {
        for (String route : List.of("gpt", "claude")) {
            Response r = client.responses().create(ResponseCreateParams.builder().model(route).instructions("Be brief.").input("hi").build());
            assertEquals("Hello, world!", r.output().get(0).message().orElseThrow().content().get(0).asOutputText().text());
            assertEquals(16, r.usage().orElseThrow().totalTokens());

            StringBuilder text = new StringBuilder();
            boolean[] completed = new boolean[1];
            try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                    ResponseCreateParams.builder().model(route).input("hi").build())) {
                s.stream().forEach(e -> {
                    e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                    if (e.isCompleted()) {
                        completed[0] = true;
                    }
                });
            }
            assertEquals("Hello, world!", text.toString());
            assertTrue(completed[0]);

            Response tools = client.responses().create(ResponseCreateParams.builder().model(route).input("Weather in Paris?")
                    .addTool(FunctionTool.builder().name("get_weather").strict(false).parameters(FunctionTool.Parameters.builder()
                            .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build());
            ResponseFunctionToolCall call = tools.output().stream().filter(o -> o.functionCall().isPresent()).findFirst().orElseThrow()
                    .functionCall().orElseThrow();
            assertEquals("get_weather", call.name());
            assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.arguments());
            assertFalse(call.callId().isEmpty());
        }
    }

    @Test
    public void responsesApiPassedThroughToADeploymentThatServesItWithFailoverToAMappedOne() {
        router.putDeployment(new Deployment("gpt-native", "openai", "gpt-5-test", openAi.endpoint(), "k1", 0, 0, 0, 0, 2000, 0, 0,
                Deployment.RESPONSES_NATIVE));
        router.putRoute(new Route("native", "ordered", List.of("gpt-native", "claude"), Map.of()));
        Response r = client.responses().create(ResponseCreateParams.builder().model("native").instructions("Be brief.").input("hi").build());
        // the server's own response object, passed through; its id tagged with the deployment that created it
        assertEquals("resp_fake1", io.headroom.llm.api.ResponseAffinity.untagged(r.id()));
        assertTrue(r.id(), r.id().startsWith("resp_fake1" + io.headroom.llm.api.ResponseAffinity.MARK));
        assertEquals("native", r.model().asString());
        assertEquals("Hello, world!", r.output().get(0).message().orElseThrow().content().get(0).asOutputText().text());
        assertEquals(16, r.usage().orElseThrow().totalTokens());
        assertEquals("/responses", openAi.lastPath);
        assertTrue(openAi.lastBody, openAi.lastBody.contains("\"instructions\":\"Be brief.\"") && openAi.lastBody.contains("\"gpt-5-test\""));

        StringBuilder text = new StringBuilder();
        String[] completedId = new String[1];
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                ResponseCreateParams.builder().model("native").input("hi").build())) {
            s.stream().forEach(e -> {
                e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                e.completed().ifPresent(c -> completedId[0] = c.response().id());
            });
        }
        assertEquals("Hello, world!", text.toString());
        assertEquals(r.id(), completedId[0]);
        // the SDK continues the response: the call reaches the deployment with the id it made
        Response continued = client.responses().create(ResponseCreateParams.builder().model("native").input("more")
                .previousResponseId(r.id()).build());
        assertEquals("Hello, world!", continued.output().get(0).message().orElseThrow().content().get(0).asOutputText().text());
        assertTrue(openAi.lastBody, openAi.lastBody.contains("\"previous_response_id\":\"resp_fake1\""));

        Response tools = client.responses().create(ResponseCreateParams.builder().model("native").input("Weather in Paris?")
                .addTool(FunctionTool.builder().name("get_weather").strict(false).parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build());
        ResponseFunctionToolCall call = tools.output().stream().filter(o -> o.functionCall().isPresent()).findFirst().orElseThrow()
                .functionCall().orElseThrow();
        assertEquals("get_weather", call.name());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.arguments());
        assertEquals(4, openAi.responses.get());

        // the native deployment fails before the first byte: the mapped one (Anthropic) answers, invisibly
        openAi.then(Behaviour.error(503, null));
        Response failedOver = client.responses().create(ResponseCreateParams.builder().model("native").input("hi").build());
        assertTrue(failedOver.id(), failedOver.id().startsWith("resp_") && !failedOver.id().equals("resp_fake1"));
        assertEquals("Hello, world!", failedOver.output().get(0).message().orElseThrow().content().get(0).asOutputText().text());
        assertEquals(5, openAi.responses.get());
        router.clearCooldown("gpt-native"); // this router cools a deployment down at its first failure

        // a native stream cut after its first output ends in an error event the SDK surfaces, not a short answer
        openAi.then(Behaviour.cut(2));
        StringBuilder cut = new StringBuilder();
        boolean[] errorSeen = new boolean[1];
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                ResponseCreateParams.builder().model("native").input("hi").build())) {
            s.stream().forEach(e -> {
                e.outputTextDelta().ifPresent(d -> cut.append(d.delta()));
                assertFalse(e.isCompleted());
                if (e.isError() || e.isFailed()) {
                    errorSeen[0] = true;
                }
            });
        } catch (OpenAIServiceException e) {
            errorSeen[0] = true; // the SDK raises a stream's error event
        }
        assertEquals("Hello, ", cut.toString());
        assertTrue(errorSeen[0]);
    }

    /**
     * A client that closes its socket mid-stream: the gateway stops reading the vendor's stream and closes it (the
     * vendor's server sees the connection closed long before its answer would have ended), and the deployment is not
     * blamed: the next call is answered by it at once.
     */
    @Test
    public void aClientThatClosesItsSocketMidStreamClosesTheUpstreamStreamAndTheDeploymentStaysHealthy() throws Exception {
        anthropic.then(Behaviour.trickle(100)); // 100 tokens, one each 100 ms: 10 s for the whole answer
        byte[] body = "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long sent;
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/llm/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "X-Headroom-Timeout-Ms: 10000\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            sent = System.nanoTime();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("\"content\":\"world\"")) { // a few tokens in
                int b = in.read();
                assertTrue("the stream ended before its third token: " + seen, b >= 0);
                seen.append((char) b);
            }
            assertTrue(seen.toString(), seen.toString().startsWith("HTTP/1.1 200"));
        }
        long deadline = System.currentTimeMillis() + 8_000; // less than the rest of the answer: ~9.7 s
        while (anthropic.closedByClient.get() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the vendor's server saw the connection closed, " + (System.nanoTime() - sent) / 1_000_000 + " ms after the call",
                1, anthropic.closedByClient.get());
        assertTrue("the deployment is not in cooldown: " + router.deployments(),
                router.deployments().stream().noneMatch(d -> d.name().equals("claude") && !d.status().equals("healthy")));
        ChatCompletion next = client.chat().completions().create(ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").build());
        assertEquals("Hello, world!", next.choices().get(0).message().content().orElseThrow());
    }

    @Test
    public void errorsCarryTheStatusAndCodeTheSdkBranchesOn() {
        BadRequestException unknown = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("nope").addUserMessage("hi").build()));
        assertEquals("model_not_found", unknown.code().orElseThrow());

        // a conversation longer than the model's context, in Anthropic's words: OpenAI's code and param
        anthropic.then(Behaviour.error(400, null, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}"));
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").build()));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
        assertEquals("messages", tooLong.param().orElseThrow());
        assertEquals("invalid_request_error", tooLong.type().orElseThrow());
        BadRequestException seed = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").seed(7).build()));
        assertEquals("unsupported_parameter", seed.code().orElseThrow());
        assertEquals("seed", seed.param().orElseThrow());

        // several choices and log probabilities from an OpenAI-compatible deployment, read by the SDK
        ChatCompletion two = client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt").addUserMessage("hi")
                .n(2).logprobs(true).build());
        assertEquals(2, two.choices().size());
        assertEquals("Hello, world! (2)", two.choices().get(1).message().content().orElseThrow());
        assertEquals("Hello", two.choices().get(0).logprobs().orElseThrow().content().orElseThrow().get(0).token());

        openAi.always(Behaviour.error(503, null));
        OpenAIServiceException down = assertThrows(InternalServerException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt").addUserMessage("hi").build()));
        assertEquals(503, down.statusCode());
        assertEquals("service_unavailable", down.code().orElseThrow());
        // a stream that cannot start gets the real status, not a 200 with an error event
        assertThrows(InternalServerException.class, () -> {
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("gpt").addUserMessage("hi").build())) {
                s.stream().count();
            }
        });
    }
}
