package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueUnavailableException;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The SQS backend against ElasticMQ (a real SQS-protocol server), reached through a TCP proxy the test can cut:
 * submit and consume, retries into the dead-letter queue and redrive, a consumer stopped mid-job, the endpoint down,
 * and what operators see of it: SQS's own counts as metrics, and readiness.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SqsQueueIT extends HeadroomTestSupport {
    private static final String SQS_PORT = "headroom.it.sqs.port";

    @Inject
    private ConfigurationAdmin configAdmin;

    private TcpProxy proxy;
    private int proxyPort;
    private String queueName;
    private org.osgi.service.cm.Configuration sqsConfig;
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private volatile CountDownLatch hold = new CountDownLatch(0);
    private ServiceRegistration<JobHandler> handler;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                systemProperty(SQS_PORT).value(String.valueOf(TestDatabases.elasticMqPort())));
    }

    @Before
    public void sqsBackend() throws Exception {
        proxyPort = freePort();
        queueName = "it-" + UUID.randomUUID().toString().substring(0, 8);
        proxy = new TcpProxy(proxyPort, Integer.getInteger(SQS_PORT));
        proxy.start();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(JobHandler.TYPE, "sqs.job");
        handler = bundleContext.registerService(JobHandler.class, job -> {
            deliveries.computeIfAbsent(job.payload(), k -> new AtomicInteger()).incrementAndGet();
            if (job.payload().startsWith("fail")) {
                throw new IllegalStateException("always fails");
            }
            if (job.payload().startsWith("hold")) {
                hold.await(60, TimeUnit.SECONDS);
            }
        }, props);
        sqsConfig = configAdmin.getConfiguration("io.headroom.queue.sqs", null);
        Dictionary<String, Object> cfg = new Hashtable<>();
        cfg.put("endpoint", "http://127.0.0.1:" + proxyPort);
        cfg.put("accessKeyId", "x");
        cfg.put("secretAccessKey", "x");
        cfg.put("queueName", queueName);
        cfg.put("maxAttempts", "3");
        cfg.put("backoffMillis", "100");
        cfg.put("visibilitySeconds", "3");
        cfg.put("workers", "2");
        cfg.put("countsMillis", "300");
        sqsConfig.update(cfg);
        assertTrue("the SQS backend came up", eventually(() -> sqsQueue() != null));
        awaitStatus("/queue/types", OPERATOR, 200);
    }

    @After
    public void stop() throws Exception {
        hold.countDown();
        sqsConfig.delete();
        eventually(() -> sqsQueue() == null);
        handler.unregister();
        proxy.close();
    }

    private FairQueue sqsQueue() {
        try {
            Collection<ServiceReference<FairQueue>> refs = bundleContext.getServiceReferences(FairQueue.class, "(backend=sqs)");
            return refs.isEmpty() ? null : bundleContext.getService(refs.iterator().next());
        } catch (Exception e) {
            return null;
        }
    }

    private int delivered(String payload) {
        AtomicInteger n = deliveries.get(payload);
        return n == null ? 0 : n.get();
    }

    private long completed(String tenant) {
        FairQueue q = sqsQueue();
        return q == null ? -1 : q.stats(TenantId.of(tenant)).map(s -> s.completed()).orElse(0L);
    }

    @Test
    public void jobsGoThroughSqsAndFailuresEndInTheDeadLetterQueueUntilRedriven() throws Exception {
        HttpResponse<String> r = call("POST", "/queue/jobs", OPERATOR,
                "[{\"tenant\":\"sqs-a\",\"type\":\"sqs.job\",\"payload\":\"one\"},{\"tenant\":\"sqs-b\",\"type\":\"sqs.job\",\"payload\":\"two\"},"
                        + "{\"tenant\":\"sqs-b\",\"type\":\"sqs.job\",\"payload\":\"fail-1\"}]");
        assertEquals(r.body(), 202, r.statusCode());
        assertTrue(eventually(() -> completed("sqs-a") == 1 && completed("sqs-b") == 1));
        assertTrue("the failing job was tried 3 times", eventually(() -> delivered("fail-1") == 3));
        assertTrue("and then dead-lettered", eventually(() -> sqsQueue().deadLetters(10).stream().anyMatch(d -> d.job().payload().equals("fail-1"))));
        assertTrue(get("/queue/dead-letters", OPERATOR).body().contains("fail-1"));
        assertTrue("and counted for its tenant", metric("headroom_queue_dead_lettered_jobs_total", "backend=\"sqs\"", "tenant=\"sqs-b\"") >= 1);
        assertEquals(1, sqsQueue().redrive(TenantId.of("sqs-b")));
        assertTrue("redriven, it runs again", eventually(() -> delivered("fail-1") >= 4));
    }

    @Test
    public void aConsumerStoppedMidJobLosesNothing() throws Exception {
        hold = new CountDownLatch(1);
        sqsQueue().submit(new JobRequest(TenantId.of("sqs-c"), "sqs.job", "hold-1", Priority.NORMAL, null));
        assertTrue(eventually(() -> deliveries.containsKey("hold-1")));
        // the queue bundle (this node's consumer) stops while the job runs: the job was never deleted from SQS
        org.osgi.framework.Bundle queueBundle = bundle("io.headroom.queue");
        queueBundle.stop();
        hold.countDown();
        queueBundle.start();
        assertTrue("redelivered to the new consumer and completed", eventually(() -> delivered("hold-1") >= 2 && completed("sqs-c") == 1));
    }

    @Test
    public void withTheEndpointDownJobsAreRefusedClearlyAndNoneIsLost() throws Exception {
        proxy.stop();
        HttpResponse<String> down = call("POST", "/queue/jobs", OPERATOR, "[{\"tenant\":\"sqs-d\",\"type\":\"sqs.job\",\"payload\":\"while-down\"}]");
        assertEquals(down.body(), 503, down.statusCode());
        assertTrue(down.headers().firstValue("Retry-After").isPresent());
        assertTrue(down.body(), down.body().contains("unavailable") && !down.body().contains("were accepted"));
        try {
            sqsQueue().submit(new JobRequest(TenantId.of("sqs-d"), "sqs.job", "api-while-down", Priority.NORMAL, null));
            throw new AssertionError("accepted while SQS was down");
        } catch (QueueUnavailableException expected) {
            // refused to the caller
        }
        proxy.start();
        HttpResponse<String> up = call("POST", "/queue/jobs", OPERATOR, "[{\"tenant\":\"sqs-d\",\"type\":\"sqs.job\",\"payload\":\"after\"}]");
        assertEquals(up.body(), 202, up.statusCode());
        assertTrue(eventually(() -> completed("sqs-d") == 1));
        assertTrue("nothing refused was run", !deliveries.containsKey("while-down") && !deliveries.containsKey("api-while-down"));
    }

    private double sqsMessages(String lane, String state) throws Exception {
        return metric("headroom_queue_sqs_messages", "queue=\"" + queueName + (lane.equals("main") ? "" : lane.equals("overflow") ? "-overflow" : "-dlq")
                + "\"", "lane=\"" + lane + "\"", "state=\"" + state + "\"");
    }

    private static final java.util.regex.Pattern QUEUE_HEALTH = java.util.regex.Pattern.compile("\\{\"name\":\"queue\"[^{}]*\"health\":\"(\\w+)\"[^{}]*\"detail\":\"([^\"]*)\"");

    private String queueReadiness() {
        try {
            java.util.regex.Matcher m = QUEUE_HEALTH.matcher(get("/health/ready", OPERATOR).body());
            return m.find() ? m.group(1) + ": " + m.group(2) : "-";
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    public void sqsOwnCountsAreMetricsAndReadinessFollowsSqs() throws Exception {
        hold = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            sqsQueue().submit(new JobRequest(TenantId.of("sqs-e"), "sqs.job", "hold-count-" + i, Priority.NORMAL, null));
        }
        // two run (two workers) and the third waits on this node: all three received, none visible in SQS
        assertTrue(eventually(() -> delivered("hold-count-0") + delivered("hold-count-1") + delivered("hold-count-2") >= 2));
        assertTrue("SQS counts the three received jobs as in flight", eventually(() -> {
            try {
                return sqsMessages("main", "in_flight") == 3 && sqsMessages("main", "visible") == 0;
            } catch (Exception e) {
                return false;
            }
        }));
        assertEquals("the dead-letter queue is counted too", 0, sqsMessages("dead_letter", "visible"), 0);
        assertEquals(0, sqsMessages("overflow", "delayed"), 0);
        assertTrue("the queue is ready while SQS answers: " + queueReadiness(), eventually(() -> queueReadiness().startsWith("UP")));
        hold.countDown();
        assertTrue("deleted once done: none left", eventually(() -> {
            try {
                return sqsMessages("main", "in_flight") == 0 && sqsMessages("main", "visible") == 0;
            } catch (Exception e) {
                return false;
            }
        }));

        proxy.stop();
        try {
            assertTrue("the queue is DOWN while SQS does not answer: " + queueReadiness(),
                    eventually(() -> queueReadiness().startsWith("DOWN") && queueReadiness().contains("does not answer")));
            HttpResponse<String> ready = get("/health/ready", null);
            assertEquals("readiness says so with a 503", 503, ready.statusCode());
            assertEquals("anonymous callers see the status only", "{\"status\":\"DEGRADED\"}", ready.body());
            assertEquals("the node stays live", 200, get("/health/live", null).statusCode());
            assertTrue("no SQS counts while SQS does not answer", Double.isNaN(sqsMessages("main", "visible")));
        } finally {
            proxy.start();
        }
        assertTrue("ready again once SQS answers: " + queueReadiness(), eventually(() -> queueReadiness().startsWith("UP")));
        assertEquals(0, sqsMessages("main", "visible"), 0);
    }
}
