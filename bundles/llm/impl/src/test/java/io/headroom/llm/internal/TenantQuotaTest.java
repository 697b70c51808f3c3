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
 * routes a tenant's token may use, and what a tenant's token reads of a provider's failure. Also the gateway's
 * per-request meters: each routed call's duration per route and outcome, and the series a removed route or deployment
 * leaves behind dropped.
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
        return service(0, tokensPerMinute);
    }

    private LlmRouterService service(int requestsPerMinute, int tokensPerMinute) {
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
                return requestsPerMinute;
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

    /** A stream's outcome as a word: completed, failed (an error after its first token), client gone, refused. */
    private static String cutStream(LlmRouterService s, TenantId tenant, String route, String throwAt) {
        List<String> outcome = new ArrayList<>();
        try {
            s.stream(tenant, Priority.INTERACTIVE, route, HI, TIMEOUT, new io.headroom.llm.api.StreamListener() {
                @Override
                public void started(String deployment, String model) {
                    if ("started".equals(throwAt)) {
                        throw new java.io.UncheckedIOException(new java.io.IOException("Broken pipe"));
                    }
                }

                @Override
                public void token(String text) {
                    if (text.equals(throwAt)) {
                        throw new java.io.UncheckedIOException(new java.io.IOException("Broken pipe")); // the client went away
                    }
                }

                @Override
                public void completed(io.headroom.llm.api.ChatResponse response) {
                    outcome.add("completed");
                }

                @Override
                public void failed(ProviderException error) {
                    outcome.add("failed");
                }
            });
        } catch (java.io.UncheckedIOException e) {
            outcome.add("client gone");
        } catch (ProviderException e) {
            outcome.add("refused " + e.status());
        }
        return String.join(",", outcome);
    }

    /**
     * Streams cut short after a few tokens, by their client or by the provider, keep of the tenant's token quota only the
     * prompt and what they streamed (here 1 + 2 tokens each: not 0, not the 21 reserved), and count as usage at the
     * deployment's prices; a stream abandoned before its first token keeps nothing and counts nothing.
     */
    @Test
    public void aStreamCutShortUsesOnlyThePromptAndWhatItStreamedOfTheTenantsQuotaAndCountsAsUsage() throws Exception {
        LlmRouterService s = service(110);
        s.putDeployment(new Deployment("gpt-priced", "openai", "gpt-test", provider.endpoint(), "sk", 0, 0, 1.0, 2.0, 10_000, 100));
        s.putRoute(new Route("priced", "ordered", List.of("gpt-priced"), Map.of()));
        TenantId acme = TenantId.of("acme");
        List<String> outcomes = new ArrayList<>();
        outcomes.add(cutStream(s, acme, "priced", "started"));
        for (int i = 0; i < 2; i++) {
            outcomes.add(cutStream(s, acme, "priced", ", ")); // "Hello" and ", " streamed (7 characters: 2 tokens)
            provider.then(Behaviour.cut(2)); // the provider's stream breaks after "Hello", ", "
            outcomes.add(cutStream(s, acme, "priced", null));
        }
        assertEquals(List.of("client gone", "client gone", "failed", "client gone", "failed"), outcomes);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            statuses.add(status(() -> s.complete(acme, Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
        }
        // 4 x 3 = 12 used, then 16 per answer: 12..76 + 21 fit under 110, 92 + 21 does not. Cut streams settled to 0
        // would admit 6; provider-cut ones keeping their 21 reserved, 3
        assertEquals(List.of(200, 200, 200, 200, 200, 429, 429), statuses);

        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        List<io.headroom.llm.api.Usage> priced = s.usage(java.util.Optional.of(acme), today, today).stream()
                .filter(u -> u.route().equals("priced")).toList();
        assertEquals(priced.toString(), 1, priced.size());
        io.headroom.llm.api.Usage u = priced.get(0);
        assertEquals("the four streams cut after their first tokens; not the one abandoned before any", 4, u.requests());
        assertEquals(4, u.inputTokens());
        assertEquals(8, u.outputTokens());
        assertEquals("(4 x $1 + 8 x $2) / 1000", 0.02, u.cost(), 1e-9);
    }

    /**
     * A Responses API stream passed through to a deployment that serves it, cut by the provider after two text deltas:
     * its delta events are the output counted ("Hello", ", ": 2 tokens), the created and in-progress events are not.
     */
    @Test
    public void aPassedThroughResponsesStreamCutShortCostsThePromptAndItsDeltas() throws Exception {
        LlmRouterService s = service(0);
        s.putDeployment(new Deployment("gpt-native", "openai", "gpt-5-test", provider.endpoint(), "sk", 0, 0, 1.0, 2.0, 10_000, 100, 0,
                Deployment.RESPONSES_NATIVE));
        s.putRoute(new Route("native", "ordered", List.of("gpt-native"), Map.of()));
        TenantId acme = TenantId.of("acme");
        provider.then(Behaviour.cut(2));
        List<String> events = new ArrayList<>();
        s.streamResponses(acme, Priority.INTERACTIVE, "native", io.headroom.llm.api.ResponsesRequest.of(
                "{\"model\":\"native\",\"input\":\"hi\",\"max_output_tokens\":20,\"stream\":true}", HI), TIMEOUT,
                new io.headroom.llm.api.StreamListener() {
                    @Override
                    public void token(String text) {
                    }

                    @Override
                    public void event(String type, String data) {
                        events.add(type);
                    }

                    @Override
                    public void completed(io.headroom.llm.api.ChatResponse response) {
                        events.add("completed");
                    }

                    @Override
                    public void failed(ProviderException error) {
                        events.add("failed");
                    }
                });
        assertTrue(events.toString(), events.contains("response.created") && events.get(events.size() - 1).equals("failed"));
        assertEquals(events.toString(), 2, events.stream().filter(e -> e.equals("response.output_text.delta")).count());
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        io.headroom.llm.api.Usage u = s.usage(java.util.Optional.of(acme), today, today).stream()
                .filter(r -> r.route().equals("native")).findFirst().orElseThrow();
        assertEquals(1, u.requests());
        assertEquals("the prompt estimate of \"hi\"", 1, u.inputTokens());
        assertEquals(2, u.outputTokens());
        assertEquals("(1 x $1 + 2 x $2) / 1000", 0.005, u.cost(), 1e-9);
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

    /**
     * Embeddings are the tenant's calls too: they count against its requests and tokens per minute, and a tenant over
     * either gets a 429 with Retry-After in OpenAI's envelope, before anything is sent upstream; others are not affected.
     */
    @Test
    public void embeddingsCountAgainstTheTenantsRequestsAndTokensAndOverEitherAre429WithRetryAfter() throws Exception {
        String threeInputs = "{\"model\":\"chat\",\"input\":[\"hello\",\"hi\",\"hey\"]}"; // estimated 5 tokens, 6 used
        TenantId acme = TenantId.of("acme");
        Caller acmeToken = new Caller("acme-token", Caller.TENANT, acme);

        LlmRouterService tokens = service(0, 10);
        io.headroom.llm.internal.rest.EmbeddingsEndpoint byTokens = new io.headroom.llm.internal.rest.EmbeddingsEndpoint(tokens);
        assertEquals(200, embed(byTokens, acmeToken, threeInputs).status);
        Exchange overTokens = embed(byTokens, acmeToken, threeInputs); // 6 used + 5 estimated > 10
        assertRateLimited(overTokens);
        assertEquals("refused before anything was sent upstream", 1, provider.requests.get());
        assertEquals("another tenant has its own quota", 200,
                embed(byTokens, new Caller("initech-token", Caller.TENANT, TenantId.of("initech")), threeInputs).status);
        tokens.deactivate();
        services.remove(tokens);

        LlmRouterService requests = service(2, 0);
        io.headroom.llm.internal.rest.EmbeddingsEndpoint byRequests = new io.headroom.llm.internal.rest.EmbeddingsEndpoint(requests);
        int before = provider.requests.get();
        assertEquals(200, embed(byRequests, acmeToken, threeInputs).status);
        assertEquals(200, embed(byRequests, acmeToken, threeInputs).status);
        assertRateLimited(embed(byRequests, acmeToken, threeInputs));
        assertEquals(before + 2, provider.requests.get());
    }

    private static Exchange embed(io.headroom.llm.internal.rest.EmbeddingsEndpoint endpoint, Caller caller, String json) throws Exception {
        Exchange ex = new Exchange(json);
        endpoint.serve(caller, ex);
        return ex;
    }

    private static void assertRateLimited(Exchange refused) throws Exception {
        assertEquals(refused.text(), 429, refused.status);
        assertTrue(refused.headers.toString(), Integer.parseInt(refused.headers.get("Retry-After")) >= 1);
        com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(refused.text()).path("error");
        assertEquals(refused.text(), "rate_limit_exceeded", error.path("code").asText());
        assertEquals("rate_limit_error", error.path("type").asText());
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

    /** What the gateway records, as (meter, labels...) lines, and what it forgets, as "forget meter label=value". */
    private static final class RecordingMetrics implements io.headroom.core.api.metrics.Metrics {
        final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public io.headroom.core.api.metrics.Counter counter(String name, String help, String... labelNames) {
            return new io.headroom.core.api.metrics.Counter() {
                @Override
                public void inc(String... labelValues) {
                    seen.add(name + " " + String.join(",", labelValues));
                }

                @Override
                public void add(double amount, String... labelValues) {
                    seen.add(name + " " + String.join(",", labelValues));
                }

                @Override
                public void forget(String labelName, String value) {
                    seen.add("forget " + name + " " + labelName + "=" + value);
                }
            };
        }

        @Override
        public io.headroom.core.api.metrics.Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
            return new io.headroom.core.api.metrics.Histogram() {
                @Override
                public void observe(double value, String... labelValues) {
                    assertTrue("seconds, not milliseconds: " + value, value >= 0 && value < 10);
                    seen.add(name + " " + String.join(",", labelValues));
                }

                @Override
                public double quantile(double q, String... labelValues) {
                    return Double.NaN;
                }

                @Override
                public void forget(String labelName, String value) {
                    seen.add("forget " + name + " " + labelName + "=" + value);
                }
            };
        }

        @Override
        public void gauge(String name, String help, List<String> labelNames, java.util.function.Consumer<Samples> collect) {
        }

        @Override
        public void counter(String name, String help, List<String> labelNames, java.util.function.Consumer<Samples> collect) {
        }

        long count(String line) {
            synchronized (seen) {
                return seen.stream().filter(line::equals).count();
            }
        }
    }

    @Test
    public void eachRoutedCallIsTimedPerRouteAndOutcomeFailoversIncluded() throws Exception {
        LlmRouterService s = service(0, 0);
        RecordingMetrics metrics = new RecordingMetrics();
        s.bindMetrics(metrics);
        TenantId acme = TenantId.of("acme");
        assertEquals(200, status(() -> s.complete(acme, Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
        assertEquals(200, status(() -> s.complete(null, Priority.BACKGROUND, "chat", HI, TIMEOUT)));
        assertEquals("platform calls are timed too", 2, metrics.count("headroom_llm_request_duration_seconds chat,ok"));

        provider.then(Behaviour.error(400, null)); // not retryable: the caller gets it
        assertEquals(400, status(() -> s.complete(acme, Priority.INTERACTIVE, "chat", HI, TIMEOUT)));
        assertEquals(1, metrics.count("headroom_llm_request_duration_seconds chat,error"));

        // a failover is one call: the first deployment fails, the second answers
        try (FakeLlmProvider second = FakeLlmProvider.openAi()) {
            s.putDeployment(new Deployment("gpt-2", "openai", "gpt-test", second.endpoint(), "sk", 0, 0, 0, 10_000));
            s.putRoute(new Route("both", "ordered", List.of("gpt", "gpt-2"), Map.of()));
            provider.then(Behaviour.error(503, null));
            assertEquals(200, status(() -> s.complete(acme, Priority.INTERACTIVE, "both", HI, TIMEOUT)));
            assertEquals(1, metrics.count("headroom_llm_request_duration_seconds both,ok"));
            assertEquals(0, metrics.count("headroom_llm_request_duration_seconds both,error"));
            assertEquals(1, metrics.count("headroom_llm_attempt_failures both,gpt,server_error"));

            assertEquals("an unknown route", 400, status(() -> {
                try {
                    s.complete(acme, Priority.INTERACTIVE, "nope", HI, TIMEOUT);
                } catch (IllegalArgumentException e) {
                    throw new ProviderException(e.getMessage(), 400, false, 0, e);
                }
            }));
            assertTrue("records nothing", metrics.seen.stream().noneMatch(l -> l.contains("nope")));

            s.removeRoute("both");
            s.removeDeployment("gpt-2");
        }
        assertEquals(1, metrics.count("forget headroom_llm_request_duration_seconds route=both"));
        assertEquals(1, metrics.count("forget headroom_llm_attempt_failures route=both"));
        assertEquals(1, metrics.count("forget headroom_llm_tokens route=both"));
        assertEquals(1, metrics.count("forget headroom_llm_time_to_first_token_seconds route=both"));
        assertEquals(1, metrics.count("forget headroom_llm_attempt_failures deployment=gpt-2"));
        assertEquals(1, metrics.count("forget headroom_llm_deployment_cooldowns deployment=gpt-2"));
        assertTrue("the routes and deployments still there keep theirs",
                metrics.seen.stream().noneMatch(l -> l.endsWith("=chat") || l.endsWith("=gpt")));
    }
}
