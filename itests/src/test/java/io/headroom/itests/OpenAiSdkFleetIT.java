package io.headroom.itests;

import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
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
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.fixtures.LocalFleet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The official openai-java SDK, unchanged, as a client service uses it: against the gateway's {@code /api/llm/v1}
 * endpoints of a node of the shared fleet, with a tenant token, over local servers speaking OpenAI's, Anthropic's and
 * Bedrock's wire formats. Plain and streamed chat from each vendor, a tool round trip (call, tool result, answer) on
 * Anthropic and on Bedrock, streamed tool-call deltas, a JSON schema, embeddings (OpenAI-compatible and Titan), the
 * models a tenant may use, errors the SDK raises as its typed exceptions with OpenAI's codes, and the Responses API
 * (plain, a function call round trip, streamed events) mapped onto Anthropic and Bedrock. Besides the SDK: a client that
 * closes its socket mid-stream against the node's Jetty, which closes the vendor's stream, leaves the deployment
 * healthy, and costs the tenant only what was streamed.
 */
public class OpenAiSdkFleetIT {
    private static final String SUFFIX = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static final String GPT = "sdk-gpt-" + SUFFIX;
    private static final String CLAUDE = "sdk-claude-" + SUFFIX;
    private static final String BEDROCK = "sdk-bedrock-" + SUFFIX;
    private static final String TITAN = "sdk-titan-" + SUFFIX;
    /** An Anthropic deployment with prices, for the client that goes away mid-stream (a route and tenant of its own). */
    private static final String SLOW = "sdk-slow-" + SUFFIX;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RestClient node;
    private static String nodeBase;
    private static FakeLlmProvider openAi;
    private static FakeLlmProvider anthropic;
    private static FakeLlmProvider bedrock;
    private static OpenAIClient client;
    private static String base;

    @BeforeClass
    public static void start() throws Exception {
        openAi = FakeLlmProvider.openAi();
        anthropic = FakeLlmProvider.anthropic();
        bedrock = FakeLlmProvider.bedrock();
        LocalFleet fleet = TestFleet.get();
        nodeBase = fleet.node(0).karaf().baseUrl();
        node = new RestClient(nodeBase);
        // one deployment per vendor, each the only deployment of a route of the same name (route names are model names)
        deploy(node, GPT, "openai", "gpt-test", openAi.endpoint(), "sk-sdk-never-shown");
        deploy(node, CLAUDE, "anthropic", "claude-test", anthropic.endpoint(), "sk-ant-sdk-never-shown");
        deploy(node, BEDROCK, "bedrock", "anthropic.claude-test-v1:0", bedrock.endpoint(), "AKIDTEST:aws-sdk-never-shown");
        deploy(node, TITAN, "bedrock", "amazon.titan-embed-text-v2:0", bedrock.endpoint(), "AKIDTEST:aws-sdk-never-shown");
        // $1 and $2 per thousand input and output tokens; a provider failure would cool it down at once (allowedFails 1)
        node.expect(200, "PUT", "/llm/deployments/" + SLOW, "{\"provider\":\"anthropic\",\"model\":\"claude-test\",\"endpoint\":\""
                + anthropic.endpoint() + "\",\"apiKey\":\"sk-ant-sdk-never-shown\",\"timeoutMillis\":15000,\"allowedFails\":1,"
                + "\"inputCostPer1kTokens\":1.0,\"outputCostPer1kTokens\":2.0}");
        node.expect(200, "PUT", "/llm/routes/" + SLOW, "{\"strategy\":\"ordered\",\"deployments\":[\"" + SLOW + "\"]}");
        String token = string(node.expect(201, "POST", "/tokens", "{\"name\":\"sdk-" + SUFFIX + "\",\"tenant\":\"sdk-" + SUFFIX + "\"}"), "token");
        base = fleet.node(0).karaf().baseUrl() + "/api/llm/v1";
        client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(token).maxRetries(0)
                .putHeader("X-Headroom-Timeout-Ms", "5000").build();
    }

    private static void deploy(RestClient node, String name, String provider, String model, String endpoint, String key) throws Exception {
        node.expect(200, "PUT", "/llm/deployments/" + name, "{\"provider\":\"" + provider + "\",\"model\":\"" + model + "\",\"endpoint\":\""
                + endpoint + "\",\"apiKey\":\"" + key + "\",\"timeoutMillis\":5000}");
        node.expect(200, "PUT", "/llm/routes/" + name, "{\"strategy\":\"ordered\",\"deployments\":[\"" + name + "\"]}");
    }

    @AfterClass
    public static void stop() {
        if (client != null) {
            client.close();
        }
        for (FakeLlmProvider p : new FakeLlmProvider[] {openAi, anthropic, bedrock}) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").description("Weather of a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build()).build();
    }

    @Test
    public void plainAndStreamedChatFromEachVendor() {
        for (String route : List.of(GPT, CLAUDE, BEDROCK)) {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(route)
                    .addDeveloperMessage("Be brief.").addUserMessage("hi").maxCompletionTokens(50).build());
            assertEquals(route, "Hello, world!", c.choices().get(0).message().content().orElseThrow());
            assertEquals(route, ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
            assertEquals(route, 16, c.usage().orElseThrow().totalTokens());
            assertEquals("the route is the model a tenant sees", route, c.model());

            StringBuilder text = new StringBuilder();
            long usage = -1;
            List<ChatCompletionChunk> chunks;
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                    .model(route).addUserMessage("hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
                chunks = s.stream().toList();
            }
            for (ChatCompletionChunk chunk : chunks) {
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                if (chunk.usage().isPresent()) {
                    usage = chunk.usage().get().totalTokens();
                }
            }
            assertTrue(route, chunks.get(0).choices().get(0).delta().role().isPresent());
            assertEquals(route, "Hello, world!", text.toString());
            assertEquals(route, 16, usage);
        }
    }

    @Test
    public void toolRoundTripOnAnthropicAndBedrockPlainAndStreamed() {
        for (FakeLlmProvider vendor : List.of(anthropic, bedrock)) {
            String route = vendor == anthropic ? CLAUDE : BEDROCK;
            ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model(route).addUserMessage("Weather in Paris?")
                    .addTool(weatherTool());
            ChatCompletion first = client.chat().completions().create(params.build());
            ChatCompletionMessage asked = first.choices().get(0).message();
            assertEquals(route, ChatCompletion.Choice.FinishReason.TOOL_CALLS, first.choices().get(0).finishReason());
            ChatCompletionMessageFunctionToolCall call = asked.toolCalls().orElseThrow().get(0).asFunction();
            assertEquals("get_weather", call.function().name());
            assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, call.function().arguments());

            ChatCompletion answer = client.chat().completions().create(params.addMessage(asked)
                    .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C, sunny").build()).build());
            assertEquals(route, "Hello, world!", answer.choices().get(0).message().content().orElseThrow());
            assertTrue("the tool result reached the vendor in its own format: " + vendor.lastBody,
                    vendor.lastBody.contains(vendor == anthropic ? "\"tool_result\"" : "\"toolResult\"") && vendor.lastBody.contains(call.id()));

            StringBuilder arguments = new StringBuilder();
            String[] idAndName = new String[2];
            ChatCompletionChunk.Choice.FinishReason[] finish = new ChatCompletionChunk.Choice.FinishReason[1];
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model(route).addUserMessage("Weather in Paris?").addTool(weatherTool()).build())) {
                s.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                    choice.finishReason().ifPresent(f -> finish[0] = f);
                    choice.delta().toolCalls().ifPresent(calls -> calls.forEach(tc -> {
                        assertEquals(0, tc.index());
                        tc.id().ifPresent(id -> idAndName[0] = id);
                        tc.function().flatMap(f -> f.name()).ifPresent(n -> idAndName[1] = n);
                        tc.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
                    }));
                }));
            }
            assertTrue(route, idAndName[0] != null && !idAndName[0].isEmpty());
            assertEquals("get_weather", idAndName[1]);
            assertEquals(route, FakeLlmProvider.TOOL_ARGUMENTS, arguments.toString());
            assertEquals(route, ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS, finish[0]);
        }
    }

    @Test
    public void aJsonSchemaReachesOpenAiAndAnthropicAnswersItAsContent() {
        ResponseFormatJsonSchema format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("weather").strict(true).schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build();
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(GPT).addUserMessage("hi").responseFormat(format).build());
        assertTrue(openAi.lastBody, openAi.lastBody.contains("\"json_schema\"") && openAi.lastBody.contains("\"strict\":true"));
        ChatCompletion json = client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(CLAUDE).addUserMessage("hi").responseFormat(format).build());
        assertEquals(FakeLlmProvider.TOOL_ARGUMENTS, json.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, json.choices().get(0).finishReason());
    }

    @Test
    public void embeddingsFromOpenAiAndTitanAndTheModelsATenantMayUse() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model(GPT).input("hello").build());
        assertEquals(List.of(5.0f, 0.5f, 0.5f), r.data().get(0).embedding());
        CreateEmbeddingResponse titan = client.embeddings().create(EmbeddingCreateParams.builder().model(TITAN)
                .inputOfArrayOfStrings(List.of("hello", "hi")).build());
        assertEquals(List.of(5.0f, 0.5f, 0.5f), titan.data().get(0).embedding());
        assertEquals(List.of(2.0f, 0.5f, 0.5f), titan.data().get(1).embedding());

        List<String> models = client.models().list().data().stream().map(m -> m.id()).toList();
        assertTrue(models.toString(), models.containsAll(List.of(GPT, CLAUDE, BEDROCK, TITAN)));
    }

    @Test
    public void errorsAreTheSdksTypedExceptionsWithOpenAisCodes() {
        BadRequestException unknown = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("sdk-nope-" + SUFFIX).addUserMessage("hi").build()));
        assertEquals("model_not_found", unknown.code().orElseThrow());

        anthropic.then(Behaviour.error(400, null, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}"));
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(CLAUDE).addUserMessage("hi").build()));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
        assertEquals("messages", tooLong.param().orElseThrow());
        assertFalse("no endpoint or key in what a tenant sees: " + tooLong.getMessage(),
                tooLong.getMessage().contains("127.0.0.1") || tooLong.getMessage().contains("never-shown"));

        BadRequestException seed = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(CLAUDE).addUserMessage("hi").seed(7).build()));
        assertEquals("unsupported_parameter", seed.code().orElseThrow());
        assertEquals("seed", seed.param().orElseThrow());

        OpenAIClient stranger = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("not-a-token").maxRetries(0).build();
        try {
            assertThrows(UnauthorizedException.class, () -> stranger.models().list());
        } finally {
            stranger.close();
        }
    }

    private static FunctionTool weatherFunction() {
        return FunctionTool.builder().name("get_weather").description("Weather of a city").strict(false)
                .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build();
    }

    /**
     * The Responses API (what OpenAI's Agents SDK calls by default) through the SDK's {@code responses()} on Anthropic
     * and Bedrock, mapped onto chat completions by the gateway: a plain answer, a function call round trip (the call,
     * its output sent back as a {@code function_call_output} item, the final text) and a streamed answer's events.
     */
    @Test
    public void responsesApiPlainToolRoundTripAndStreamingOnAnthropicAndBedrock() {
        for (FakeLlmProvider vendor : List.of(anthropic, bedrock)) {
            String route = vendor == anthropic ? CLAUDE : BEDROCK;
            Response plain = client.responses().create(ResponseCreateParams.builder().model(route).instructions("Be brief.").input("hi")
                    .maxOutputTokens(50).build());
            assertEquals(route, "Hello, world!", plain.output().get(0).message().orElseThrow().content().get(0).asOutputText().text());
            assertEquals(route, 16, plain.usage().orElseThrow().totalTokens());
            assertEquals("the route is the model a tenant sees", route, plain.model().asString());
            assertTrue(route + ": the instructions reached the vendor as its system prompt: " + vendor.lastBody,
                    vendor.lastBody.contains("Be brief."));

            EasyInputMessage question = EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("Weather in Paris?").build();
            Response asked = client.responses().create(ResponseCreateParams.builder().model(route)
                    .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(question))).addTool(weatherFunction()).build());
            ResponseFunctionToolCall call = asked.output().stream().filter(o -> o.functionCall().isPresent()).findFirst()
                    .orElseThrow(() -> new AssertionError(route + ": no function call in " + asked.output())).functionCall().orElseThrow();
            assertEquals("get_weather", call.name());
            assertEquals(route, FakeLlmProvider.TOOL_ARGUMENTS, call.arguments());
            assertFalse(route, call.callId().isEmpty());

            Response answered = client.responses().create(ResponseCreateParams.builder().model(route).addTool(weatherFunction())
                    .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(question), ResponseInputItem.ofFunctionCall(call),
                            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                                    .output("18C, sunny").build()))).build());
            assertEquals(route, "Hello, world!", answered.output().stream().filter(o -> o.message().isPresent()).findFirst()
                    .orElseThrow().message().orElseThrow().content().get(0).asOutputText().text());
            assertTrue("the function's output reached the vendor in its own format: " + vendor.lastBody,
                    vendor.lastBody.contains(vendor == anthropic ? "\"tool_result\"" : "\"toolResult\"")
                            && vendor.lastBody.contains(call.callId()) && vendor.lastBody.contains("18C, sunny"));

            StringBuilder text = new StringBuilder();
            List<String> types = new ArrayList<>();
            String[] finalText = new String[1];
            try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                    ResponseCreateParams.builder().model(route).input("hi").build())) {
                s.stream().forEach(e -> {
                    e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                    e.created().ifPresent(c -> types.add("created"));
                    e.outputTextDone().ifPresent(d -> types.add("output_text.done"));
                    e.completed().ifPresent(c -> {
                        types.add("completed");
                        finalText[0] = c.response().output().get(0).message().orElseThrow().content().get(0).asOutputText().text();
                    });
                });
            }
            assertEquals(route, "Hello, world!", text.toString());
            assertEquals(route, List.of("created", "output_text.done", "completed"), types);
            assertEquals("the completed response carries the whole answer", "Hello, world!", finalText[0]);
        }
    }

    /**
     * A client that closes its socket mid-stream, against the node's Jetty (not the SDK: it would read on): the gateway
     * stops reading the vendor's stream and closes it long before the answer would have ended, the deployment is not
     * blamed (it answers the next call; one provider failure would have cooled it down), and the tenant is charged the
     * prompt and what was streamed, at the deployment's prices: not nothing, and not the 1,024 tokens it reserved.
     */
    @Test
    public void aClientThatClosesItsSocketMidStreamCostsWhatWasStreamedAndTheDeploymentStaysHealthy() throws Exception {
        String tenant = "sdk-cut-" + SUFFIX;
        String bearer = "Bearer " + string(node.expect(201, "POST", "/tokens", "{\"name\":\"" + tenant + "\",\"tenant\":\"" + tenant + "\"}"),
                "token");
        int closedBefore = anthropic.closedByClient.get();
        anthropic.then(Behaviour.trickle(100)); // 100 tokens, one each 100 ms: 10 s for the whole answer
        byte[] body = ("{\"model\":\"" + SLOW + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(nodeBase);
        long sent;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/llm/v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + bearer + "\r\nX-Headroom-Timeout-Ms: 10000\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
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
        while (anthropic.closedByClient.get() == closedBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the vendor's server saw the connection closed, " + (System.nanoTime() - sent) / 1_000_000 + " ms after the call",
                closedBefore + 1, anthropic.closedByClient.get());

        JsonNode slow = null;
        for (JsonNode d : JSON.readTree(node.expect(200, "GET", "/llm/deployments", null))) {
            slow = d.path("name").asText().equals(SLOW) ? d : slow;
        }
        assertTrue(String.valueOf(slow), slow != null && slow.path("status").asText().equals("healthy") && slow.path("failures").asLong() == 0);
        OpenAIClient cut = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(bearer.substring(7)).maxRetries(0).build();
        try {
            ChatCompletion next = cut.chat().completions().create(ChatCompletionCreateParams.builder().model(SLOW).addUserMessage("hi").build());
            assertEquals("the deployment answers the next call", "Hello, world!", next.choices().get(0).message().content().orElseThrow());
        } finally {
            cut.close();
        }

        // the tenant's usage: the cut stream (prompt "hi": 1 token, and what was streamed) and the answered call (12 + 4)
        JsonNode row = null;
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until) {
            row = null;
            for (JsonNode r : JSON.readTree(node.expect(200, "GET", "/llm/usage", bearer, null))) {
                row = r.path("route").asText().equals(SLOW) ? r : row;
            }
            if (row != null && row.path("requests").asLong() == 2) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue("the cut stream is counted: " + row, row != null && row.path("requests").asLong() == 2);
        assertEquals(row.toString(), 1 + 12, row.path("inputTokens").asLong());
        long streamed = row.path("outputTokens").asLong() - 4;
        // at least "Hello, world" (12 characters: 3 tokens); far less than the whole answer (325 characters: 82 tokens)
        assertTrue(row.toString(), streamed >= 3 && streamed < 82);
        assertEquals(row.toString(), ((1 + 12) * 1.0 + (streamed + 4) * 2.0) / 1000, row.path("cost").asDouble(), 1e-6);
    }
}
