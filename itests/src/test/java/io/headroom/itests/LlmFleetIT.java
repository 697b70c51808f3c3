package io.headroom.itests;

import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.fixtures.LocalFleet;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The LLM gateway on two nodes of the shared fleet (one control schema): routes and deployments made on one node
 * answer on the other, a per-minute limit holds for both nodes together in each of its windows while one node alone can
 * still use it, drains and cooldowns are honoured fleet-wide, budgets stop a tenant on both nodes, and usage equals what
 * the provider saw.
 */
public class LlmFleetIT {
    private static final String SUFFIX = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static FakeLlmProvider provider;

    @BeforeClass
    public static void startProvider() throws Exception {
        provider = FakeLlmProvider.openAi();
    }

    @AfterClass
    public static void stopProvider() {
        if (provider != null) {
            provider.close();
        }
    }

    private static String chat(String route) {
        return "{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
    }

    /** A deployment on the fake provider and a route to it, created on node a. */
    private static void define(RestClient a, String deployment, String route, int requestsPerMinute) throws Exception {
        a.expect(200, "PUT", "/llm/deployments/" + deployment, "{\"provider\":\"openai\",\"model\":\"gpt-test\",\"endpoint\":\""
                + provider.endpoint() + "/\",\"apiKey\":\"sk-fleet-never-shown\",\"requestsPerMinute\":" + requestsPerMinute
                + ",\"inputCostPer1kTokens\":1.0,\"outputCostPer1kTokens\":2.0,\"timeoutMillis\":5000}");
        a.expect(200, "PUT", "/llm/routes/" + route, "{\"strategy\":\"ordered\",\"deployments\":[\"" + deployment + "\"]}");
    }

    private static HttpResponse<String> ask(RestClient node, String route, String authorization, long timeoutMillis) throws Exception {
        return node.call("POST", "/llm/v1/chat/completions", authorization, chat(route), timeoutMillis);
    }

    private static List<RestClient> twoNodes() throws Exception {
        LocalFleet fleet = TestFleet.get();
        return List.of(new RestClient(fleet.node(0).karaf().baseUrl()), new RestClient(fleet.node(1).karaf().baseUrl()));
    }

    @Test
    public void aRouteCreatedOnOneNodeAnswersOnTheOtherAndKeysAreNeverShown() throws Exception {
        List<RestClient> nodes = twoNodes();
        String route = "fleet-chat-" + SUFFIX;
        define(nodes.get(0), "fleet-gpt-" + SUFFIX, route, 0);
        long created = System.currentTimeMillis();
        assertTrue("the route answers on node 2", eventually(() -> status(ask(nodes.get(1), route, RestClient.OPERATOR, 5000)) == 200));
        long seenAfter = System.currentTimeMillis() - created;
        assertTrue("served by the other node within a second (" + seenAfter + " ms)", seenAfter < 1500);
        String deployments = nodes.get(1).expect(200, "GET", "/llm/deployments", null);
        assertTrue(deployments, deployments.contains("\"apiKeySet\":true") && !deployments.contains("never-shown"));
        // a change without a key keeps the stored one: the provider still gets it
        nodes.get(1).expect(200, "PUT", "/llm/deployments/fleet-gpt-" + SUFFIX, "{\"provider\":\"openai\",\"model\":\"gpt-test\","
                + "\"endpoint\":\"" + provider.endpoint() + "\",\"timeoutMillis\":4000}");
        assertEquals(200, ask(nodes.get(0), route, RestClient.OPERATOR, 5000).statusCode());
        assertEquals("Bearer sk-fleet-never-shown", provider.lastAuth);
        nodes.get(1).expect(204, "DELETE", "/llm/routes/" + route, null);
        assertTrue("a route deleted on node 2 is gone on node 1",
                eventually(() -> status(ask(nodes.get(0), route, RestClient.OPERATOR, 5000)) == 400));
        nodes.get(0).expect(400, "PUT", "/llm/deployments/bad-" + SUFFIX, "{\"provider\":\"openai\",\"model\":\"m\",\"endpoint\":\"ftp://x\"}");
        nodes.get(0).expect(400, "PUT", "/llm/routes/bad-" + SUFFIX, "{\"strategy\":\"fastest\",\"deployments\":[\"a\"]}");
    }

    @Test
    public void aPerMinuteLimitHoldsForBothNodesAndOneNodeAloneCanUseIt() throws Exception {
        List<RestClient> nodes = twoNodes();
        // the fleet counts limits in windows shorter than a minute: each window admits its share of the per-minute
        // limit, so the limit is set to give 40 a window and each measurement runs inside one window
        int limit = 40;
        int perMinute = limit * 60 / TestFleet.LLM_LIMIT_WINDOW_SECONDS;
        String route = "fleet-limited-" + SUFFIX;
        define(nodes.get(0), "fleet-limited-gpt-" + SUFFIX, route, perMinute);
        assertTrue(eventually(() -> status(nodes.get(1), "GET", "/llm/routes").contains(route)));
        // the two measurements each in a limit window of their own, started early in it
        awaitStartOfWindow();
        int before = provider.requests.get();
        int answered = load(nodes, route, 3 * limit, 16);
        int reached = provider.requests.get() - before;
        assertTrue("both nodes together: at most " + limit + " reached the provider, was " + reached, reached <= limit);
        assertEquals("what was answered is what reached the provider", reached, answered);
        assertTrue("and the limit was used (" + reached + ")", reached >= 0.9 * limit);

        awaitStartOfWindow();
        before = provider.requests.get();
        answered = load(List.of(nodes.get(1)), route, 3 * limit, 8);
        reached = provider.requests.get() - before;
        assertTrue("one node alone, the other idle: at least 0.9 of the limit (no static split), was " + reached,
                reached >= 0.9 * limit && reached <= limit);
        assertEquals(reached, answered);
    }

    @Test
    public void aDrainOrACooldownOnOneNodeIsHonouredByTheOther() throws Exception {
        List<RestClient> nodes = twoNodes();
        String deployment = "fleet-drain-gpt-" + SUFFIX;
        String route = "fleet-drain-" + SUFFIX;
        define(nodes.get(0), deployment, route, 0);
        assertTrue(eventually(() -> status(ask(nodes.get(1), route, RestClient.OPERATOR, 5000)) == 200));

        nodes.get(0).expect(204, "POST", "/llm/deployments/" + deployment + "/disable", null);
        long drained = System.currentTimeMillis();
        assertTrue(eventually(() -> deploymentStatus(nodes.get(1), deployment).equals("disabled")));
        assertTrue("node 2 sees the drain within a second", System.currentTimeMillis() - drained < 1500);
        int before = provider.requests.get();
        assertEquals(503, ask(nodes.get(1), route, RestClient.OPERATOR, 300).statusCode());
        assertEquals("a drained deployment gets nothing", before, provider.requests.get());
        nodes.get(1).expect(204, "POST", "/llm/deployments/" + deployment + "/enable", null);
        assertTrue(eventually(() -> status(ask(nodes.get(0), route, RestClient.OPERATOR, 5000)) == 200));

        // three failures in a row on node 1 (allowedFails' default) put it into cooldown for both nodes
        provider.then(Behaviour.error(500, null), Behaviour.error(500, null), Behaviour.error(500, null));
        assertEquals(503, ask(nodes.get(0), route, RestClient.OPERATOR, 1000).statusCode());
        assertTrue(eventually(() -> deploymentStatus(nodes.get(1), deployment).equals("cooling down")));
        before = provider.requests.get();
        assertEquals(503, ask(nodes.get(1), route, RestClient.OPERATOR, 300).statusCode());
        assertEquals("node 2 does not call a deployment node 1 put into cooldown", before, provider.requests.get());
        nodes.get(1).expect(204, "POST", "/llm/deployments/" + deployment + "/clear-cooldown", null);
        assertTrue("cleared on node 2, node 1 calls it again", eventually(() -> status(ask(nodes.get(0), route, RestClient.OPERATOR, 300)) == 200));
    }

    @Test
    public void budgetsStopATenantOnBothNodesAndUsageIsWhatTheProviderSaw() throws Exception {
        List<RestClient> nodes = twoNodes();
        String tenant = "fleet-t-" + SUFFIX;
        String route = "fleet-budget-" + SUFFIX;
        define(nodes.get(0), "fleet-budget-gpt-" + SUFFIX, route, 0);
        String token = "Bearer " + string(nodes.get(0).expect(201, "POST", "/tokens",
                "{\"name\":\"llm-fleet-" + SUFFIX + "\",\"tenant\":\"" + tenant + "\"}"), "token");
        // every answer: 12 input tokens at $1/1k + 4 output tokens at $2/1k = $0.02; a budget of $0.05 a day
        nodes.get(0).expect(200, "PUT", "/llm/quotas/" + tenant, "{\"dailyBudget\":0.05}");
        assertTrue(eventually(() -> status(ask(nodes.get(1), route, token, 5000)) == 200)); // node 2 knows the route
        int before = provider.requests.get() - 1;
        int ok = 1;
        ok += ask(nodes.get(0), route, token, 5000).statusCode() == 200 ? 1 : 0;
        Thread.sleep(2500); // usage written out and spend re-read on every node
        ok += ask(nodes.get(1), route, token, 5000).statusCode() == 200 ? 1 : 0;
        assertEquals(3, ok);
        Thread.sleep(2500);
        for (RestClient node : nodes) {
            HttpResponse<String> refused = ask(node, route, token, 5000);
            assertEquals(refused.body(), 429, refused.statusCode());
            assertTrue(refused.body(), refused.body().contains("daily LLM budget"));
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElse("0"));
            assertTrue("Retry-After: until the next UTC day (" + retryAfter + " s)", retryAfter > 0 && retryAfter <= 86_400);
        }
        int reached = provider.requests.get() - before;
        assertEquals("nothing past the budget reached the provider", 3, reached);

        String usage = nodes.get(1).expect(200, "GET", "/llm/usage?tenant=" + tenant, token, null);
        assertEquals("usage equals the provider-side count", reached, sum(usage, "requests"));
        assertEquals(3 * 12, sum(usage, "inputTokens"));
        assertEquals(3 * 4, sum(usage, "outputTokens"));
        assertTrue(usage, usage.contains("\"cost\":0.06"));
        assertFalse("a tenant sees no deployment names: " + usage, usage.contains("fleet-budget-gpt"));
        String operatorView = nodes.get(0).expect(200, "GET", "/llm/usage?tenant=" + tenant, null);
        assertTrue(operatorView, operatorView.contains("fleet-budget-gpt-" + SUFFIX));
        assertEquals("a tenant token cannot read another tenant's usage", 403,
                nodes.get(0).call("GET", "/llm/usage?tenant=someone-else", token, null).statusCode());
        String own = nodes.get(0).expect(200, "GET", "/llm/usage", token, null);
        assertFalse("without a tenant parameter a tenant token still sees only its own: " + own,
                own.replace("\"tenant\":\"" + tenant + "\"", "").contains("\"tenant\":\""));

        nodes.get(1).expect(204, "DELETE", "/llm/quotas/" + tenant, null);
        assertTrue("budget lifted on node 2, node 1 answers again", eventually(() -> status(ask(nodes.get(0), route, token, 5000)) == 200));
    }

    // --- helpers ---

    /** Sends {@code requests} calls spread over the nodes from {@code threads} threads; returns how many were answered. */
    private static int load(List<RestClient> nodes, String route, int requests, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                RestClient node = nodes.get(i % nodes.size());
                calls.add(pool.submit(() -> ask(node, route, RestClient.OPERATOR, 300).statusCode()));
            }
            int ok = 0;
            for (Future<Integer> f : calls) {
                int s = f.get();
                assertTrue("answered or refused for want of capacity, was " + s, s == 200 || s == 503);
                ok += s == 200 ? 1 : 0;
            }
            return ok;
        } finally {
            pool.shutdown();
        }
    }

    private static void awaitStartOfWindow() throws InterruptedException {
        long window = TestFleet.LLM_LIMIT_WINDOW_SECONDS * 1_000L;
        Thread.sleep(window - System.currentTimeMillis() % window + 500);
    }

    private static String deploymentStatus(RestClient node, String deployment) {
        String body = status(node, "GET", "/llm/deployments");
        Matcher m = Pattern.compile("\\{\"name\":\"" + Pattern.quote(deployment) + "\"[^{}]*\"status\":\"([^\"]*)\"").matcher(body);
        return m.find() ? m.group(1) : "";
    }

    private static long sum(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        long total = 0;
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    private static int status(HttpResponse<String> r) {
        return r.statusCode();
    }

    private static String status(RestClient node, String method, String path) {
        try {
            return node.call(method, path, RestClient.OPERATOR, null).body();
        } catch (Exception e) {
            return "";
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean ok() throws Exception;
    }

    private static boolean eventually(Check check) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (check.ok()) {
                    return true;
                }
            } catch (Exception | AssertionError e) {
                // not yet
            }
            Thread.sleep(50);
        }
        return false;
    }
}
