package io.headroom.llm.internal;

import static org.junit.Assert.assertEquals;

import io.headroom.core.api.TenantId;
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

/** Per-tenant token quotas: reserved at the estimate (no overshoot under concurrency), settled to real usage. */
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
}
