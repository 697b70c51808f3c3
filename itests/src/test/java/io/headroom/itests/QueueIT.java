package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.itests.hot.FileWritingHandler;
import io.headroom.itests.hot.HandlerActivator;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.TenantStats;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/** The fair queue (in-process backend) in the distribution: REST, handlers, retries, dead letters, overflow, hot deploy. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class QueueIT extends HeadroomTestSupport {
    @Inject
    private FairQueue queue;

    @Inject
    private ApiTokens tokens;

    @Inject
    private Heartbeat heartbeat;

    @Configuration
    public Option[] config() {
        String cfg = "etc/io.headroom.queue.cfg";
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut(cfg, "workers", "2"), editConfigurationFilePut(cfg, "maxAttempts", "3"),
                editConfigurationFilePut(cfg, "backoffMillis", "50"), editConfigurationFilePut(cfg, "noisyBacklog", "50"));
    }

    private ServiceRegistration<JobHandler> handler(String type, JobHandler h) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(JobHandler.TYPE, type);
        return bundleContext.registerService(JobHandler.class, h, props);
    }

    private TenantStats stats(String tenant) {
        return queue.stats(TenantId.of(tenant)).orElseThrow();
    }

    @Test
    public void jobsSubmittedOverRestRunOnceEachAndReportToTheHeartbeat() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger runs = new AtomicInteger();
        ServiceRegistration<JobHandler> reg = handler("it.echo", job -> {
            seen.add(job.payload());
            runs.incrementAndGet();
        });
        try {
            awaitStatus("/queue/types", OPERATOR, 200);
            String acme = bearer(tokens.create("acme-q", TenantId.of("acme")).token());
            // tenant tokens submit HIGH jobs only within the budget an operator gives (none by default)
            assertEquals(204, call("PUT", "/queue/tenants/acme/limits", OPERATOR, "{\"highBudget\":1}").statusCode());
            HttpResponse<String> r = call("POST", "/queue/tenants/acme/jobs", acme,
                    "[{\"type\":\"it.echo\",\"payload\":\"a\"},{\"type\":\"it.echo\",\"payload\":\"b\",\"priority\":\"HIGH\"},"
                            + "{\"type\":\"it.echo\",\"payload\":\"c\",\"idempotencyKey\":\"k1\"},{\"type\":\"it.echo\",\"payload\":\"c2\",\"idempotencyKey\":\"k1\"}]");
            assertEquals(r.body(), 202, r.statusCode());
            assertTrue(eventually(() -> stats("acme").completed() == 3));
            assertEquals("the second job with key k1 was the first one again", Set.of("a", "b", "c"), seen);
            assertEquals(3, runs.get());
            assertEquals(200, get("/queue/tenants/acme", acme).statusCode());
            assertEquals(403, get("/queue/tenants/globex", acme).statusCode());
            assertEquals(403, call("POST", "/queue/tenants/globex/jobs", acme, "[{\"type\":\"it.echo\"}]").statusCode());
            assertEquals(403, call("POST", "/queue/jobs", acme, "[{\"tenant\":\"acme\",\"type\":\"it.echo\"}]").statusCode());
            assertTrue(eventually(() -> heartbeat.tenant(TenantId.of("acme")).stream().anyMatch(h -> h.job().equals("queue.it.echo") && h.events1h() == 3)));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void badBatchesAreRefusedWhole() throws Exception {
        ServiceRegistration<JobHandler> reg = handler("it.count", job -> { });
        try {
            awaitStatus("/queue/types", OPERATOR, 200);
            String ok = "{\"tenant\":\"strict\",\"type\":\"it.count\"}";
            for (String bad : List.of("{\"tenant\":\"BAD!\",\"type\":\"it.count\"}", "{\"tenant\":\"strict\",\"type\":\"no.such.type\"}",
                    "{\"tenant\":\"strict\",\"type\":\"it.count\",\"priority\":\"URGENT\"}", "{\"tenant\":\"strict\",\"type\":\"It Count\"}",
                    "{\"tenant\":\"strict\",\"type\":\"it.count\",\"idempotencyKey\":\"has space\"}", "{\"type\":\"it.count\"}")) {
                HttpResponse<String> r = call("POST", "/queue/jobs", OPERATOR, "[" + ok + "," + bad + "]");
                assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
            }
            assertEquals(400, call("POST", "/queue/jobs", OPERATOR, "[" + (ok + ",").repeat(500) + ok + "]").statusCode());
            assertTrue("nothing was accepted", queue.stats(TenantId.of("strict")).isEmpty());
            assertEquals(400, call("PUT", "/queue/tenants/strict/limits", OPERATOR, "{\"weight\":0,\"cap\":1}").statusCode());
        } finally {
            reg.unregister();
        }
    }

    /** The sum of the samples of a series, 0 when there is none yet. */
    private double count(String name, String... fragments) throws Exception {
        double v = metric(name, fragments);
        return Double.isNaN(v) ? 0 : v;
    }

    @Test
    public void failuresAreRetriedThenDeadLetteredAndRedriven() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Set<String> broken = ConcurrentHashMap.newKeySet();
        ServiceRegistration<JobHandler> reg = handler("it.flaky", job -> {
            attempts.incrementAndGet();
            if (job.payload().equals("twice") && job.attempt() < 3) {
                throw new IllegalStateException("transient failure " + job.attempt());
            }
            if (broken.contains(job.payload())) {
                throw new IllegalStateException("permanent failure");
            }
        });
        try {
            broken.add("always");
            double dwellsBefore = count("headroom_queue_dwell_seconds_count");
            double runsBefore = count("headroom_queue_processing_seconds_count");
            queue.submitAll(List.of(new JobRequest(TenantId.of("flaky"), "it.flaky", "twice", Priority.NORMAL, null),
                    new JobRequest(TenantId.of("flaky"), "it.flaky", "always", Priority.NORMAL, null)));
            assertTrue(eventually(() -> stats("flaky").completed() == 1 && stats("flaky").deadLettered() == 1));
            assertEquals("3 attempts each", 6, attempts.get());
            assertTrue("the dead letter is counted", metric("headroom_queue_jobs_total", "result=\"dead_lettered\"") >= 1);
            assertTrue("the failures are customer outcomes", metric("headroom_outcome_duration_seconds_count",
                    "slo_job=\"queue.it.flaky\"", "result=\"failure\"") >= 1);
            assertTrue("each attempt's dwell is observed in the histogram",
                    count("headroom_queue_dwell_seconds_count") - dwellsBefore >= 6);
            assertTrue("and its processing time", count("headroom_queue_processing_seconds_count") - runsBefore >= 6);
            assertTrue("dwell has buckets", count("headroom_queue_dwell_seconds_bucket", "le=\"+Inf\"") >= 6);
            String dead = get("/queue/dead-letters", OPERATOR).body();
            assertTrue(dead, dead.contains("permanent failure") && dead.contains("\"payload\":\"always\""));
            broken.clear();
            assertTrue(call("POST", "/queue/dead-letters/redrive?tenant=flaky", OPERATOR, null).body().contains("\"redriven\":1"));
            assertTrue(eventually(() -> stats("flaky").completed() == 2));
            assertTrue(queue.deadLetters(100).stream().noneMatch(d -> d.job().tenant().value().equals("flaky")));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void pausedTenantsQueueAndCapsHold() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        ServiceRegistration<JobHandler> reg = handler("it.slow", job -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(20);
            running.decrementAndGet();
        });
        try {
            assertEquals(204, call("POST", "/queue/tenants/paused/pause", OPERATOR, null).statusCode());
            queue.submit(new JobRequest(TenantId.of("paused"), "it.slow", "", Priority.NORMAL, null));
            Thread.sleep(300);
            assertEquals("a paused tenant's job waits", 1, stats("paused").backlog());
            assertEquals(204, call("POST", "/queue/tenants/paused/resume", OPERATOR, null).statusCode());
            assertTrue(eventually(() -> stats("paused").completed() == 1));

            assertEquals(204, call("PUT", "/queue/tenants/capped/limits", OPERATOR, "{\"weight\":2,\"cap\":1}").statusCode());
            for (int i = 0; i < 20; i++) {
                queue.submit(new JobRequest(TenantId.of("capped"), "it.slow", "", Priority.NORMAL, null));
            }
            assertTrue(eventually(() -> stats("capped").completed() == 20));
            assertEquals("2 workers, but the tenant's cap is 1", 1, maxRunning.get());
            assertEquals(2, stats("capped").weight());
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void aBurstingTenantOverflowsAndComesBack() throws Exception {
        ServiceRegistration<JobHandler> reg = handler("it.burst", job -> Thread.sleep(5));
        try {
            for (int i = 0; i < 300; i++) {
                queue.submit(new JobRequest(TenantId.of("bursty"), "it.burst", "", Priority.NORMAL, null));
            }
            TenantStats during = stats("bursty");
            assertTrue(during.toString(), during.noisy() && during.overflowBacklog() > 0);
            assertTrue(get("/queue/tenants", OPERATOR).body().contains("\"noisy\":true"));
            assertTrue(eventually(() -> stats("bursty").completed() == 300));
            queue.submit(new JobRequest(TenantId.of("bursty"), "it.burst", "", Priority.NORMAL, null));
            assertTrue(eventually(() -> stats("bursty").completed() == 301));
            assertTrue(!stats("bursty").noisy() && stats("bursty").overflowBacklog() == 0);
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void aHandlerBundleIsHotDeployedAndRemoved() throws Exception {
        awaitStatus("/queue/types", OPERATOR, 200);
        Path out = Files.createTempFile("hot-handler", ".txt");
        String job = "[{\"tenant\":\"hot\",\"type\":\"hot.write\",\"payload\":\"" + out + "\"}]";
        assertEquals("no handler yet", 400, call("POST", "/queue/jobs", OPERATOR, job).statusCode());
        Bundle b = bundleContext.installBundle("test:hot-handler", new ByteArrayInputStream(bundleJar(Map.of(
                "Bundle-SymbolicName", "io.headroom.itests.hot", "Bundle-Version", "1.0.0",
                "Bundle-Activator", HandlerActivator.class.getName(),
                "Import-Package", "io.headroom.queue.api,org.osgi.framework"), HandlerActivator.class, FileWritingHandler.class)));
        b.start();
        assertTrue(get("/queue/types", OPERATOR).body().contains("hot.write"));
        assertEquals(202, call("POST", "/queue/jobs", OPERATOR, job).statusCode());
        assertTrue(eventually(() -> {
            try {
                return Files.readString(out).lines().count() == 1;
            } catch (Exception e) {
                return false;
            }
        }));
        b.uninstall();
        assertEquals("its job type left with it", 400, call("POST", "/queue/jobs", OPERATOR, job).statusCode());
    }
}
