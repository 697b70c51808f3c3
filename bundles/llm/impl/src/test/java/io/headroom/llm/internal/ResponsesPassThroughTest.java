package io.headroom.llm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponseAffinity;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.Usage;
import io.headroom.llm.internal.provider.TestAdapters;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/**
 * The Responses API passed through to deployments that serve it (the router service, the real OpenAI adapter, a local
 * server speaking the Responses wire format, the control schema on MariaDB): the server's own answer and events come
 * back with the route as the model, usage is accounted from the answer's {@code usage}, a native deployment that fails
 * before the first byte fails over to a mapped one, a failure after it ends the stream, and a call that cannot be
 * mapped goes only to deployments that serve the Responses API.
 */
public class ResponsesPassThroughTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final TenantId ACME = TenantId.of("acme");
    private static MariaDb db;
    private FakeLlmProvider nativeServer;
    private FakeLlmProvider mappedServer;
    private String schema;
    private LlmRouterService service;

    @Before
    public void start() throws Exception {
        synchronized (ResponsesPassThroughTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        nativeServer = FakeLlmProvider.openAi();
        mappedServer = FakeLlmProvider.openAi();
        LlmRouterService.Config config = (LlmRouterService.Config) java.lang.reflect.Proxy.newProxyInstance(
                LlmRouterService.Config.class.getClassLoader(), new Class<?>[] {LlmRouterService.Config.class},
                (proxy, method, args) -> method.getName().equals("annotationType") ? LlmRouterService.Config.class : method.getDefaultValue());
        service = new LlmRouterService(new Signals() {
            @Override
            public void outcome(OutcomeEvent event) {
            }

            @Override
            public void load(LoadSample sample) {
            }
        }, new PlainControlStore(db, schema), TenantQuotaTest.oneNode(), config);
        service.bindAdapter(TestAdapters.byProvider("openai"), Map.of(ProviderAdapter.PROVIDER, "openai"));
        service.bindAdapter(TestAdapters.byProvider("anthropic"), Map.of(ProviderAdapter.PROVIDER, "anthropic"));
        service.putDeployment(new Deployment("gpt-native", "openai", "gpt-5-test", nativeServer.endpoint(), "sk", 0, 0, 0.001, 0.002,
                10_000, 0, 0, Deployment.RESPONSES_NATIVE));
        service.putDeployment(new Deployment("gpt-mapped", "openai", "gpt-test", mappedServer.endpoint(), "sk", 0, 0, 0, 10_000));
        service.putRoute(new Route("native", "ordered", List.of("gpt-native"), Map.of()));
        service.putRoute(new Route("native-then-mapped", "ordered", List.of("gpt-native", "gpt-mapped"), Map.of()));
        service.putRoute(new Route("mapped", "ordered", List.of("gpt-mapped"), Map.of()));
    }

    @After
    public void stop() throws Exception {
        service.deactivate();
        nativeServer.close();
        mappedServer.close();
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    private static ResponsesRequest request(String body) {
        ChatRequest mapped = new ChatRequest(List.of(new ChatMessage("user", "hi")), 1024, null);
        return ResponsesRequest.of(body, mapped);
    }

    /** What a stream delivered: the passed-through events, the tokens, and how it ended. */
    private static final class Recorder implements StreamListener {
        final List<String> types = new ArrayList<>();
        final List<String> data = new ArrayList<>();
        final StringBuilder tokens = new StringBuilder();
        String deployment;
        ChatResponse completed;
        ProviderException failed;

        @Override
        public void started(String deployment, String model) {
            this.deployment = deployment;
        }

        @Override
        public void token(String text) {
            tokens.append(text);
        }

        @Override
        public void event(String type, String data) {
            types.add(type);
            this.data.add(data);
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

    @Test
    public void aNativeDeploymentAnswersInItsOwnFormatAndIsAccountedFromItsUsage() throws Exception {
        ResponsesAnswer a = service.respond(ACME, Priority.INTERACTIVE, "native",
                request("{\"model\":\"native\",\"input\":\"hi\",\"store\":false}"), TIMEOUT);
        assertTrue(a.passedThrough());
        JsonNode body = JSON.readTree(a.body());
        // the server's own object, its id tagged with the deployment that created it
        assertEquals("resp_fake1" + ResponseAffinity.MARK + ResponseAffinity.tag(definition("gpt-native")), body.path("id").asText());
        assertEquals("native", body.path("model").asText()); // the route, not the deployment's model
        assertEquals("Hello, world!", body.path("output").path(0).path("content").path(0).path("text").asText());
        JsonNode sent = JSON.readTree(nativeServer.lastBody);
        assertEquals("/responses", nativeServer.lastPath);
        assertEquals("gpt-5-test", sent.path("model").asText());
        assertEquals("hi", sent.path("input").asText());
        assertFalse("the client's fields pass as they are", sent.path("store").asBoolean(true));
        assertEquals("gpt-native", a.response().deployment());
        assertEquals(12, a.response().promptTokens());
        assertEquals(4, a.response().completionTokens());

        Recorder r = new Recorder();
        service.streamResponses(ACME, Priority.INTERACTIVE, "native", request("{\"model\":\"native\",\"input\":\"hi\",\"stream\":true}"),
                TIMEOUT, r);
        assertNull(r.failed);
        assertEquals("gpt-native", r.deployment);
        assertEquals("response.created", r.types.get(0));
        assertEquals("response.completed", r.types.get(r.types.size() - 1));
        assertEquals(4, r.types.stream().filter("response.output_text.delta"::equals).count());
        assertEquals("native", JSON.readTree(r.data.get(0)).path("response").path("model").asText());
        assertEquals(body.path("id").asText(), JSON.readTree(r.data.get(0)).path("response").path("id").asText());
        assertEquals(16, r.completed.promptTokens() + r.completed.completionTokens());
        assertEquals(2, nativeServer.responses.get());

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<Usage> usage = service.usage(Optional.of(ACME), today, today);
        assertEquals(1, usage.size());
        assertEquals(2, usage.get(0).requests());
        assertEquals(24, usage.get(0).inputTokens());
        assertEquals(8, usage.get(0).outputTokens());
        assertEquals("gpt-native", usage.get(0).deployment());
        assertEquals((24 * 0.001 + 8 * 0.002) / 1000, usage.get(0).cost(), 1e-9);
    }

    @Test
    public void aNativeDeploymentThatFailsBeforeTheFirstByteFailsOverToAMappedOne() {
        nativeServer.then(Behaviour.error(503, null), Behaviour.error(503, null));
        ResponsesAnswer a = service.respond(ACME, Priority.INTERACTIVE, "native-then-mapped",
                request("{\"model\":\"native-then-mapped\",\"input\":\"hi\"}"), TIMEOUT);
        assertFalse(a.passedThrough());
        assertEquals("gpt-mapped", a.response().deployment());
        assertEquals("Hello, world!", a.response().content());
        assertEquals("/chat/completions", mappedServer.lastPath);

        Recorder r = new Recorder();
        service.streamResponses(ACME, Priority.INTERACTIVE, "native-then-mapped",
                request("{\"model\":\"native-then-mapped\",\"input\":\"hi\",\"stream\":true}"), TIMEOUT, r);
        assertEquals("gpt-mapped", r.deployment);
        assertEquals("Hello, world!", r.tokens.toString());
        assertTrue("a mapped stream sends tokens, no Responses events", r.types.isEmpty());
        assertEquals(2, nativeServer.responses.get());
    }

    @Test
    public void aStreamThatFailsAfterItsFirstOutputEndsWithAFailureAndCountsAgainstTheDeployment() {
        nativeServer.then(Behaviour.cut(2), Behaviour.errorEventMidStream());
        for (int i = 0; i < 2; i++) {
            Recorder r = new Recorder();
            service.streamResponses(ACME, Priority.INTERACTIVE, "native-then-mapped",
                    request("{\"model\":\"native-then-mapped\",\"input\":\"hi\",\"stream\":true}"), TIMEOUT, r);
            assertTrue(r.types.toString(), r.types.contains("response.output_text.delta"));
            assertFalse(r.types.contains("response.completed"));
            assertTrue("no error event of the provider's passes on as it is", !r.types.contains("error"));
            assertTrue(r.failed != null && r.failed.retryable());
            assertNull(r.completed);
        }
        assertEquals(0, mappedServer.requests.get()); // cut after the start: never answered twice
        DeploymentStatus s = service.deployments().stream().filter(d -> d.name().equals("gpt-native")).findFirst().orElseThrow();
        assertEquals(2, s.failures());
    }

    @Test
    public void aCallThatCannotBeMappedGoesOnlyToDeploymentsThatServeTheResponsesApi() {
        ResponsesRequest stored = new ResponsesRequest("{\"model\":\"x\",\"input\":\"more\",\"previous_response_id\":\"resp_fake1\"}", null,
                "'previous_response_id' is not supported", 100);
        ResponsesAnswer a = service.respond(ACME, Priority.INTERACTIVE, "native-then-mapped", stored, TIMEOUT);
        assertTrue(a.passedThrough());
        assertTrue(nativeServer.lastBody.contains("\"previous_response_id\":\"resp_fake1\""));

        nativeServer.always(Behaviour.error(503, null));
        ProviderException e = assertThrows(ProviderException.class,
                () -> service.respond(ACME, Priority.INTERACTIVE, "native-then-mapped", stored, Duration.ofMillis(300)));
        assertEquals("the mapped deployment is never tried", 503, e.status());
        assertEquals(0, mappedServer.requests.get());

        ProviderException refused = assertThrows(ProviderException.class,
                () -> service.respond(ACME, Priority.INTERACTIVE, "mapped", stored, TIMEOUT));
        assertEquals(400, refused.status());
        assertTrue(refused.getMessage(), refused.getMessage().startsWith("route mapped has no deployment that serves the Responses API")
                && refused.getMessage().contains("previous_response_id"));
    }

    @Test
    public void theSettingIsStoredForTheFleetAndRefusedForAdaptersThatCannotPassThrough() throws Exception {
        Deployment stored = service.deploymentDefinitions().stream().filter(d -> d.name().equals("gpt-native")).findFirst().orElseThrow();
        assertEquals(Deployment.RESPONSES_NATIVE, stored.responsesApi());
        assertEquals(Deployment.RESPONSES_MAPPED, service.deploymentDefinitions().stream().filter(d -> d.name().equals("gpt-mapped"))
                .findFirst().orElseThrow().responsesApi());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service.putDeployment(new Deployment("claude",
                "anthropic", "claude-test", "http://127.0.0.1:1", "k", 0, 0, 0, 0, 1000, 0, 0, Deployment.RESPONSES_NATIVE)));
        assertTrue(e.getMessage(), e.getMessage().contains("responsesApi must be mapped"));
        assertThrows(IllegalArgumentException.class, () -> new Deployment("x", "openai", "m", "http://h", null, 0, 0, 0, 0, 1, 0, 0, "both"));
    }

    @Test
    public void putDeploymentOverRestTakesResponsesApiAndRefusesWhatCannotBeWithA400() throws Exception {
        io.headroom.llm.internal.rest.LlmResource rest = new io.headroom.llm.internal.rest.LlmResource(service, service);
        ObjectMapper json = new ObjectMapper();
        String openAi = "{\"provider\":\"openai\",\"model\":\"m\",\"endpoint\":\"http://127.0.0.1:1/v1\"";
        javax.ws.rs.core.Response put = rest.putDeployment("gpt-rest", json.readTree(openAi + ",\"responsesApi\":\"native\"}"));
        assertEquals(200, put.getStatus());
        assertEquals(Deployment.RESPONSES_NATIVE, ((Map<?, ?>) put.getEntity()).get("responsesApi"));
        assertEquals(Deployment.RESPONSES_NATIVE, responsesApi("gpt-rest"));
        assertEquals("listed with the setting", Deployment.RESPONSES_NATIVE, rest.deployments().stream()
                .filter(m -> "gpt-rest".equals(m.get("name"))).findFirst().orElseThrow().get("responsesApi"));

        // refused: not one of the two values, not a string, and native on an adapter that cannot pass it through; a
        // refused PUT changes nothing
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put(openAi + ",\"responsesApi\":\"both\"}", "responsesApi is native or mapped, was 'both'");
        refused.put(openAi + ",\"responsesApi\":\"NATIVE\"}", "responsesApi is native or mapped, was 'NATIVE'");
        refused.put(openAi + ",\"responsesApi\":5}", "'responsesApi' is \"mapped\" or \"native\" (a string), was 5");
        refused.put(openAi + ",\"responsesApi\":{}}", "'responsesApi' is \"mapped\" or \"native\" (a string), was {}");
        refused.put(openAi + ",\"responsesApi\":true}", "'responsesApi' is \"mapped\" or \"native\" (a string), was true");
        refused.put("{\"provider\":\"anthropic\",\"model\":\"claude-test\",\"endpoint\":\"http://127.0.0.1:1\",\"responsesApi\":\"native\"}",
                "provider anthropic cannot pass the Responses API through: responsesApi must be mapped");
        for (Map.Entry<String, String> r : refused.entrySet()) {
            io.headroom.core.api.rest.ProblemException e = assertThrows(io.headroom.core.api.rest.ProblemException.class,
                    () -> rest.putDeployment("gpt-rest", json.readTree(r.getKey())));
            assertEquals(r.getKey(), 400, e.status());
            assertEquals(r.getKey(), r.getValue(), e.detail());
            assertEquals("a refused PUT leaves the deployment as it was", Deployment.RESPONSES_NATIVE, responsesApi("gpt-rest"));
        }
        assertThrows(io.headroom.core.api.rest.ProblemException.class, () -> rest.putDeployment("claude-rest", json.readTree(
                "{\"provider\":\"anthropic\",\"model\":\"c\",\"endpoint\":\"http://127.0.0.1:1\",\"responsesApi\":\"native\"}")));
        assertTrue("nothing stored for a refused new deployment",
                service.deploymentDefinitions().stream().noneMatch(d -> d.name().equals("claude-rest")));

        // mapped explicitly, and left out (a replacement without it is mapped again, the default)
        assertEquals(Deployment.RESPONSES_MAPPED, ((Map<?, ?>) rest.putDeployment("gpt-rest",
                json.readTree(openAi + ",\"responsesApi\":\"mapped\"}")).getEntity()).get("responsesApi"));
        assertEquals(Deployment.RESPONSES_MAPPED, responsesApi("gpt-rest"));
        rest.putDeployment("gpt-rest", json.readTree(openAi + ",\"responsesApi\":\"native\"}"));
        rest.putDeployment("gpt-rest", json.readTree(openAi + "}"));
        assertEquals(Deployment.RESPONSES_MAPPED, responsesApi("gpt-rest"));
        rest.putDeployment("claude-rest", json.readTree("{\"provider\":\"anthropic\",\"model\":\"c\",\"endpoint\":\"http://127.0.0.1:1\","
                + "\"responsesApi\":\"mapped\"}"));
        assertEquals(Deployment.RESPONSES_MAPPED, responsesApi("claude-rest"));
    }

    private String responsesApi(String deployment) {
        return service.deploymentDefinitions().stream().filter(d -> d.name().equals(deployment)).findFirst().orElseThrow().responsesApi();
    }

    private Deployment definition(String name) {
        return service.deploymentDefinitions().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    public void aCallContinuingAResponseGoesToTheDeploymentThatCreatedIt() throws Exception {
        try (FakeLlmProvider second = FakeLlmProvider.openAi()) {
            service.putDeployment(new Deployment("gpt-native-2", "openai", "gpt-5-test", second.endpoint(), "sk-2", 0, 0, 0, 0,
                    10_000, 0, 0, Deployment.RESPONSES_NATIVE));
            service.putRoute(new Route("two-native", "ordered", List.of("gpt-native", "gpt-native-2"), Map.of()));
            nativeServer.then(Behaviour.error(503, null)); // the first deployment fails once: the second creates the response
            ResponsesAnswer created = service.respond(ACME, Priority.INTERACTIVE, "two-native",
                    request("{\"model\":\"two-native\",\"input\":\"hi\"}"), TIMEOUT);
            assertEquals("gpt-native-2", created.response().deployment());
            String id = JSON.readTree(created.body()).path("id").asText();
            assertEquals("resp_fake1", ResponseAffinity.untagged(id));
            assertEquals(ResponseAffinity.tag(definition("gpt-native-2")), ResponseAffinity.tagOf(id));
            assertFalse("the two deployments' tags differ", ResponseAffinity.tag(definition("gpt-native")).equals(ResponseAffinity.tagOf(id)));
            assertFalse("the id does not name the deployment", id.contains("gpt-native"));

            // continuing it: the first deployment, healthy and first in the route's order, is passed over; the
            // deployment gets its own id back
            int firstCalls = nativeServer.requests.get();
            String follow = "{\"model\":\"two-native\",\"input\":\"more\",\"previous_response_id\":\"" + id + "\"}";
            ResponsesAnswer next = service.respond(ACME, Priority.INTERACTIVE, "two-native", continuing(follow, id), TIMEOUT);
            assertEquals("gpt-native-2", next.response().deployment());
            assertTrue(second.lastBody, second.lastBody.contains("\"previous_response_id\":\"resp_fake1\""));
            Recorder r = new Recorder();
            service.streamResponses(ACME, Priority.INTERACTIVE, "two-native",
                    continuing(follow.replace("}", ",\"stream\":true}"), id), TIMEOUT, r);
            assertNull(r.failed);
            assertEquals("gpt-native-2", r.deployment);
            assertEquals(id, JSON.readTree(r.data.get(0)).path("response").path("id").asText());
            assertEquals("never sent to the deployment that did not create it", firstCalls, nativeServer.requests.get());

            // an id without the gateway's tag (made before it, or elsewhere) follows the route's order as before
            ResponsesAnswer untagged = service.respond(ACME, Priority.INTERACTIVE, "two-native", continuing(
                    "{\"model\":\"two-native\",\"input\":\"more\",\"previous_response_id\":\"resp_fake1\"}", "resp_fake1"), TIMEOUT);
            assertEquals("gpt-native", untagged.response().deployment());

            // the creator gone from the route: refused, naming the field, nothing sent
            service.putRoute(new Route("two-native", "ordered", List.of("gpt-native"), Map.of()));
            int calls = nativeServer.requests.get();
            ProviderException gone = assertThrows(ProviderException.class,
                    () -> service.respond(ACME, Priority.INTERACTIVE, "two-native", continuing(follow, id), TIMEOUT));
            assertEquals(400, gone.status());
            assertTrue(gone.getMessage(), gone.getMessage().contains("'previous_response_id'"));
            assertEquals(calls, nativeServer.requests.get());
        }
    }

    /** A call that continues {@code previous}: not mapped onto chat completions (only native deployments take it). */
    private static ResponsesRequest continuing(String body, String previous) {
        return new ResponsesRequest(body, null, "'previous_response_id' is not supported", 100, previous);
    }
}
