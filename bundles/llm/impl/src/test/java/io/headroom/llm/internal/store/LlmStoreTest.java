package io.headroom.llm.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.TenantQuota;
import io.headroom.llm.api.Usage;
import io.headroom.llm.internal.core.LeasedLimits;
import io.headroom.llm.internal.core.UsageMeter;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The gateway's platform state on a real MariaDB (the machine's, or an embedded one). */
public class LlmStoreTest {
    private static MariaDb db;
    private String schema;
    private LlmStore store;

    @Before
    public void setUp() {
        synchronized (LlmStoreTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        store = new LlmStore(new PlainControlStore(db, schema));
    }

    @After
    public void tearDown() {
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @Test
    public void slicesTakenConcurrentlyByTwoNodesNeverExceedTheLimit() throws Exception {
        long minute = System.currentTimeMillis() / 60_000;
        // two nodes, each with its own store object and connections, four threads each, slices of 7
        List<LlmStore> nodes = List.of(store, new LlmStore(new PlainControlStore(db, schema)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> taken = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            LlmStore node = nodes.get(t % 2);
            taken.add(pool.submit(() -> {
                go.await();
                long got = 0;
                for (int i = 0; i < 40; i++) {
                    got += node.take("deployment:gpt:requests", minute, 500, 7);
                }
                return got;
            }));
        }
        go.countDown();
        long total = 0;
        for (Future<Long> f : taken) {
            total += f.get();
        }
        pool.shutdown();
        assertEquals("8 x 40 x 7 = 2,240 asked, 500 granted", 500, total);
        assertEquals(0, store.take("deployment:gpt:requests", minute, 500, 1));
        store.giveBack("deployment:gpt:requests", minute, 30);
        assertEquals("what was given back can be taken again", 30, nodes.get(1).take("deployment:gpt:requests", minute, 500, 100));
        assertEquals("a new minute, a new count", 100, store.take("deployment:gpt:requests", minute + 1, 500, 100));
        assertEquals("a lower ceiling (background) stops earlier", 0, store.take("deployment:gpt:requests", minute + 1, 80, 1));
    }

    @Test
    public void leasedLimitsOnTheStoreAdmitExactlyTheLimitAcrossNodes() {
        LeasedLimits a = new LeasedLimits(store, System::currentTimeMillis, () -> 2, LeasedLimits.Settings.defaults());
        LeasedLimits b = new LeasedLimits(new LlmStore(new PlainControlStore(db, schema)), System::currentTimeMillis, () -> 2,
                LeasedLimits.Settings.defaults());
        int admitted = 0;
        for (int i = 0; i < 300; i++) {
            admitted += (i % 2 == 0 ? a : b).tryTake("k", 200, 1.0, 1) ? 1 : 0;
        }
        // unless the clock minute turned during the loop (then each minute admits its own 200)
        assertTrue("admitted " + admitted, admitted == 200 || admitted > 200 && admitted <= 300);
    }

    @Test
    public void inShortWindowsTwoNodesOnTheStoreAdmitEachWindowsShareAndNoMore() throws Exception {
        // a simulated clock at the start of a minute, windows of 10 s: 600 a minute is 100 in each
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_020_000L);
        LeasedLimits.Settings tenSeconds = LeasedLimits.Settings.defaults().window(10_000);
        List<LeasedLimits> nodes = List.of(new LeasedLimits(store, clock::get, () -> 2, tenSeconds),
                new LeasedLimits(new LlmStore(new PlainControlStore(db, schema)), clock::get, () -> 2, tenSeconds));
        for (int w = 0; w < 2; w++) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                LeasedLimits node = nodes.get(t % 2);
                counts.add(pool.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int i = 0; i < 60; i++) {
                        n += node.tryTake("k", 600, 1.0, 1) ? 1 : 0;
                    }
                    return n;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : counts) {
                total += f.get();
            }
            pool.shutdown();
            assertEquals("360 tries in window " + w + " on two nodes", 100, total);
            clock.addAndGet(10_000);
        }
        long window = clock.get() / 10_000;
        assertEquals("both windows are used up on the store", 0, store.take("k", window - 2, 100, 1));
        assertEquals(0, store.take("k", window - 1, 100, 1));
        store.take("k", window + 5_000, 100, 1); // a shorter window's numbers, left from before a change
        store.dropLeasesBefore(window - 1);
        assertEquals("the window before the cut is kept", 0, store.take("k", window - 1, 100, 1));
        assertEquals("older windows are dropped", 100, store.take("k", window - 2, 100, 1_000));
        assertEquals("and numbers far ahead (another window length) too", 100, store.take("k", window + 5_000, 100, 1_000));
    }

    @Test
    public void configurationSeedsButNeverOverwritesAChangeMadeThroughTheApi() throws Exception {
        Deployment seeded = new Deployment("gpt", "openai", "gpt-4o", "http://a", "sk-1", 100, 0, 1.0, 2.0, 1000, 0);
        long v0 = store.version();
        store.putDeployment(seeded, true);
        assertTrue("a change bumps the version", store.version() > v0);
        long v1 = store.version();
        store.putDeployment(seeded, true);
        assertEquals("the same seed again changes nothing", v1, store.version());
        store.putDeployment(new Deployment("gpt", "openai", "gpt-4o", "http://b", null, 200, 0, 1.0, 2.0, 1000, 5), false);
        store.putDeployment(new Deployment("gpt", "openai", "gpt-4o", "http://c", "sk-2", 300, 0, 1.0, 2.0, 1000, 0), true);
        LlmStore.DeploymentRow row = store.snapshot().deployments().get(0);
        assertEquals("the API's definition stands", "http://b", row.deployment().endpoint());
        assertEquals("a null key kept the stored one", "sk-1", row.deployment().apiKey());
        assertEquals(5, row.deployment().allowedFails());

        store.putRoute(new Route("chat", "weighted", List.of("gpt", "claude"), Map.of("gpt", 3)), true);
        assertEquals(new Route("chat", "weighted", List.of("gpt", "claude"), Map.of("gpt", 3)), store.snapshot().routes().get(0));
        Route dropping = new Route("chat", "ordered", List.of("claude", "gpt"), Map.of(), List.of("seed", "logprobs"));
        store.putRoute(dropping, false);
        assertEquals(dropping, store.snapshot().routes().get(0));
        assertEquals(List.of("logprobs", "seed"), store.snapshot().routes().get(0).dropUnsupported());
        Route forSome = new Route("chat", "ordered", List.of("gpt"), Map.of(), List.of(), List.of("initech", "acme"));
        store.putRoute(forSome, false);
        assertEquals(forSome, store.snapshot().routes().get(0));
        assertEquals(List.of("acme", "initech"), store.snapshot().routes().get(0).tenants());
        Deployment streaming = new Deployment("gpt", "openai", "gpt-4o", "http://b", null, 200, 0, 1.0, 2.0, 1000, 5, 250);
        store.putDeployment(streaming, false);
        Deployment stored = store.snapshot().deployments().get(0).deployment();
        assertEquals(250, stored.streamIdleTimeoutMillis());
        long v2 = store.version();
        store.putDeployment(new Deployment("gpt", "openai", "gpt-4o", "http://b", "sk-1", 200, 0, 1.0, 2.0, 1000, 5), true);
        assertEquals("a seed does not overwrite the API's stream settings", v2, store.version());
        store.putDeployment(new Deployment("gpt", "openai", "gpt-4o", "http://b", null, 200, 0, 1.0, 2.0, 1000, 5), false);

        assertTrue(store.setDisabled("gpt", true));
        store.coolDown("gpt", 5_000, "HTTP 503: down");
        store.coolDown("gpt", 4_000, "shorter: ignored");
        row = store.snapshot().deployments().get(0);
        assertTrue(row.disabled());
        assertEquals(5_000, row.cooldownUntil());
        assertEquals("HTTP 503: down", row.cooldownReason());
        assertTrue(store.clearCooldown("gpt"));
        assertEquals(0, store.snapshot().deployments().get(0).cooldownUntil());
        assertNull(store.snapshot().deployments().get(0).cooldownReason());
        assertFalse(store.setDisabled("nope", true));
        assertTrue(store.removeRoute("chat"));
        assertTrue(store.snapshot().routes().isEmpty());
    }

    @Test
    public void usageAddsUpAcrossFlushesAndBudgetsSeeTheSpend() throws Exception {
        TenantId acme = TenantId.of("acme");
        LocalDate today = LocalDate.of(2026, 12, 6);
        store.putQuota(new TenantQuota(acme, null, 1000, 5.0, null));
        UsageMeter meter = new UsageMeter();
        meter.record(today, acme, "chat", "gpt", 12, 4, 20_000);
        meter.record(today, acme, "chat", "gpt", 12, 4, 20_000);
        meter.record(today, null, "chat", "gpt", 100, 50, 200_000);
        meter.record(today.minusDays(1), acme, "chat", "gpt", 1, 1, 1_000_000);
        store.addUsage(meter.drain());
        meter.record(today, acme, "chat", "gpt", 12, 4, 20_000);
        store.addUsage(meter.drain());

        List<Usage> rows = store.usage(Optional.of(acme), today, today);
        assertEquals(1, rows.size());
        assertEquals(3, rows.get(0).requests());
        assertEquals(36, rows.get(0).inputTokens());
        assertEquals(12, rows.get(0).outputTokens());
        assertEquals(0.06, rows.get(0).cost(), 1e-9);
        assertEquals("platform-scope calls are no tenant's", 2, store.usage(Optional.empty(), today, today).size());
        assertNull(store.usage(Optional.empty(), today, today).stream().filter(u -> u.requests() == 1).findFirst().orElseThrow().tenant());

        long[] spent = store.spend(today, today.withDayOfMonth(1)).get(acme);
        assertEquals("today", 60_000, spent[0]);
        assertEquals("this month", 1_060_000, spent[1]);
        assertEquals(Integer.valueOf(1000), store.snapshot().quotas().get(acme).tokensPerMinute());
        assertNull(store.snapshot().quotas().get(acme).requestsPerMinute());
    }
}
