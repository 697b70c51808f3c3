package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.RouteStatus;
import io.headroom.llm.api.StreamListener;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.internal.provider.TestAdapters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The router with the real adapters against local provider servers: failover, cooldowns, waiting, limits, priorities. */
public class RouterTest {
    private static final ChatRequest REQUEST = new ChatRequest(List.of(new ChatMessage("user", "hi")), 20, null);
    private FakeLlmProvider openAi;
    private FakeLlmProvider anthropic;
    private Router router;

    @Before
    public void setUp() throws Exception {
        openAi = FakeLlmProvider.openAi();
        anthropic = FakeLlmProvider.anthropic();
        router = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, TestAdapters::byProvider); // cooldown at the first failure
        router.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        router.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 2000));
        router.putRoute(new Route("chat", "ordered", List.of("gpt", "claude"), Map.of()));
    }

    @After
    public void tearDown() {
        openAi.close();
        anthropic.close();
    }

    private long deadline(long millis) {
        return System.currentTimeMillis() + millis;
    }

    private DeploymentStatus view(String name) {
        return router.deployments().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    public void failsOverAcrossVendorsAndCoolsTheFailingDeploymentDown() throws Exception {
        openAi.then(Behaviour.error(503, null));
        ChatResponse r = router.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000));
        assertEquals("claude", r.deployment());
        DeploymentStatus gpt = view("gpt");
        assertEquals("cooling down", gpt.status());
        assertTrue(gpt.cooldownReason(), gpt.cooldownReason().contains("HTTP 503"));
        assertEquals("the next call goes straight to the healthy one", "claude", router.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        assertEquals(1, openAi.requests.get());
        assertTrue(router.clearCooldown("gpt"));
        assertEquals("gpt", router.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
    }

    @Test
    public void retryAfterIsHonoured() throws Exception {
        openAi.then(Behaviour.error(429, "30"));
        router.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000));
        long until = view("gpt").cooldownUntilMillis();
        assertTrue("cooldown of at least the 30 s asked for", until - System.currentTimeMillis() > 25_000);
    }

    @Test
    public void clientErrorsAreNotRetriedElsewhere() {
        openAi.then(Behaviour.error(400, null));
        ProviderException e = assertThrows(ProviderException.class, () -> router.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)));
        assertEquals(400, e.status());
        assertTrue("operators keep the deployment and the provider's words: " + e.getMessage(), e.getMessage().startsWith("gpt"));
        ProviderRefusal refusal = (ProviderRefusal) e;
        assertEquals("model chat: the model provider refused the request (HTTP 400); ask the platform team for details",
                refusal.publicMessage());
        assertEquals(400, refusal.publicStatus());
        assertEquals(0, anthropic.requests.get());
        assertEquals("a bad request says nothing about the deployment's health", "healthy", view("gpt").status());
    }

    @Test
    public void whenEveryCandidateCoolsDownTheRequestWaitsWithinItsDeadline() throws Exception {
        router = withCooldown(300);
        openAi.then(Behaviour.error(429, null));
        ChatResponse r = router.complete("solo", Priority.INTERACTIVE, REQUEST, deadline(5000));
        assertEquals("gpt", r.deployment());
        assertEquals(2, openAi.requests.get());
        openAi.always(Behaviour.error(503, null));
        ProviderException e = assertThrows(ProviderException.class, () -> router.complete("solo", Priority.INTERACTIVE, REQUEST, deadline(500)));
        assertEquals(503, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("before the deadline"));
    }

    @Test
    public void aDeploymentCoolsDownAfterAllowedFailsInARowNotAfterOne() throws Exception {
        List<String> cooled = new ArrayList<>();
        Router r = new Router(Router.Settings.defaults(), System::currentTimeMillis, TestAdapters::byProvider,
                LeasedLimits.local(System::currentTimeMillis), (d, until, reason) -> cooled.add(d));
        r.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        r.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 2000));
        r.putRoute(new Route("chat", "ordered", List.of("gpt", "claude"), Map.of()));
        openAi.then(Behaviour.error(500, null), Behaviour.error(500, null));
        assertEquals("claude", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        assertEquals("claude", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        assertEquals("two failures in a row: still healthy", "healthy", status(r, "gpt"));
        assertEquals("gpt", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        openAi.then(Behaviour.error(500, null), Behaviour.error(500, null));
        r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000));
        r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000));
        assertEquals("a success in between started the count again", "healthy", status(r, "gpt"));
        openAi.then(Behaviour.error(500, null));
        r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000));
        assertEquals("the third in a row", "cooling down", status(r, "gpt"));
        assertEquals(List.of("gpt"), cooled);
        int before = openAi.requests.get();
        assertEquals("claude", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        assertEquals("skipped while cooling down", before, openAi.requests.get());
        assertTrue(r.applyState("gpt", false, 0, null));
        assertEquals("the fleet cleared the cooldown", "gpt", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
    }

    @Test
    public void aRateLimitWithRetryAfterCoolsDownAtOnce() throws Exception {
        Router r = new Router(Router.Settings.defaults(), System::currentTimeMillis, TestAdapters::byProvider);
        r.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        r.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k2", 0, 0, 0, 2000));
        r.putRoute(new Route("chat", "ordered", List.of("gpt", "claude"), Map.of()));
        openAi.then(Behaviour.error(429, "7"));
        assertEquals("claude", r.complete("chat", Priority.INTERACTIVE, REQUEST, deadline(5000)).deployment());
        assertEquals("cooling down", status(r, "gpt"));
    }

    @Test
    public void aClientThatGoesAwayMidStreamIsNotAProviderFailure() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        LeasedLimits limits = new LeasedLimits(ledger, System::currentTimeMillis, () -> 1, LeasedLimits.Settings.defaults());
        Router r = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, TestAdapters::byProvider, limits, (d, u, why) -> { });
        r.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 1000, 0, 2000));
        r.putRoute(new Route("solo", "ordered", List.of("gpt"), Map.of()));
        java.io.UncheckedIOException gone = new java.io.UncheckedIOException(new java.io.IOException("Broken pipe"));
        List<String> tokens = new ArrayList<>();
        java.io.UncheckedIOException thrown = assertThrows(java.io.UncheckedIOException.class, () -> r.stream("solo", Priority.INTERACTIVE, REQUEST,
                deadline(5000), new StreamListener() {
                    @Override
                    public void token(String text) {
                        tokens.add(text);
                        if (tokens.size() == 2) {
                            throw gone; // the client's connection broke while its answer was written
                        }
                    }

                    @Override
                    public void completed(ChatResponse response) {
                    }

                    @Override
                    public void failed(ProviderException error) {
                    }
                }));
        assertTrue(thrown == gone);
        assertEquals("with allowedFails 1 a provider failure would cool it down at once", "healthy", status(r, "gpt"));
        assertEquals(0, r.deployments().get(0).failures());
        long granted = ledger.granted("deployment:gpt:tokens", System.currentTimeMillis() / 60_000);
        assertTrue(granted > 0);
        // "hi" (1 token) with max_tokens 20 reserved 21; "Hello" and ", " were streamed (7 characters: 2 tokens)
        assertEquals("the reservation was settled to the prompt and what was streamed: 3 used, not 0 and not 21", granted - 3,
                limits.held("deployment:gpt:tokens", 1.0));
    }

    /** A stream cut short, by its client or by the provider, keeps of the deployment's token limit what it streamed. */
    @Test
    public void aStreamCutShortKeepsOfTheDeploymentsTokenLimitOnlyThePromptAndWhatItStreamed() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        LeasedLimits limits = new LeasedLimits(ledger, System::currentTimeMillis, () -> 1, LeasedLimits.Settings.defaults());
        Router r = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, TestAdapters::byProvider, limits, (d, u, why) -> { });
        // a limit of 60 tokens a minute: 21 reserved per call, so whole reservations kept would admit 2 calls
        r.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 60, 0, 0, 2000, 100));
        r.putRoute(new Route("solo", "ordered", List.of("gpt"), Map.of()));
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            if (i % 2 == 0) {
                openAi.then(Behaviour.cut(2)); // the provider's stream breaks after "Hello", ", "
            }
            boolean byClient = i % 2 == 1;
            try {
                r.stream("solo", Priority.INTERACTIVE, REQUEST, deadline(200), new StreamListener() {
                    @Override
                    public void token(String text) {
                        if (byClient && text.equals(", ")) {
                            throw new java.io.UncheckedIOException(new java.io.IOException("Broken pipe"));
                        }
                    }

                    @Override
                    public void completed(ChatResponse response) {
                        outcomes.add("completed");
                    }

                    @Override
                    public void failed(ProviderException error) {
                        outcomes.add("failed");
                    }
                });
            } catch (java.io.UncheckedIOException e) {
                outcomes.add("client gone");
            } catch (ProviderException e) {
                outcomes.add("refused");
            }
        }
        // each cut keeps 1 + 2 = 3 tokens: 6 calls use 18 of 60 (a whole reservation kept, or none, would show here)
        assertEquals(List.of("failed", "client gone", "failed", "client gone", "failed", "client gone"), outcomes);
        long granted = ledger.granted("deployment:gpt:tokens", System.currentTimeMillis() / 60_000);
        assertEquals(granted - 18, limits.held("deployment:gpt:tokens", 1.0));
        assertEquals("healthy", status(r, "gpt"));
    }

    private static String status(Router r, String deployment) {
        return r.deployments().stream().filter(d -> d.name().equals(deployment)).findFirst().orElseThrow().status();
    }

    private Router withCooldown(long cooldownMillis) {
        Router r = new Router(new Router.Settings(0.2, cooldownMillis), System::currentTimeMillis, TestAdapters::byProvider);
        r.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 0, 0, 0, 2000));
        r.putRoute(new Route("solo", "ordered", List.of("gpt"), Map.of()));
        return r;
    }

    @Test
    public void aStreamThatFailsBeforeItsFirstTokenFailsOverInvisibly() throws Exception {
        openAi.then(Behaviour.cut(0));
        List<String> tokens = new ArrayList<>();
        ChatResponse[] done = new ChatResponse[1];
        ProviderException[] failed = new ProviderException[1];
        router.stream("chat", Priority.INTERACTIVE, REQUEST, deadline(5000), listener(tokens, done, failed));
        assertEquals(List.of(FakeLlmProvider.TOKENS), tokens);
        assertEquals("claude", done[0].deployment());
        assertNull(failed[0]);
    }

    @Test
    public void aStreamCutAfterItsFirstTokenEndsWithAnErrorEvent() throws Exception {
        openAi.then(Behaviour.cut(2));
        List<String> tokens = new ArrayList<>();
        ChatResponse[] done = new ChatResponse[1];
        ProviderException[] failed = new ProviderException[1];
        router.stream("chat", Priority.INTERACTIVE, REQUEST, deadline(5000), listener(tokens, done, failed));
        assertEquals(2, tokens.size());
        assertNull("never a truncated answer that looks complete", done[0]);
        assertTrue(failed[0].retryable());
        assertEquals("cooling down", view("gpt").status());
    }

    private static StreamListener listener(List<String> tokens, ChatResponse[] done, ProviderException[] failed) {
        return new StreamListener() {
            public void token(String text) {
                tokens.add(text);
            }

            public void completed(ChatResponse response) {
                done[0] = response;
            }

            public void failed(ProviderException error) {
                failed[0] = error;
            }
        };
    }

    @Test
    public void requestLimitsHoldExactlyUnderFiftyConcurrentRequests() throws Exception {
        router.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 10, 0, 0, 2000));
        router.putRoute(new Route("limited", "ordered", List.of("gpt"), Map.of()));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(pool.submit(() -> {
                try {
                    router.complete("limited", Priority.INTERACTIVE, REQUEST, deadline(300));
                    ok.incrementAndGet();
                } catch (ProviderException e) {
                    refused.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals("exactly the 10 requests a minute the deployment allows", 10, openAi.requests.get());
        assertEquals(10, ok.get());
        assertEquals(40, refused.get());
    }

    @Test
    public void backgroundWorkNeverTakesTheInteractiveReserve() throws Exception {
        router.putDeployment(new Deployment("gpt", "openai", "gpt-test", openAi.endpoint(), "k1", 10, 0, 0, 2000));
        router.putRoute(new Route("limited", "ordered", List.of("gpt"), Map.of()));
        int background = 0;
        for (int i = 0; i < 10; i++) {
            try {
                router.complete("limited", Priority.BACKGROUND, REQUEST, deadline(50));
                background++;
            } catch (ProviderException e) {
                // over the background share
            }
        }
        assertEquals("background gets 80% of 10", 8, background);
        router.complete("limited", Priority.INTERACTIVE, REQUEST, deadline(50));
        router.complete("limited", Priority.INTERACTIVE, REQUEST, deadline(50));
        assertThrows(ProviderException.class, () -> router.complete("limited", Priority.INTERACTIVE, REQUEST, deadline(50)));
        RouteStatus h = router.headroom("limited");
        assertEquals(10, h.requestsLastMinute());
        assertTrue("capacity 10 is under twice the load", h.low());
    }

    @Test
    public void unknownRoutesAreClientErrors() {
        assertThrows(IllegalArgumentException.class, () -> router.complete("nope", Priority.INTERACTIVE, REQUEST, deadline(100)));
        assertThrows(IllegalArgumentException.class, () -> new Route("x", "random", List.of(), null));
        assertFalse(router.clearCooldown("nope"));
    }
}
