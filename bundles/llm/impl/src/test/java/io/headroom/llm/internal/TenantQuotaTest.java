package io.headroom.llm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.internal.provider.TestAdapters;
import io.headroom.llm.internal.rest.TestSecurity;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import java.util.UUID;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/**
 * Per tenant: token quotas (reserved at the estimate, no overshoot under concurrency, settled to real usage), the
 * routes a tenant's token may use, and what a tenant's token reads of a provider's failure.
 */
public class TenantQuotaTest {
    /** "hi" with max_tokens 20 is estimated at 2/4 + 1 + 20 = 21 tokens; the fake provider reports 12 + 4 = 16 used. */
    private static final ChatRequest HI = new ChatRequest(List.of(new ChatMessage("user", "hi")), 20, null);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static MariaDb db;
    private FakeLlmProvider provider;
    private String schema;
    private final List<LlmRouterService> services = new ArrayList<>();

    @Before
    public void start() throws Exception {
        synchronized (TenantQuotaTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        provider = FakeLlmProvider.openAi();
    }

    @After
    public void stop() throws Exception {
        for (LlmRouterService s : services) {
            s.deactivate();
        }
        provider.close();
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    static Fleet oneNode() {
        return new Fleet() {
            @Override
            public String nodeId() {
                return "node-1";
            }

            @Override
            public List<FleetNode> liveNodes() {
                return List.of();
            }
        };
    }

    private LlmRouterService service(int tokensPerMinute) {
        LlmRouterService s = new LlmRouterService(new Signals() {
            @Override
            public void outcome(OutcomeEvent event) {
            }

            @Override
            public void load(LoadSample sample) {
            }
        }, new PlainControlStore(db, schema), oneNode(), new LlmRouterService.Config() {
            @Override
            public double interactiveReserve() {
                return 0.2;
            }

            @Override
            public long defaultCooldownMillis() {
                return 5000;
            }

            @Override
            public int allowedFails() {
                return 3;
            }

            @Override
            public long failWindowMillis() {
                return 60_000;
            }

            @Override
            public long pollMillis() {
                return 200;
            }

            @Override
            public long usageFlushMillis() {
                return 1000;
            }

            @Override
            public double sliceFraction() {
                return 0.05;
            }

            @Override
            public int limitWindowSeconds() {
                return 60;
            }

            @Override
            public int tenantRequestsPerMinute() {
                return 0;
            }

            @Override
            public int tenantTokensPerMinute() {
                return tokensPerMinute;
            }

            @Override
            public boolean requestMetrics() {
                return true;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LlmRouterService.Config.class;
            }
        });
        s.bindAdapter(TestAdapters.byProvider("openai"), Map.of(ProviderAdapter.PROVIDER, "openai"));
        services.add(s);
        s.putDeployment(new Deployment("gpt", "openai", "gpt-test", provider.endpoint(), "sk", 0, 0, 0, 10_000));
        s.putRoute(new Route("chat", "ordered", List.of("gpt"), Map.of()));
        return s;
    }

    private static int status(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (ProviderException e) {
            return e.status();
        }
    }

    @Test
    public void reservationsAreSettledToRealUsage() {
        LlmRouterService s = service(100);
        TenantId acme = TenantId.of("acme");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            statuses.add(status(() -> s.complete(acme, Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
        }
        // used 16 per answer: 0..64 + 21 fit under 100, 80 + 21 does not (unsettled estimates would admit only 4)
        assertEquals(List.of(200, 200, 200, 200, 200, 429, 429), statuses);
        assertEquals("another tenant has its own quota", 200,
                status(() -> s.complete(TenantId.of("initech"), Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
    }

    @Test
    public void fiftyConcurrentCallsNeverOvershootTheQuota() throws Exception {
        provider.always(Behaviour.slow(1500)); // every call is in flight before any settles
        LlmRouterService s = service(210);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(pool.submit(() -> {
                go.await();
                return status(() -> s.complete(TenantId.of("acme"), Priority.INTERACTIVE, "chat", HI, TIMEOUT));
            }));
        }
        go.countDown();
        int ok = 0;
        int refused = 0;
        for (Future<Integer> f : calls) {
            int st = f.get();
            ok += st == 200 ? 1 : 0;
            refused += st == 429 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals("210 / 21 tokens", 10, ok);
        assertEquals(40, refused);
        assertEquals(10, provider.requests.get());
    }

    @Test
    public void aRequestLargerThanTheWholeQuotaIsABadRequest() {
        LlmRouterService s = service(100);
        ChatRequest big = new ChatRequest(List.of(new ChatMessage("user", "hi")), 500, null);
        assertEquals(400, status(() -> s.complete(TenantId.of("acme"), Priority.INTERACTIVE, "chat", big, TIMEOUT)));
        assertEquals("and it used nothing", 200, status(() -> s.complete(TenantId.of("acme"), Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
    }

    /** A direct endpoint's exchange in memory. */
    private static final class Exchange extends io.headroom.llm.internal.rest.TestExchange {
        private final byte[] request;
        final Map<String, String> headers = new java.util.HashMap<>();
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        int status;

        Exchange(String json) {
            request = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public String header(String name) {
            return name.equals("X-Headroom-Timeout-Ms") ? "1500" : null; // how long the router may wait for a deployment
        }

        @Override
        public String requestId() {
            return "test";
        }

        @Override
        public java.io.InputStream body() {
            return new java.io.ByteArrayInputStream(request);
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
        public java.io.OutputStream output(String contentType) {
            return body;
        }

        String text() {
            return body.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static Exchange chat(io.headroom.llm.internal.rest.ChatEndpoint endpoint, Caller caller, String route, boolean stream)
            throws Exception {
        Exchange ex = new Exchange("{\"model\":\"" + route + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        endpoint.serve(caller, ex);
        return ex;
    }

    private static List<String> modelIds(Map<String, Object> models) {
        List<String> ids = new ArrayList<>();
        for (Object m : (List<?>) models.get("data")) {
            ids.add((String) ((Map<?, ?>) m).get("id"));
        }
        return ids;
    }

    @Test
    public void aRouteForSomeTenantsIsNeitherListedNorServedToOthers() throws Exception {
        LlmRouterService s = service(0);
        s.putRoute(new Route("acme-only", "ordered", List.of("gpt"), Map.of(), List.of(), List.of("acme")));
        Caller acme = new Caller("acme-token", Caller.TENANT, TenantId.of("acme"));
        Caller initech = new Caller("initech-token", Caller.TENANT, TenantId.of("initech"));
        io.headroom.llm.internal.rest.LlmResource resource = new io.headroom.llm.internal.rest.LlmResource(s, s);
        assertEquals(List.of("acme-only", "chat"), modelIds(resource.models(TestSecurity.of(acme))));
        assertEquals(List.of("chat"), modelIds(resource.models(TestSecurity.of(initech))));
        assertEquals(List.of("acme-only", "chat"), modelIds(resource.models(TestSecurity.of(new Caller("ops", Caller.PLATFORM, null)))));

        io.headroom.llm.internal.rest.ChatEndpoint endpoint = new io.headroom.llm.internal.rest.ChatEndpoint(s);
        Exchange refused = chat(endpoint, initech, "acme-only", false);
        Exchange unknown = chat(endpoint, initech, "no-such-route", false);
        assertEquals(400, refused.status);
        assertTrue(refused.text(), refused.text().contains("\"code\":\"model_not_found\""));
        assertEquals("refused exactly as a route that does not exist", unknown.text().replace("no-such-route", "acme-only"), refused.text());
        assertEquals(400, chat(endpoint, initech, "acme-only", true).status);
        assertEquals(0, provider.requests.get());
        Exchange ok = chat(endpoint, acme, "acme-only", false);
        assertEquals(ok.text(), 200, ok.status);
        assertEquals(200, chat(endpoint, initech, "chat", false).status);
        assertEquals(200, chat(endpoint, new Caller("ops", Caller.PLATFORM, null), "acme-only", false).status);
        assertTrue("the tenants reach the store and come back",
                s.routes().stream().anyMatch(r -> r.name().equals("acme-only") && r.tenants().equals(List.of("acme"))));
    }

    @Test
    public void aStreamRefusedForTheTenantsQuotaIsAReal429WithRetryAfterNotA200WithAnErrorEvent() throws Exception {
        LlmRouterService s = service(100);
        TenantId acme = TenantId.of("acme");
        for (int i = 0; i < 5; i++) { // 5 x 16 used: 80 of 100, and the next estimate (21) does not fit
            assertEquals(200, status(() -> s.complete(acme, Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
        }
        io.headroom.llm.internal.rest.ChatEndpoint endpoint = new io.headroom.llm.internal.rest.ChatEndpoint(s);
        Exchange streamed = new Exchange("{\"model\":\"chat\",\"stream\":true,\"max_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        endpoint.serve(new Caller("acme-token", Caller.TENANT, acme), streamed);
        assertEquals(streamed.text(), 429, streamed.status);
        assertTrue(streamed.headers.toString(), Integer.parseInt(streamed.headers.get("Retry-After")) >= 1);
        com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(streamed.text()).path("error");
        assertEquals(streamed.text(), "rate_limit_exceeded", error.path("code").asText()); // the envelope, not an SSE event
        assertEquals("rate_limit_error", error.path("type").asText());
        assertFalse(streamed.text(), streamed.text().contains("data:"));
        assertEquals("refused before anything was sent upstream", 5, provider.requests.get());
    }

    @Test
    public void aTenantReadsNeitherDeploymentNamesNorTheProvidersOwnErrorText() throws Exception {
        LlmRouterService s = service(0);
        s.putDeployment(new Deployment("gpt-secret-eu", "openai", "gpt-test", provider.endpoint(), "sk", 0, 0, 0, 0, 10_000, 0, 300));
        s.putRoute(new Route("quiet", "ordered", List.of("gpt-secret-eu"), Map.of()));
        io.headroom.llm.internal.rest.ChatEndpoint endpoint = new io.headroom.llm.internal.rest.ChatEndpoint(s);
        Caller tenant = new Caller("acme-token", Caller.TENANT, TenantId.of("acme"));
        Caller platform = new Caller("ops", Caller.PLATFORM, null);

        provider.then(Behaviour.error(400, null)); // the provider's body says "slow down"
        Exchange t = chat(endpoint, tenant, "quiet", false);
        assertEquals(400, t.status);
        assertFalse(t.text(), t.text().contains("gpt-secret-eu"));
        assertFalse(t.text(), t.text().contains("slow down"));
        assertTrue(t.text(), t.text().contains("refused the request"));
        assertFalse(t.headers.containsKey("X-Headroom-Deployment"));
        provider.then(Behaviour.error(400, null));
        Exchange p = chat(endpoint, platform, "quiet", false);
        assertTrue("operators and platform tokens see it all: " + p.text(), p.text().contains("gpt-secret-eu") && p.text().contains("slow down"));

        provider.then(Behaviour.stallAfter(2, 3_000)); // silent for longer than the deployment's 300 ms stream idle timeout
        Exchange cut = chat(endpoint, tenant, "quiet", true);
        assertEquals(200, cut.status);
        assertTrue(cut.text(), cut.text().contains("the answer was cut off"));
        assertFalse(cut.text(), cut.text().contains("gpt-secret-eu"));
        assertFalse(cut.headers.containsKey("X-Headroom-Deployment"));
        provider.always(Behaviour.error(503, null));
        Exchange exhausted = chat(endpoint, tenant, "quiet", false);
        assertEquals(503, exhausted.status);
        assertTrue(exhausted.text(), exhausted.text().contains("no deployment of route quiet could answer"));
        assertFalse(exhausted.text(), exhausted.text().contains("gpt-secret-eu"));
        assertFalse(exhausted.text(), exhausted.text().contains("slow down"));
    }
}
