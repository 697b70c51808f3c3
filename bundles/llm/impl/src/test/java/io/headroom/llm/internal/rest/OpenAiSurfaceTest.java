package io.headroom.llm.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.bedrock.internal.BedrockAdapter;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.provider.TestAdapters;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The OpenAI surface end to end in process: Chat Completions bodies as SDKs send them (tools, tool results, content
 * parts, developer messages, response_format, other parameters) through the direct endpoint, the router and the real
 * OpenAI, Anthropic and Bedrock adapters, against local servers speaking each vendor's wire format.
 */
public class OpenAiSurfaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}}}]";
    private static final String ROUND_TRIP = "[{\"role\":\"developer\",\"content\":\"Use tools.\"},"
            + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"18C, sunny\"}]";

    /** One Bedrock adapter for the class: its AWS SDK client takes a while to start. */
    private static BedrockAdapter bedrockAdapter;
    private FakeLlmProvider openAi;
    private FakeLlmProvider anthropic;
    private FakeLlmProvider bedrock;
    private Router router;
    private ChatEndpoint endpoint;
    private EmbeddingsEndpoint embeddings;
    private LlmRouter llm;

    @BeforeClass
    public static void startBedrockAdapter() {
        bedrockAdapter = new BedrockAdapter(new BedrockAdapter.Config() {
            @Override
            public String region() {
                return "us-east-1";
            }

            @Override
            public int maxConnections() {
                return 10;
            }

            @Override
            public String[] imageFetchAllowList() {
                return new String[0];
            }

            @Override
            public long imageFetchMaxBytes() {
                return 1000;
            }

            @Override
            public long imageFetchTimeoutMillis() {
                return 1000;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return BedrockAdapter.Config.class;
            }
        });
    }

    @AfterClass
    public static void stopBedrockAdapter() {
        bedrockAdapter.close();
    }

    @Before
    public void setUp() throws Exception {
        openAi = FakeLlmProvider.openAi();
        anthropic = FakeLlmProvider.anthropic();
        bedrock = FakeLlmProvider.bedrock();
        java.util.function.Function<String, ProviderAdapter> adapters = p -> p.equals("bedrock") ? bedrockAdapter : TestAdapters.byProvider(p);
        router = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, adapters);
        router.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        router.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 2000));
        router.putRoute(new Route("gpt", "ordered", List.of("gpt"), Map.of()));
        router.putRoute(new Route("claude", "ordered", List.of("claude"), Map.of()));
        router.putRoute(new Route("claude-then-gpt", "ordered", List.of("claude", "gpt"), Map.of()));
        router.putRoute(new Route("gpt-then-claude", "ordered", List.of("gpt", "claude"), Map.of()));
        // the first stream warms the AWS SDK up: seconds on a loaded machine
        router.putDeployment(new Deployment("aws", "bedrock", "anthropic.claude-test-v1:0", bedrock.endpoint(), "AKIDTEST:secret", 0, 0, 0, 10_000));
        router.putRoute(new Route("aws", "ordered", List.of("aws"), Map.of()));
        router.putRoute(new Route("gpt-then-aws", "ordered", List.of("gpt", "aws"), Map.of()));
        llm = new LlmRouter() {
            @Override
            public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
                try {
                    return router.complete(route, priority, request, System.currentTimeMillis() + timeout.toMillis());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout,
                               StreamListener listener) {
                try {
                    router.stream(route, priority, request, System.currentTimeMillis() + timeout.toMillis(), listener);
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
        endpoint = new ChatEndpoint(llm);
        embeddings = new EmbeddingsEndpoint(llm);
    }

    @After
    public void tearDown() {
        openAi.close();
        anthropic.close();
        bedrock.close();
    }

    /** An in-memory exchange: the request body in, the status, headers and body out. */
    static final class Call extends TestExchange {
        final byte[] request;
        final Map<String, String> requestHeaders = new HashMap<>();
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status;
        String contentType;

        Call(String json) {
            request = json.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String header(String name) {
            return requestHeaders.get(name);
        }

        @Override
        public String requestId() {
            return "test";
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(request);
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            headers.put(name, value);
        }

        @Override
        public OutputStream output(String contentType) {
            this.contentType = contentType;
            return body;
        }

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }

        JsonNode json() throws Exception {
            return JSON.readTree(body.toByteArray());
        }

        /** The SSE data payloads, [DONE] included. */
        List<String> events() {
            List<String> out = new ArrayList<>();
            for (String line : text().split("\n")) {
                if (line.startsWith("data: ")) {
                    out.add(line.substring(6));
                }
            }
            return out;
        }
    }

    private Call post(String json) throws Exception {
        Call c = new Call(json);
        endpoint.serve(new Caller("test", Caller.PLATFORM, null), c);
        return c;
    }

    private Call embed(String json) throws Exception {
        Call c = new Call(json);
        embeddings.serve(new Caller("test", Caller.PLATFORM, null), c);
        return c;
    }

    @Test
    public void embeddingsAreAnsweredByTheRoutesDeploymentsThatEmbedInOpenAiShape() throws Exception {
        Call c = embed("{\"model\":\"claude-then-gpt\",\"input\":[\"hello\",\"hi\"],\"dimensions\":4,\"user\":\"u-1\"}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("gpt", c.headers.get("X-Headroom-Deployment")); // Anthropic does not embed: passed over
        JsonNode data = c.json().path("data");
        assertEquals(2, data.size());
        assertEquals(1, data.path(1).path("index").asInt());
        assertEquals(5.0, data.path(0).path("embedding").path(0).asDouble(), 0);
        assertEquals(4, data.path(0).path("embedding").size());
        assertEquals(4, c.json().path("usage").path("prompt_tokens").asInt());
        assertEquals("claude-then-gpt", c.json().path("model").asText());
        JsonNode sent = JSON.readTree(openAi.lastBody);
        assertEquals("u-1", sent.path("user").asText());
        assertEquals(4, sent.path("dimensions").asInt());
        assertEquals(0, anthropic.requests.get());

        Call b64 = embed("{\"model\":\"gpt\",\"input\":\"abc\",\"encoding_format\":\"base64\"}");
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(
                b64.json().path("data").path(0).path("embedding").asText())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(3.0f, bytes.getFloat(), 0);
        assertEquals(0.5f, bytes.getFloat(), 0);

        Call refused = embed("{\"model\":\"claude\",\"input\":\"abc\"}");
        assertEquals(400, refused.status);
        assertTrue(refused.text(), refused.json().path("error").path("message").asText().contains("no deployment that embeds"));
        assertEquals(400, embed("{\"model\":\"gpt\",\"input\":[1,2,3]}").status);
        assertEquals(400, embed("{\"model\":\"gpt\",\"input\":[]}").status);
    }

    @Test
    public void responsesInputItemsBecomeTheConversationAndToolCallsStreamAsFunctionCallEvents() throws Exception {
        ResponsesEndpoint responses = new ResponsesEndpoint(llm);
        Call c = new Call("{\"model\":\"claude\",\"instructions\":\"Use tools.\",\"input\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather in Paris?\"}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_9\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_9\",\"output\":\"18C, sunny\"}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}");
        responses.serve(new Caller("test", Caller.PLATFORM, null), c);
        assertEquals(c.text(), 200, c.status);
        assertEquals("Hello, world!", c.json().path("output").path(0).path("content").path(0).path("text").asText());
        JsonNode sent = JSON.readTree(anthropic.lastBody);
        assertEquals("Use tools.", sent.path("system").asText());
        assertEquals("tool_use", sent.path("messages").path(1).path("content").path(0).path("type").asText());
        assertEquals("call_9", sent.path("messages").path(2).path("content").path(0).path("tool_use_id").asText());

        Call s = new Call("{\"model\":\"gpt\",\"stream\":true,\"input\":\"Weather in Paris?\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}");
        responses.serve(new Caller("test", Caller.PLATFORM, null), s);
        List<String> types = new ArrayList<>();
        StringBuilder arguments = new StringBuilder();
        JsonNode completed = null;
        for (String e : s.events()) {
            JsonNode event = JSON.readTree(e);
            types.add(event.path("type").asText());
            if (event.path("type").asText().equals("response.function_call_arguments.delta")) {
                arguments.append(event.path("delta").asText());
            }
            if (event.path("type").asText().equals("response.completed")) {
                completed = event.path("response");
            }
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed"), types);
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, arguments.toString());
        assertEquals("call_1", completed.path("output").path(0).path("call_id").asText());
        assertEquals(29, completed.path("usage").path("total_tokens").asInt());

        Call stored = new Call("{\"model\":\"gpt\",\"input\":\"hi\",\"previous_response_id\":\"resp_1\"}");
        responses.serve(new Caller("test", Caller.PLATFORM, null), stored);
        assertEquals(400, stored.status);
    }

    @Test
    public void aProviderThatGoesSilentMidStreamEndsTheClientsStreamWithAnErrorEvent() throws Exception {
        router.putDeployment(new Deployment("claude-quick", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 300));
        router.putRoute(new Route("quick", "ordered", List.of("claude-quick"), Map.of()));
        anthropic.then(Behaviour.stallAfter(2, 3_000)); // silent for longer than the deployment's 300 ms
        Call c = post("{\"model\":\"quick\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, c.status);
        List<String> events = c.events();
        String last = events.get(events.size() - 1);
        assertTrue(last, last.startsWith("{\"error\""));
        assertFalse(events.contains("[DONE]"));
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) {
            text.append(JSON.readTree(e).path("choices").path(0).path("delta").path("content").asText(""));
        }
        assertEquals("Hello, ", text.toString()); // the two tokens before the silence, then the error: never a cut answer that looks whole
        assertEquals(1, router.deployments().stream().filter(d -> d.name().equals("claude-quick")).findFirst().orElseThrow().failures());
    }

    @Test
    public void theStreamIdleTimeoutBoundsSilenceMidStreamApartFromTheWholeRequestTimeout() throws Exception {
        // a 30 s timeout would wait out the 3 s silence and finish the answer; the 300 ms idle timeout ends the stream
        for (String vendor : List.of("openai", "anthropic")) {
            FakeLlmProvider server = vendor.equals("openai") ? openAi : anthropic;
            router.putDeployment(new Deployment("idle-" + vendor, vendor, "m", server.endpoint(), "k", 0, 0, 0, 0, 30_000, 0, 300));
            router.putRoute(new Route("idle-" + vendor, "ordered", List.of("idle-" + vendor), Map.of()));
            server.then(Behaviour.stallAfter(2, 3_000));
            Call c = post("{\"model\":\"idle-" + vendor + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, c.status);
            List<String> events = c.events();
            String last = events.get(events.size() - 1);
            assertTrue(vendor + ": " + last, last.startsWith("{\"error\""));
            assertTrue(last, last.contains("silent for more than 300 ms"));
            assertFalse(events.contains("[DONE]"));
            StringBuilder text = new StringBuilder();
            for (String e : events.subList(0, events.size() - 1)) {
                text.append(JSON.readTree(e).path("choices").path(0).path("delta").path("content").asText(""));
            }
            assertEquals(vendor, "Hello, ", text.toString());
        }
    }

    @Test
    public void aStreamSilentBeforeItsFirstByteFailsOverToTheNextDeployment() throws Exception {
        router.putDeployment(new Deployment("claude-idle", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 0, 30_000, 0,
                300));
        router.putRoute(new Route("idle-then-gpt", "ordered", List.of("claude-idle", "gpt"), Map.of()));
        anthropic.then(Behaviour.slow(3_000)); // no response head for 3 s: within the 30 s timeout, not within 300 ms of silence
        Call c = post("{\"model\":\"idle-then-gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("gpt", c.headers.get("X-Headroom-Deployment"));
        List<String> events = c.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals(1, anthropic.requests.get());
        assertEquals(1, router.deployments().stream().filter(d -> d.name().equals("claude-idle")).findFirst().orElseThrow().failures());
    }

    @Test
    public void jsonModeReachesAnthropicAsAForcedToolAndComesBackAsTheMessageContent() throws Exception {
        String format = ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"weather\",\"strict\":true,"
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}";
        Call c = post("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Where?\"}]" + format + "}");
        assertEquals(c.text(), 200, c.status);
        JsonNode choice = c.json().path("choices").path(0);
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, choice.path("message").path("content").asText()); // the tool's input, no preamble
        assertEquals("stop", choice.path("finish_reason").asText());
        assertTrue(choice.toString(), choice.path("message").path("tool_calls").isMissingNode());
        JSON.readTree(choice.path("message").path("content").asText()); // parses
        JsonNode sent = JSON.readTree(anthropic.lastBody);
        assertEquals("tool", sent.path("tool_choice").path("type").asText());
        String tool = sent.path("tool_choice").path("name").asText();
        assertEquals(tool, sent.path("tools").path(0).path("name").asText());
        assertEquals(1, sent.path("tools").size());
        assertEquals("string", sent.path("tools").path(0).path("input_schema").path("properties").path("city").path("type").asText());
        assertEquals("city", sent.path("tools").path(0).path("input_schema").path("required").path(0).asText());

        Call stream = post("{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Where?\"}]" + format + "}");
        assertEquals(stream.text(), 200, stream.status);
        List<String> events = stream.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode ch = JSON.readTree(e).path("choices").path(0);
            assertTrue(e, ch.path("delta").path("tool_calls").isMissingNode());
            content.append(ch.path("delta").path("content").asText(""));
            if (ch.hasNonNull("finish_reason")) {
                finish = ch.get("finish_reason").asText();
            }
        }
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, content.toString());
        assertEquals("stop", finish);

        Call object = post("{\"model\":\"claude\",\"response_format\":{\"type\":\"json_object\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Where?\"}]}");
        assertEquals(object.text(), 200, object.status);
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, object.json().path("choices").path(0).path("message").path("content").asText());
        assertEquals("object", JSON.readTree(anthropic.lastBody).path("tools").path(0).path("input_schema").path("type").asText());

        // with tools too the answer would be either a call or the JSON: not something Anthropic can be forced into
        Call both = post("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + TOOLS + format + "}");
        assertEquals(400, both.status);
        assertTrue(both.text(), both.text().contains("'response_format'"));
        Call array = post("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":"
                + "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\",\"schema\":{\"type\":\"array\"}}}}");
        assertEquals(400, array.status);
        assertEquals("neither refused call was sent", 3, anthropic.requests.get());
    }

    @Test
    public void embeddingsFailOverLikeChat() throws Exception {
        openAi.then(Behaviour.error(503, null));
        router.putDeployment(new Deployment("gpt-2", "openai", "embed-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        router.putRoute(new Route("embed", "ordered", List.of("gpt", "gpt-2"), Map.of()));
        Call c = embed("{\"model\":\"embed\",\"input\":\"abc\"}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("gpt-2", c.headers.get("X-Headroom-Deployment"));
    }

    @Test
    public void aToolCallComesBackInOpenAiShapeFromEitherVendor() throws Exception {
        for (String route : List.of("gpt", "claude")) {
            Call c = post("{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]," + TOOLS
                    + ",\"tool_choice\":\"auto\"}");
            assertEquals(c.text(), 200, c.status);
            JsonNode choice = c.json().path("choices").path(0);
            assertEquals(route, "tool_calls", choice.path("finish_reason").asText());
            JsonNode call = choice.path("message").path("tool_calls").path(0);
            assertEquals("get_weather", call.path("function").path("name").asText());
            assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.path("function").path("arguments").asText());
            assertEquals("function", call.path("type").asText());
            assertFalse(call.path("id").asText().isEmpty());
        }
        // Anthropic got its own shape: tools with input_schema and tool_choice auto
        JsonNode sent = JSON.readTree(anthropic.lastBody);
        assertEquals("get_weather", sent.path("tools").path(0).path("name").asText());
        assertEquals("object", sent.path("tools").path(0).path("input_schema").path("type").asText());
        assertEquals("auto", sent.path("tool_choice").path("type").asText());
        // OpenAI got the tools as they were sent
        assertEquals("get_weather", JSON.readTree(openAi.lastBody).path("tools").path(0).path("function").path("name").asText());
    }

    @Test
    public void theToolResultRoundTripReachesAnthropicAsToolUseAndToolResultBlocks() throws Exception {
        Call c = post("{\"model\":\"claude\",\"messages\":" + ROUND_TRIP + "," + TOOLS + ",\"tool_choice\":\"none\"}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("none", JSON.readTree(anthropic.lastBody).path("tool_choice").path("type").asText());
        assertEquals("get_weather", JSON.readTree(anthropic.lastBody).path("tools").path(0).path("name").asText());
        assertEquals("Hello, world!", c.json().path("choices").path(0).path("message").path("content").asText());
        assertEquals("stop", c.json().path("choices").path(0).path("finish_reason").asText());
        JsonNode sent = JSON.readTree(anthropic.lastBody);
        assertEquals("Use tools.", sent.path("system").asText()); // the developer message
        JsonNode messages = sent.path("messages");
        assertEquals(3, messages.size()); // user, assistant (tool_use), user (tool_result)
        JsonNode use = messages.path(1).path("content").path(0);
        assertEquals("tool_use", use.path("type").asText());
        assertEquals("call_9", use.path("id").asText());
        assertEquals("Paris", use.path("input").path("city").asText());
        JsonNode result = messages.path(2).path("content").path(0);
        assertEquals("user", messages.path(2).path("role").asText());
        assertEquals("tool_result", result.path("type").asText());
        assertEquals("call_9", result.path("tool_use_id").asText());
        assertEquals("18C, sunny", result.path("content").asText());
    }

    @Test
    public void aConversationWithToolsFailsOverFromOpenAiToAnthropicMidConversation() throws Exception {
        openAi.always(Behaviour.error(503, null));
        Call c = post("{\"model\":\"gpt-then-claude\",\"messages\":" + ROUND_TRIP + "," + TOOLS + "}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("claude", c.headers.get("X-Headroom-Deployment"));
        assertEquals("Hello, world!", c.json().path("choices").path(0).path("message").path("content").asText());
        assertTrue(anthropic.lastBody, anthropic.lastBody.contains("\"tool_result\""));
        assertEquals(1, openAi.requests.get());
    }

    @Test
    public void streamedToolCallsArriveAsIndexedDeltasWithTheRoleFirstAndUsageWhenAsked() throws Exception {
        for (String route : List.of("gpt", "claude")) {
            Call c = post("{\"model\":\"" + route + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]," + TOOLS + "}");
            assertEquals(c.text(), 200, c.status);
            List<String> events = c.events();
            assertEquals("[DONE]", events.get(events.size() - 1));
            JsonNode first = JSON.readTree(events.get(0));
            assertEquals("assistant", first.path("choices").path(0).path("delta").path("role").asText());
            StringBuilder arguments = new StringBuilder();
            String id = null;
            String name = null;
            String finish = null;
            JsonNode usage = null;
            for (String e : events.subList(0, events.size() - 1)) {
                JsonNode chunk = JSON.readTree(e);
                if (chunk.hasNonNull("usage")) {
                    usage = chunk.get("usage");
                    assertEquals(0, chunk.path("choices").size());
                    continue;
                }
                JsonNode choice = chunk.path("choices").path(0);
                for (JsonNode call : choice.path("delta").path("tool_calls")) {
                    assertEquals(0, call.path("index").asInt());
                    if (call.has("id")) {
                        assertNull("the id comes once", id);
                        id = call.get("id").asText();
                        name = call.path("function").path("name").asText();
                    }
                    arguments.append(call.path("function").path("arguments").asText());
                }
                if (choice.hasNonNull("finish_reason")) {
                    finish = choice.get("finish_reason").asText();
                }
            }
            assertTrue(route, id != null && !id.isEmpty());
            assertEquals("get_weather", name);
            assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, arguments.toString());
            assertEquals("tool_calls", finish);
            assertEquals(29, usage.path("total_tokens").asInt());
        }
    }

    private static final String TWO_TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\"}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"parameters\":{\"type\":\"object\"}}}],\"parallel_tool_calls\":true";

    /** One streamed tool call as the client reassembles it from its delta.tool_calls pieces. */
    private record StreamedCall(String id, String name, StringBuilder arguments) {
    }

    /** The streamed tool calls by index, asserting that each call's id and name come once, in its first piece. */
    private static Map<Integer, StreamedCall> streamedCalls(Call c) throws Exception {
        Map<Integer, StreamedCall> calls = new java.util.TreeMap<>();
        List<String> events = c.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        for (String e : events.subList(0, events.size() - 1)) {
            for (JsonNode piece : JSON.readTree(e).path("choices").path(0).path("delta").path("tool_calls")) {
                int index = piece.path("index").asInt(-1);
                StreamedCall known = calls.get(index);
                if (known == null) {
                    assertTrue("the first piece of a call carries its id and name: " + piece, piece.hasNonNull("id")
                            && piece.path("function").hasNonNull("name"));
                    known = new StreamedCall(piece.get("id").asText(), piece.path("function").path("name").asText(), new StringBuilder());
                    calls.put(index, known);
                } else {
                    assertFalse("a call's id comes once: " + piece, piece.has("id"));
                }
                known.arguments().append(piece.path("function").path("arguments").asText(""));
            }
        }
        return calls;
    }

    @Test
    public void twoParallelToolCallsStreamFromAnthropicAndBedrockWithStableDistinctIndexesAndIds() throws Exception {
        for (FakeLlmProvider vendor : List.of(anthropic, bedrock)) {
            vendor.parallelToolCalls = true;
            String route = vendor == anthropic ? "claude" : "aws";
            Call c = post("{\"model\":\"" + route + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}],"
                    + TWO_TOOLS + "}");
            assertEquals(c.text(), 200, c.status);
            Map<Integer, StreamedCall> calls = streamedCalls(c);
            assertEquals(route + ": " + c.text(), List.of(0, 1), new ArrayList<>(calls.keySet()));
            assertEquals("get_weather", calls.get(0).name());
            assertEquals("get_time", calls.get(1).name());
            assertEquals("each call's arguments, whole and not mixed with the other's", FakeLlmProvider.TOOL_ARGUMENTS,
                    calls.get(0).arguments().toString());
            assertEquals(FakeLlmProvider.SECOND_TOOL_ARGUMENTS, calls.get(1).arguments().toString());
            assertFalse(route, calls.get(0).id().isEmpty());
            assertFalse(route + ": distinct ids", calls.get(0).id().equals(calls.get(1).id()));
            String finish = JSON.readTree(c.events().get(c.events().size() - 2)).path("choices").path(0).path("finish_reason").asText();
            assertEquals("tool_calls", finish);

            // the same answer not streamed: the same two calls, same ids, in order
            Call plain = post("{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}],"
                    + TWO_TOOLS + "}");
            JsonNode toolCalls = plain.json().path("choices").path(0).path("message").path("tool_calls");
            assertEquals(plain.text(), 2, toolCalls.size());
            assertEquals(calls.get(0).id(), toolCalls.path(0).path("id").asText());
            assertEquals(calls.get(1).id(), toolCalls.path(1).path("id").asText());
            assertEquals(FakeLlmProvider.SECOND_TOOL_ARGUMENTS, toolCalls.path(1).path("function").path("arguments").asText());
        }
    }

    @Test
    public void aToolsRequestWhoseFailoverEndsOnBedrockGetsOpenAiToolCallsPlainAndStreamed() throws Exception {
        openAi.always(Behaviour.error(503, null)); // retryable: the router goes on to Bedrock
        Call c = post("{\"model\":\"gpt-then-aws\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]," + TOOLS + "}");
        assertEquals(c.text(), 200, c.status);
        assertEquals("aws", c.headers.get("X-Headroom-Deployment"));
        JsonNode choice = c.json().path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("tooluse_1", call.path("id").asText());
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.path("function").path("arguments").asText());
        assertEquals(1, openAi.requests.get());
        assertTrue("Bedrock got the tools as its toolConfig: " + bedrock.lastBody, bedrock.lastBody.contains("\"toolConfig\"")
                && bedrock.lastBody.contains("\"get_weather\""));

        // the tool result goes to Bedrock as a toolResult block and the final answer is text
        Call answer = post("{\"model\":\"gpt-then-aws\",\"messages\":" + ROUND_TRIP + "," + TOOLS + "}");
        assertEquals(answer.text(), 200, answer.status);
        assertEquals("Hello, world!", answer.json().path("choices").path(0).path("message").path("content").asText());
        assertTrue(bedrock.lastBody, bedrock.lastBody.contains("\"toolResult\"") && bedrock.lastBody.contains("call_9"));

        router.clearCooldown("gpt");
        Call streamed = post("{\"model\":\"gpt-then-aws\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
                + TOOLS + "}");
        assertEquals(streamed.text(), 200, streamed.status);
        Map<Integer, StreamedCall> calls = streamedCalls(streamed);
        assertEquals(streamed.text(), List.of(0), new ArrayList<>(calls.keySet()));
        assertEquals("tooluse_1", calls.get(0).id());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, calls.get(0).arguments().toString());
    }

    @Test
    public void aParameterNoDeploymentCanHonourIsRefusedByNameAndOneThatCanAnswers() throws Exception {
        Call refused = post("{\"model\":\"claude\",\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, refused.status);
        JsonNode error = refused.json().path("error");
        assertTrue(error.toString(), error.path("message").asText().contains("'seed'"));
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals(error.toString(), "seed", error.path("param").asText()); // SDKs read the parameter from here
        assertEquals("unsupported_parameter", error.path("code").asText());
        assertEquals(0, anthropic.requests.get());

        Call skipped = post("{\"model\":\"claude-then-gpt\",\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(skipped.text(), 200, skipped.status);
        assertEquals("gpt", skipped.headers.get("X-Headroom-Deployment"));
        assertEquals(7, JSON.readTree(openAi.lastBody).path("seed").asInt());
        assertEquals(0, anthropic.requests.get());


        router.putRoute(new Route("claude-drops-seed", "ordered", List.of("claude", "gpt"), Map.of(), List.of("seed")));
        Call dropped = post("{\"model\":\"claude-drops-seed\",\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(dropped.text(), 200, dropped.status);
        assertEquals("the route allows dropping seed", "claude", dropped.headers.get("X-Headroom-Deployment"));
        assertFalse(anthropic.lastBody, anthropic.lastBody.contains("seed"));
        assertEquals(400, post("{\"model\":\"claude\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").status);
        Call notDropped = post("{\"model\":\"claude-drops-seed\",\"presence_penalty\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals("gpt", notDropped.headers.get("X-Headroom-Deployment"));

    }

    @Test
    public void severalChoicesAndLogprobsComeBackAsTheOpenAiCompatibleServerSentThemAndAreRefusedInAStream() throws Exception {
        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        Call two = post("{\"model\":\"claude-then-gpt\",\"n\":2," + hi + "}");
        assertEquals(two.text(), 200, two.status);
        assertEquals("Anthropic answers one choice: passed over", "gpt", two.headers.get("X-Headroom-Deployment"));
        assertEquals(2, JSON.readTree(openAi.lastBody).path("n").asInt());
        JsonNode choices = two.json().path("choices");
        assertEquals(2, choices.size());
        assertEquals("Hello, world!", choices.path(0).path("message").path("content").asText());
        assertEquals("Hello, world! (2)", choices.path(1).path("message").path("content").asText());
        assertEquals(1, choices.path(1).path("index").asInt());
        assertEquals(20, two.json().path("usage").path("total_tokens").asInt());
        assertEquals(0, anthropic.requests.get());

        Call logprobs = post("{\"model\":\"gpt\",\"logprobs\":true,\"top_logprobs\":2," + hi + "}");
        assertEquals(logprobs.text(), 200, logprobs.status);
        JsonNode sent = JSON.readTree(openAi.lastBody);
        assertTrue(sent.path("logprobs").asBoolean());
        assertEquals(2, sent.path("top_logprobs").asInt());
        JsonNode token = logprobs.json().path("choices").path(0).path("logprobs").path("content").path(0);
        assertEquals("Hello", token.path("token").asText());
        assertEquals(-0.25, token.path("logprob").asDouble(), 0);
        assertEquals(400, post("{\"model\":\"claude\",\"logprobs\":true," + hi + "}").status);

        int sentBefore = openAi.requests.get();
        for (String streamed : List.of("\"n\":3", "\"logprobs\":true", "\"top_logprobs\":1")) {
            Call c = post("{\"model\":\"gpt\",\"stream\":true," + streamed + "," + hi + "}");
            assertEquals(streamed + ": " + c.text(), 400, c.status);
            JsonNode error = c.json().path("error");
            assertEquals("unsupported_parameter", error.path("code").asText());
            assertTrue(error.toString(), streamed.contains("\"" + error.path("param").asText() + "\""));
        }
        assertEquals("a stream with them is never cut down to one plain choice", sentBefore, openAi.requests.get());
        assertEquals(200, post("{\"model\":\"gpt\",\"stream\":true,\"n\":1,\"logprobs\":false," + hi + "}").status);
    }

    @Test
    public void withoutAnOutputLimitOpenAiGetsNoneAndAnthropicItsRequiredDefault() throws Exception {
        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        // the plain request (written straight out), one with a parameter (written as a tree), and a stream
        for (String body : List.of("{\"model\":\"gpt\"," + hi + "}", "{\"model\":\"gpt\",\"seed\":1," + hi + "}",
                "{\"model\":\"gpt\",\"stream\":true," + hi + "}")) {
            Call c = post(body);
            assertEquals(c.text(), 200, c.status);
            JsonNode sent = JSON.readTree(openAi.lastBody);
            assertFalse(body + " sent " + sent, sent.has("max_tokens") || sent.has("max_completion_tokens")); // OpenAI's default
        }
        for (String body : List.of("{\"model\":\"gpt\",\"max_tokens\":77," + hi + "}", "{\"model\":\"gpt\",\"max_tokens\":77,\"seed\":1," + hi + "}")) {
            assertEquals(200, post(body).status);
            assertEquals(body, 77, JSON.readTree(openAi.lastBody).path("max_tokens").asInt());
        }
        assertEquals(200, post("{\"model\":\"claude\"," + hi + "}").status);
        assertEquals("Anthropic requires a limit", ChatRequest.DEFAULT_MAX_TOKENS, JSON.readTree(anthropic.lastBody).path("max_tokens").asInt());
        assertEquals(200, post("{\"model\":\"claude\",\"max_completion_tokens\":55," + hi + "}").status);
        assertEquals(55, JSON.readTree(anthropic.lastBody).path("max_tokens").asInt());
    }

    @Test
    public void anthropicRefusesMetadataAndStoreTrueByNameAndAnotherDeploymentOrTheRoutesDropListTakesThem() throws Exception {
        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        Call metadata = post("{\"model\":\"claude\",\"metadata\":{\"team\":\"billing\"}," + hi + "}");
        assertEquals(metadata.text(), 400, metadata.status);
        assertEquals("metadata", metadata.json().path("error").path("param").asText());
        Call store = post("{\"model\":\"claude\",\"store\":true," + hi + "}");
        assertEquals(store.text(), 400, store.status);
        assertEquals("store", store.json().path("error").path("param").asText());
        assertEquals(0, anthropic.requests.get());

        Call noStore = post("{\"model\":\"claude\",\"store\":false,\"user\":\"u-1\"," + hi + "}");
        assertEquals("nothing stored is what Anthropic does anyway", 200, noStore.status);
        assertEquals("u-1", JSON.readTree(anthropic.lastBody).path("metadata").path("user_id").asText());

        Call skipped = post("{\"model\":\"claude-then-gpt\",\"metadata\":{\"team\":\"billing\"},\"store\":true," + hi + "}");
        assertEquals(skipped.text(), 200, skipped.status);
        assertEquals("gpt", skipped.headers.get("X-Headroom-Deployment"));
        JsonNode sent = JSON.readTree(openAi.lastBody);
        assertEquals("billing", sent.path("metadata").path("team").asText());
        assertTrue(sent.path("store").asBoolean());

        router.putRoute(new Route("claude-drops-metadata", "ordered", List.of("claude", "gpt"), Map.of(), List.of("metadata")));
        Call dropped = post("{\"model\":\"claude-drops-metadata\",\"metadata\":{\"team\":\"billing\"}," + hi + "}");
        assertEquals("claude", dropped.headers.get("X-Headroom-Deployment"));
        assertFalse(anthropic.lastBody, anthropic.lastBody.contains("billing"));
    }

    @Test
    public void aConversationLongerThanTheContextIsContextLengthExceededFromEitherVendorWithoutTheProvidersText() throws Exception {
        String openAiError = "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens. However, your messages "
                + "resulted in 9000 tokens. (key sk-abc123)\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
                + "\"code\":\"context_length_exceeded\"}}";
        String anthropicError = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum (key sk-abc123)\"}}";
        Caller tenant = new Caller("acme-token", Caller.TENANT, TenantId.of("acme"));
        for (String route : List.of("gpt", "claude")) {
            FakeLlmProvider server = route.equals("gpt") ? openAi : anthropic;
            String errorBody = route.equals("gpt") ? openAiError : anthropicError;
            for (boolean stream : List.of(false, true)) {
                for (Caller caller : List.of(tenant, new Caller("test", Caller.PLATFORM, null))) {
                    server.then(Behaviour.error(400, null, errorBody));
                    Call c = new Call("{\"model\":\"" + route + "\",\"stream\":" + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                    endpoint.serve(caller, c);
                    String what = route + (stream ? " streamed" : "") + " for " + caller.role();
                    assertEquals(what + ": " + c.text(), 400, c.status);
                    JsonNode error = c.json().path("error");
                    assertEquals(what, "context_length_exceeded", error.path("code").asText());
                    assertEquals(what, "invalid_request_error", error.path("type").asText());
                    assertEquals(what, "messages", error.path("param").asText());
                    if (caller == tenant) {
                        assertFalse(what + ": " + error, error.toString().contains("sk-abc123") || error.toString().contains("tokens >")
                                || error.toString().contains("8192"));
                    }
                }
            }
        }
        // another 400 of the provider's carries no code
        openAi.then(Behaviour.error(400, null, "{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\"}}"));
        Call other = post("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, other.status);
        assertTrue(other.text(), other.json().path("error").path("code").isNull());
    }

    @Test
    public void openAiDeploymentsGetEveryParameterAsSentAndMaxCompletionTokensAsItself() throws Exception {
        Call c = post("{\"model\":\"gpt\",\"max_completion_tokens\":300,\"seed\":1,\"top_p\":0.5,\"stop\":[\"END\"],"
                + "\"reasoning_effort\":\"low\",\"some_future_field\":{\"a\":[1,2]},\"response_format\":"
                + "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\",\"strict\":true,\"schema\":{\"type\":\"object\"}}},"
                + "\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\",\"detail\":\"low\"}}]}]}");
        assertEquals(c.text(), 200, c.status);
        JsonNode sent = JSON.readTree(openAi.lastBody);
        assertEquals(300, sent.path("max_completion_tokens").asInt());
        assertFalse(sent.toString(), sent.has("max_tokens"));
        assertEquals(1, sent.path("seed").asInt());
        assertEquals(0.5, sent.path("top_p").asDouble(), 0);
        assertEquals("END", sent.path("stop").path(0).asText());
        assertEquals("low", sent.path("reasoning_effort").asText());
        assertEquals(2, sent.path("some_future_field").path("a").path(1).asInt());
        assertEquals("w", sent.path("response_format").path("json_schema").path("name").asText());
        assertTrue(sent.path("response_format").path("json_schema").path("strict").asBoolean());
        assertEquals("developer", sent.path("messages").path(0).path("role").asText());
        JsonNode image = sent.path("messages").path(1).path("content").path(1);
        assertEquals("https://example.com/a.png", image.path("image_url").path("url").asText());
        assertEquals("low", image.path("image_url").path("detail").asText());
    }

    @Test
    public void imagesReachAnthropicAsImageBlocksAndStopAndTemperatureAreMapped() throws Exception {
        Call c = post("{\"model\":\"claude\",\"temperature\":1.6,\"stop\":\"END\",\"user\":\"u-1\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Compare\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/b.jpg\"}}]}]}");
        assertEquals(c.text(), 200, c.status);
        JsonNode sent = JSON.readTree(anthropic.lastBody);
        JsonNode content = sent.path("messages").path(0).path("content");
        assertEquals("Compare", content.path(0).path("text").asText());
        assertEquals("base64", content.path(1).path("source").path("type").asText());
        assertEquals("image/png", content.path(1).path("source").path("media_type").asText());
        assertEquals("iVBORw0KGgo=", content.path(1).path("source").path("data").asText());
        assertEquals("url", content.path(2).path("source").path("type").asText());
        assertEquals("https://example.com/b.jpg", content.path(2).path("source").path("url").asText());
        assertEquals(1.0, sent.path("temperature").asDouble(), 0); // OpenAI's 0-2 capped at Anthropic's 1
        assertEquals("END", sent.path("stop_sequences").path(0).asText());
        assertEquals("u-1", sent.path("metadata").path("user_id").asText());
    }

    @Test
    public void malformedToolsAndMessagesAreClearClientErrors() throws Exception {
        assertEquals(400, post("{\"model\":\"gpt\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}").status);
        assertEquals(400, post("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}").status);
        assertEquals(400, post("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"other\"}}}").status);
        assertEquals(400, post("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}").status);
        assertEquals(0, openAi.requests.get());
    }
}
