package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.heartbeat.api.Heartbeat;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Dictionary;
import java.util.Hashtable;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The LLM router in the distribution, as an OpenAI client sees it: a route whose first deployment is down and whose
 * second is a local server speaking Anthropic's wire format.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LlmIT extends HeadroomTestSupport {
    private static final String ANTHROPIC = "headroom.it.anthropic";
    private static final String BEDROCK = "headroom.it.bedrock";
    private static final String OPENAI = "headroom.it.openai";
    private static final String CHAT = "{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20,\"top_p\":1,\"user\":\"someone\"";

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private ApiTokens tokens;

    @Inject
    private Heartbeat heartbeat;

    @Inject
    private io.headroom.core.api.embed.Embeddings embeddings;

    private static boolean configured;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                systemProperty(ANTHROPIC).value(TestDatabases.anthropicEndpoint()),
                systemProperty(BEDROCK).value(TestDatabases.bedrockEndpoint()),
                systemProperty(OPENAI).value(TestDatabases.openAiEndpoint()),
                editConfigurationFilePut("etc/io.headroom.llm.cfg", "tenantRequestsPerMinute", "5"));
    }

    @Before
    public void routes() throws Exception {
        synchronized (LlmIT.class) {
            if (!configured) {
                factory("io.headroom.llm.deployment", "name", "dead-gpt", "provider", "openai", "model", "gpt-test",
                        "endpoint", "http://127.0.0.1:" + freePort() + "/v1", "apiKey", "sk-never-shown", "timeoutMillis", "2000",
                        "allowedFails", "1"); // nothing listens there: out at the first failure
                factory("io.headroom.llm.deployment", "name", "claude", "provider", "anthropic", "model", "claude-test",
                        "endpoint", System.getProperty(ANTHROPIC), "apiKey", "sk-ant-never-shown");
                factory("io.headroom.llm.route", "name", "chat", "strategy", "ordered", "deployments", "dead-gpt, claude");
                factory("io.headroom.llm.deployment", "name", "bedrock-claude", "provider", "bedrock", "model", "anthropic.claude-test-v1:0",
                        "endpoint", System.getProperty(BEDROCK), "apiKey", "AKIDTEST:aws-secret-never-shown");
                factory("io.headroom.llm.route", "name", "chat-aws", "strategy", "ordered", "deployments", "bedrock-claude");
                factory("io.headroom.llm.deployment", "name", "titan", "provider", "bedrock", "model", "amazon.titan-embed-text-v2:0",
                        "endpoint", System.getProperty(BEDROCK), "apiKey", "AKIDTEST:aws-secret-never-shown");
                factory("io.headroom.llm.route", "name", "vectors", "strategy", "ordered", "deployments", "claude, titan");
                configured = true;
            }
        }
        assertTrue(eventually(() -> {
            try {
                String body = get("/llm/deployments", OPERATOR).body();
                return get("/llm/routes", OPERATOR).body().contains("\"chat-aws\"") && body.contains("dead-gpt")
                        && body.contains("bedrock-claude") && body.contains("titan") && get("/llm/routes", OPERATOR).body().contains("\"vectors\"");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    private void factory(String pid, String... kv) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        configAdmin.createFactoryConfiguration(pid, "?").update(props);
    }

    @Test
    public void anOpenAiClientIsAnsweredByTheNextVendorWhenTheFirstIsDown() throws Exception {
        String acme = bearer(tokens.create("acme-llm", TenantId.of("acme")).token());
        HttpResponse<String> r = call("POST", "/llm/v1/chat/completions", acme, CHAT + "}");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue("deployment names are for operators and platform tokens", r.headers().firstValue("X-Headroom-Deployment").isEmpty());
        assertTrue(r.body(), r.body().contains("\"content\":\"Hello, world!\"") && r.body().contains("\"object\":\"chat.completion\"")
                && r.body().contains("\"finish_reason\":\"stop\""));
        String deployments = get("/llm/deployments", OPERATOR).body();
        assertTrue(deployments, deployments.contains("cooling down") && deployments.contains("timeout or connection error"));
        assertTrue("secrets are never returned", !deployments.contains("never-shown"));
        assertTrue(eventually(() -> heartbeat.tenant(TenantId.of("acme")).stream().anyMatch(h -> h.job().equals("llm.answer"))));
        assertTrue("the failover is counted", metric("headroom_llm_deployment_failures_total") >= 1);
        assertTrue("the deployment that failed is shown cooling down", metric("headroom_llm_deployment_state", "state=\"cooling down\"") >= 1);
        assertTrue("the answer is served by the next one", metric("headroom_llm_deployment_requests_total", "deployment=\"claude\"") >= 1);
    }

    @Test
    public void aTenantOverItsQuotaIsRefusedAndOthersAreNot() throws Exception {
        String hooli = bearer(tokens.create("hooli-llm", TenantId.of("hooli")).token());
        String initech = bearer(tokens.create("initech-llm", TenantId.of("initech")).token());
        for (int i = 0; i < 5; i++) {
            assertEquals(200, call("POST", "/llm/v1/chat/completions", hooli, CHAT + "}").statusCode());
        }
        HttpResponse<String> over = call("POST", "/llm/v1/chat/completions", hooli, CHAT + "}");
        assertEquals(over.body(), 429, over.statusCode());
        assertTrue(over.headers().firstValue("Retry-After").isPresent());
        assertEquals("another tenant is not affected", 200, call("POST", "/llm/v1/chat/completions", initech, CHAT + "}").statusCode());
    }

    @Test
    public void streamsInOpenAiChunksAndEndsWithDone() throws Exception {
        HttpResponse<String> r = call("POST", "/llm/v1/chat/completions", OPERATOR, CHAT + ",\"stream\":true}");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body(), r.body().contains("\"object\":\"chat.completion.chunk\"") && r.body().contains("\"content\":\"world\"")
                && r.body().trim().endsWith("data: [DONE]"));
        assertTrue("the first chunk carries the role: " + r.body(), r.body().indexOf("\"delta\":{\"role\":\"assistant\"")
                < r.body().indexOf("\"content\":\"Hello\""));
        HttpResponse<String> refused = call("POST", "/llm/v1/chat/completions", OPERATOR, CHAT.replace("\"chat\"", "\"nope\"") + ",\"stream\":true}");
        assertEquals("refused before the first byte: a real status, not a 200 with an error event", 400, refused.statusCode());
        assertTrue(refused.body(), refused.body().contains("model_not_found"));

        // the request's meters: time to first token and tokens per route and priority, none for the unknown route
        assertEquals(200, call("POST", "/llm/v1/chat/completions", OPERATOR, CHAT + "}").statusCode());
        String metrics = get("/metrics", OPERATOR).body();
        assertTrue(metrics, sample(metrics, "headroom_llm_time_to_first_token_seconds_count", "route=\"chat\"", "priority=\"interactive\"") >= 1);
        assertTrue(metrics, sample(metrics, "headroom_llm_tokens_total", "route=\"chat\"", "kind=\"completion\"") > 0);
        assertTrue(metrics, sample(metrics, "headroom_llm_tokens_total", "route=\"chat\"", "kind=\"prompt\"") > 0);
        assertTrue(metrics, !metrics.contains("route=\"nope\""));
    }

    /** The value of the first sample of {@code name} whose labels contain every one of {@code labels}; -1 if none. */
    private static double sample(String exposition, String name, String... labels) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(line::contains)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** The Bedrock adapter is its own bundle embedding the AWS SDK (Netty async client): it must work inside Karaf. */
    @Test
    public void bedrockConverseAnswersThroughTheGatewayPlainAndStreamed() throws Exception {
        String aws = CHAT.replace("\"chat\"", "\"chat-aws\"");
        String umbrella = bearer(tokens.create("umbrella-llm", TenantId.of("umbrella")).token());
        HttpResponse<String> r = call("POST", "/llm/v1/chat/completions", umbrella, aws + "}");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue("deployment names are for operators and platform tokens", r.headers().firstValue("X-Headroom-Deployment").isEmpty());
        assertTrue("answered by the Bedrock deployment", metric("headroom_llm_deployment_requests_total", "deployment=\"bedrock-claude\"") >= 1);
        assertTrue(r.body(), r.body().contains("\"content\":\"Hello, world!\"") && r.body().contains("\"prompt_tokens\":12"));
        HttpResponse<String> s = call("POST", "/llm/v1/chat/completions", umbrella, aws + ",\"stream\":true}");
        assertEquals(s.body(), 200, s.statusCode());
        assertTrue(s.body(), s.body().contains("\"content\":\"world\"") && s.body().trim().endsWith("data: [DONE]"));
        assertTrue("secrets are never returned", !get("/llm/deployments", OPERATOR).body().contains("never-shown"));

        // each adapter is its own bundle: without it the route has nothing to call, and it is back when the bundle is
        Bundle adapter = bundle("io.headroom.llm-bedrock");
        adapter.stop();
        try {
            HttpRequest quick = HttpRequest.newBuilder(URI.create(api("/llm/v1/chat/completions")))
                    .header("Authorization", umbrella).header("Content-Type", "application/json").header("X-Headroom-Timeout-Ms", "1000")
                    .POST(HttpRequest.BodyPublishers.ofString(aws + "}")).build();
            HttpResponse<String> gone = http.send(quick, HttpResponse.BodyHandlers.ofString());
            assertEquals(gone.body(), 503, gone.statusCode());
        } finally {
            adapter.start();
        }
        shell("llm:deployment bedrock-claude clear-cooldown");
        assertEquals(200, call("POST", "/llm/v1/chat/completions", umbrella, aws + "}").statusCode());
    }

    @Test
    public void toolsResponsesAndEmbeddingsThroughTheRestHost() throws Exception {
        String wayne = bearer(tokens.create("wayne-llm", TenantId.of("wayne")).token());
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        HttpResponse<String> call = call("POST", "/llm/v1/chat/completions", wayne, CHAT.replace("\"chat\"", "\"chat-aws\"") + tools + "}");
        assertEquals(call.body(), 200, call.statusCode());
        assertTrue("Bedrock's toolUse as an OpenAI tool call: " + call.body(), call.body().contains("\"finish_reason\":\"tool_calls\"")
                && call.body().contains("\"name\":\"get_weather\"") && call.body().contains("\"id\":\"tooluse_1\""));

        HttpResponse<String> response = call("POST", "/llm/v1/responses", wayne, "{\"model\":\"chat\",\"input\":\"hi\"}");
        assertEquals(response.body(), 200, response.statusCode());
        assertTrue(response.body(), response.body().contains("\"object\":\"response\"") && response.body().contains("\"text\":\"Hello, world!\""));
        assertTrue("no deployment names for a tenant", response.headers().firstValue("X-Headroom-Deployment").isEmpty());

        HttpResponse<String> vectors = call("POST", "/llm/v1/embeddings", wayne, "{\"model\":\"vectors\",\"input\":[\"hello\",\"hi\"]}");
        assertEquals(vectors.body(), 200, vectors.statusCode());
        assertTrue("Anthropic passed over, Titan answered: " + vectors.body(), vectors.body().contains("\"embedding\":[5.0,0.5,0.5]")
                && vectors.body().contains("\"embedding\":[2.0,0.5,0.5]"));
        // chat-aws has only a Bedrock chat model, which does not embed (route chat's dead-gpt could: it would be tried)
        HttpResponse<String> refused = call("POST", "/llm/v1/embeddings", wayne, "{\"model\":\"chat-aws\",\"input\":\"hello\"}");
        assertEquals(refused.body(), 400, refused.statusCode());
        assertTrue(refused.body(), refused.body().contains("no deployment that embeds") && refused.body().contains("invalid_request_error"));

        java.util.List<float[]> served = embeddings.embed(TenantId.of("gotham"), "vectors", java.util.List.of("hello"));
        assertEquals(5.0f, served.get(0)[0], 0);
    }

    @Test
    public void theResponsesApiIsPassedThroughToADeploymentThatServesIt() throws Exception {
        HttpResponse<String> put = call("PUT", "/llm/deployments/gpt-native", OPERATOR, "{\"provider\":\"openai\",\"model\":\"gpt-5-test\","
                + "\"endpoint\":\"" + System.getProperty(OPENAI) + "\",\"apiKey\":\"sk-never-shown\",\"responsesApi\":\"native\"}");
        assertEquals(put.body(), 200, put.statusCode());
        assertTrue(put.body(), put.body().contains("\"responsesApi\":\"native\"") && !put.body().contains("sk-never-shown"));
        assertEquals(200, call("PUT", "/llm/routes/agents", OPERATOR, "{\"strategy\":\"ordered\",\"deployments\":[\"gpt-native\",\"claude\"]}")
                .statusCode());
        assertTrue(shell("llm:deployments").contains("native"));
        String bruce = bearer(tokens.create("bruce-responses", TenantId.of("bruce")).token()); // a quota of its own (5 a minute)

        HttpResponse<String> plain = call("POST", "/llm/v1/responses", bruce, "{\"model\":\"agents\",\"input\":\"hi\",\"store\":false}");
        assertEquals(plain.body(), 200, plain.statusCode());
        assertTrue("the server's own response object, the route as its model: " + plain.body(), plain.body().contains("\"id\":\"resp_fake1~hr")
                && plain.body().contains("\"model\":\"agents\"") && plain.body().contains("\"text\":\"Hello, world!\"")
                && !plain.body().contains("gpt-5-test"));
        assertTrue("no deployment names for a tenant", plain.headers().firstValue("X-Headroom-Deployment").isEmpty());

        HttpResponse<String> streamed = call("POST", "/llm/v1/responses", bruce, "{\"model\":\"agents\",\"input\":\"hi\",\"stream\":true}");
        assertEquals(streamed.body(), 200, streamed.statusCode());
        assertTrue(streamed.body(), streamed.body().startsWith("event: response.created") && streamed.body().contains("event: response.output_text.delta")
                && streamed.body().contains("event: response.completed") && streamed.body().contains("\"id\":\"resp_fake1~hr"));

        // a call the gateway cannot map is for native deployments only: a route without one refuses it with a reason
        HttpResponse<String> stored = call("POST", "/llm/v1/responses", bruce, "{\"model\":\"chat\",\"input\":\"more\","
                + "\"previous_response_id\":\"resp_fake1\"}");
        assertEquals(stored.body(), 400, stored.statusCode());
        assertTrue(stored.body(), stored.body().contains("serves the Responses API itself") && stored.body().contains("previous_response_id"));
        HttpResponse<String> continued = call("POST", "/llm/v1/responses", bruce, "{\"model\":\"agents\",\"input\":\"more\","
                + "\"previous_response_id\":\"resp_fake1\"}");
        assertEquals(continued.body(), 200, continued.statusCode());
    }

    @Test
    public void badRequestsAreClear() throws Exception {
        assertEquals(401, call("POST", "/llm/v1/chat/completions", null, CHAT + "}").statusCode());
        assertEquals(400, call("POST", "/llm/v1/chat/completions", OPERATOR, "{\"model\":\"chat\",\"messages\":[]}").statusCode());
        HttpResponse<String> unknown = call("POST", "/llm/v1/chat/completions", OPERATOR, CHAT.replace("\"chat\"", "\"nope\"") + "}");
        assertEquals(unknown.body(), 400, unknown.statusCode());
        assertTrue(unknown.body(), unknown.body().contains("no route named 'nope'") && !unknown.body().contains("chat-aws"));
        assertTrue("OpenAI's error envelope: " + unknown.body(), unknown.body().contains("\"type\":\"invalid_request_error\"")
                && unknown.body().contains("\"code\":\"model_not_found\""));
        String models = call("GET", "/llm/v1/models", bearer(tokens.create("acme-models", TenantId.of("acme")).token()), null).body();
        assertTrue("routes are the public model names: " + models, models.contains("\"object\":\"list\"")
                && models.contains("\"id\":\"chat\"") && models.contains("\"id\":\"chat-aws\"") && !models.contains("claude"));
        assertEquals(400, call("POST", "/llm/v1/chat/completions", OPERATOR, "{\"model\":\"chat\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}").statusCode());
        assertEquals(404, call("POST", "/llm/deployments/nope/disable", OPERATOR, null).statusCode());
        String acme = bearer(tokens.create("acme-llm2", TenantId.of("acme")).token());
        assertEquals("operators only", 403, call("POST", "/llm/deployments/claude/disable", acme, null).statusCode());
    }

    @Test
    public void operatorsSeeAndSteerFromTheShell() throws Exception {
        String load = shell("llm:load-test chat 20 2");
        // the load-test tenant has the same quota as everyone: 5 through, the rest refused
        assertTrue(load, load.contains("40 requests at 20/s") && load.contains("via claude=5") && load.contains("errors=35")
                && load.contains("headroom:"));
        assertTrue(shell("llm:routes").contains("dead-gpt, claude"));
        try {
            assertTrue(shell("llm:deployment claude disable").contains("disable done"));
            assertTrue(shell("llm:deployments").contains("disabled"));
            HttpRequest quick = HttpRequest.newBuilder(URI.create(api("/llm/v1/chat/completions")))
                    .header("Authorization", OPERATOR).header("Content-Type", "application/json").header("X-Headroom-Timeout-Ms", "1500")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT + "}")).build();
            HttpResponse<String> drained = http.send(quick, HttpResponse.BodyHandlers.ofString());
            assertEquals("only the dead deployment is left: it waits out its deadline, then 503", 503, drained.statusCode());
            assertTrue(drained.headers().firstValue("Retry-After").isPresent());
        } finally {
            shell("llm:deployment claude enable");
        }
        shell("llm:deployment dead-gpt clear-cooldown");
        assertEquals(200, call("POST", "/llm/v1/chat/completions", OPERATOR, CHAT + "}").statusCode());
    }
}
