package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.auth.ApiTokens;
import io.headroom.queue.api.FairQueue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Remote workers over REST, on both backends (in-process, then SQS against ElasticMQ): remote job types, pull leases
 * (fair order during a 10,000-job burst, counted; expiry and redelivery; double ack; nack into the dead-letter queue and
 * redrive; a nack's delay; leases expiring into the dead-letter queue), idempotency keys, push delivery as signed Standard
 * Webhooks (a receiver that fails then succeeds, one that answers 503 + Retry-After; open deliveries bounded by the
 * type's concurrency), the job lifecycle (state, cancel, delay; a tenant reading another's job gets 404), the HIGH budget
 * and backlog cap, and malformed requests refused with a 4xx that changes nothing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RemoteWorkersIT extends HeadroomTestSupport {
    private static final String SQS_PORT = "headroom.it.sqs.port";
    private static final int BACKLOG_CAP = 10_010;
    private static final Pattern LEASED = Pattern.compile("\"lease\":\"([^\"]+)\".*?\"id\":\"([^\"]+)\",\"tenant\":\"([^\"]+)\".*?\"payload\":\"([^\"]*)\".*?\"attempt\":(\\d+)");

    @Inject
    private ApiTokens tokens;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        String cfg = "etc/io.headroom.queue.cfg";
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                systemProperty(SQS_PORT).value(String.valueOf(TestDatabases.elasticMqPort())),
                editConfigurationFilePut(cfg, "maxBacklogPerTenant", String.valueOf(BACKLOG_CAP)),
                editConfigurationFilePut(cfg, "refreshMillis", "500"));
    }

    /** A leased job as the test reads it. */
    private record Leased(String lease, String id, String tenant, String payload, int attempt) {
    }

    private String platform;

    @Test
    public void inProcessBackend() throws Exception {
        awaitStatus("/queue/types", OPERATOR, 200);
        everything("ip");
    }

    @Test
    public void sqsBackend() throws Exception {
        org.osgi.service.cm.Configuration sqs = configAdmin.getConfiguration("io.headroom.queue.sqs", null);
        Dictionary<String, Object> cfg = new Hashtable<>();
        cfg.put("endpoint", "http://127.0.0.1:" + Integer.getInteger(SQS_PORT));
        cfg.put("accessKeyId", "x");
        cfg.put("secretAccessKey", "x");
        cfg.put("queueName", "rw-" + UUID.randomUUID().toString().substring(0, 8));
        cfg.put("visibilitySeconds", "5");
        cfg.put("maxBacklogPerTenant", String.valueOf(BACKLOG_CAP));
        cfg.put("refreshMillis", "500");
        sqs.update(cfg);
        try {
            assertTrue("the SQS backend came up", eventually(() -> backend("sqs")));
            // its service is registered before it is built (creating its queues took 4 s on a loaded machine, and the
            // endpoint kept serving the in-process backend meanwhile): wait until it is built, then the REST resource
            // moves to it (greedy reference). Asked until it answers: once (clean-clone run, idle machine) the first
            // getService returned null, the component being re-registered or its first activation failing
            assertTrue("the SQS backend built", eventually(() -> {
                try {
                    var refs = bundleContext.getServiceReferences(FairQueue.class, "(backend=sqs)");
                    return !refs.isEmpty() && bundleContext.getService(refs.iterator().next()) != null;
                } catch (Exception e) {
                    return false;
                }
            }));
            Thread.sleep(1000);
            awaitStatus("/queue/types", OPERATOR, 200);
            everything("sq");
        } finally {
            sqs.delete();
        }
    }

    private boolean backend(String name) {
        try {
            Collection<ServiceReference<FairQueue>> refs = bundleContext.getServiceReferences(FairQueue.class, "(backend=" + name + ")");
            return !refs.isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private void everything(String p) throws Exception {
        platform = bearer(tokens.create("workers-" + p, null).token());
        malformedRequestsChangeNothing(p);
        pullLeasesAckExpiryNackDeadLetterRedrive(p);
        lifecycleCancelDelayAndTenancy(p);
        highBudgetAndBacklogCap(p);
        pushSignedRetriedAndRetryAfter(p);
        dedupeKeyReturnsTheFirstJob(p);
        nackWithADelayHidesTheJobUntilThen(p);
        expiredLeasesRunIntoTheDeadLetterQueue(p);
        pushDeliveriesStayWithinTheTypesConcurrency(p);
        burstOrderIsFair(p);
    }

    // ---- helpers

    private String expect(int status, String method, String path, String auth, String body) throws Exception {
        HttpResponse<String> r = call(method, path, auth, body);
        assertEquals(method + " " + path + " " + body + " -> " + r.body(), status, r.statusCode());
        return r.body();
    }

    private void pullType(String type, int maxAttempts, int visibility) throws Exception {
        expect(200, "PUT", "/queue/types/" + type, OPERATOR, "{\"delivery\":\"pull\",\"maxAttempts\":" + maxAttempts
                + ",\"backoffMillis\":100,\"visibilitySeconds\":" + visibility + ",\"concurrency\":50}");
        assertTrue(eventually(() -> {
            try {
                return get("/queue/types", OPERATOR).body().contains("\"" + type + "\"");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    private String submit(String tenant, String auth, String type, String payload, String extra) throws Exception {
        String body = expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", auth,
                "[{\"type\":\"" + type + "\",\"payload\":\"" + payload + "\"" + extra + "}]");
        return field(body.replace("\"ids\":[", "\"id\":"), "id");
    }

    private List<Leased> lease(String type, int max, int waitSeconds, Integer visibility) throws Exception {
        String body = expect(200, "POST", "/queue/types/" + type + "/lease", platform, "{\"max\":" + max + ",\"waitSeconds\":" + waitSeconds
                + (visibility == null ? "" : ",\"visibilitySeconds\":" + visibility) + "}");
        List<Leased> out = new ArrayList<>();
        Matcher m = LEASED.matcher(body);
        while (m.find()) {
            out.add(new Leased(m.group(1), m.group(2), m.group(3), m.group(4), Integer.parseInt(m.group(5))));
        }
        return out;
    }

    private Leased leaseOne(String type, int waitSeconds) throws Exception {
        List<Leased> got = lease(type, 1, waitSeconds, null);
        assertEquals("one job leased from " + type, 1, got.size());
        return got.get(0);
    }

    private String state(String id) throws Exception {
        return field(expect(200, "GET", "/queue/jobs/" + id, OPERATOR, null), "state");
    }

    // ---- scenarios

    private void malformedRequestsChangeNothing(String p) throws Exception {
        String t = p + ".strict";
        for (String bad : List.of("{\"delivery\":\"sideways\"}", "{}", "{\"delivery\":\"pull\",\"maxAttempts\":0}",
                "{\"delivery\":\"pull\",\"url\":\"http://127.0.0.1/x\"}", "{\"delivery\":\"push\",\"url\":\"ftp://127.0.0.1/x\",\"secret\":\"" + secret() + "\"}",
                "{\"delivery\":\"push\",\"url\":\"http://127.0.0.1:1/x\"}", "{\"delivery\":\"push\",\"url\":\"http://127.0.0.1:1/x\",\"secret\":\"whsec_c2hvcnQ=\"}",
                "{\"delivery\":\"pull\",\"concurrency\":-1}", "{\"delivery\":\"pull\",\"surprise\":1}", "[1,2]", "not json")) {
            HttpResponse<String> r = call("PUT", "/queue/types/" + t, OPERATOR, bad);
            assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
        }
        assertEquals(400, call("PUT", "/queue/types/Bad%20Name", OPERATOR, "{\"delivery\":\"pull\"}").statusCode());
        String acme = bearer(tokens.create("acme-strict-" + p, io.headroom.core.api.TenantId.of("acme")).token());
        assertEquals(403, call("PUT", "/queue/types/" + t, acme, "{\"delivery\":\"pull\"}").statusCode());
        assertEquals(403, call("PUT", "/queue/types/" + t, platform, "{\"delivery\":\"pull\"}").statusCode());
        assertEquals("nothing was written", 404, get("/queue/types/" + t, OPERATOR).statusCode());

        // the shell declares and removes a type the same way
        assertTrue(shell("queue:type-set --max-attempts 2 --concurrency 3 " + t + " pull").contains("2 attempts, concurrency 3"));
        assertTrue("every node sees it within refreshMillis", eventually(() -> {
            try {
                String declared = get("/queue/types/" + t, OPERATOR).body();
                return declared.contains("\"maxAttempts\":2") && declared.contains("\"concurrency\":3");
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(shell("queue:type-set --remove " + t).contains("removed"));
        assertTrue(eventually(() -> {
            try {
                return get("/queue/types/" + t, OPERATOR).statusCode() == 404;
            } catch (Exception e) {
                return false;
            }
        }));

        String pull = p + ".pull-strict";
        pullType(pull, 3, 30);
        for (String bad : List.of("{\"max\":0}", "{\"max\":101}", "{\"waitSeconds\":21}", "{\"waitSeconds\":-1}", "{\"visibilitySeconds\":50000}",
                "{\"max\":\"many\"}", "{\"other\":1}")) {
            HttpResponse<String> r = call("POST", "/queue/types/" + pull + "/lease", platform, bad);
            assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
        }
        assertEquals(404, call("POST", "/queue/types/" + p + ".nope/lease", platform, "{}").statusCode());
        assertEquals(403, call("POST", "/queue/types/" + pull + "/lease", acme, "{}").statusCode());
        assertEquals(404, call("POST", "/queue/leases/no-such-lease/ack", platform, null).statusCode());
        assertEquals(404, call("POST", "/queue/leases/no-such-lease/nack", platform, "{}").statusCode());
        assertEquals(400, call("POST", "/queue/leases/no-such-lease/nack", platform, "{\"delaySeconds\":-1}").statusCode());
        assertEquals(400, call("POST", "/queue/leases/no-such-lease/extend", platform, "{}").statusCode());
        assertEquals(403, call("POST", "/queue/leases/no-such-lease/ack", acme, null).statusCode());

        String tenant = p + "-strict";
        for (String bad : List.of("\"delaySeconds\":-5", "\"notBefore\":\"tomorrow\"", "\"delaySeconds\":5,\"notBefore\":\"2030-01-01T00:00:00Z\"",
                "\"notBefore\":\"2099-01-01T00:00:00Z\"", "\"priority\":\"URGENT\"")) {
            String body = "[{\"type\":\"" + pull + "\",\"payload\":\"ok\"},{\"type\":\"" + pull + "\"," + bad + "}]";
            HttpResponse<String> r = call("POST", "/queue/tenants/" + tenant + "/jobs", OPERATOR, body);
            assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
        }
        assertEquals("nothing was accepted", 404, get("/queue/tenants/" + tenant, OPERATOR).statusCode());
        assertEquals(0, lease(pull, 10, 0, null).size());
        assertEquals(404, get("/queue/jobs/no-such-job", OPERATOR).statusCode());
        assertEquals(404, call("DELETE", "/queue/jobs/no-such-job", OPERATOR, null).statusCode());
        assertEquals(400, call("PUT", "/queue/tenants/" + tenant + "/limits", OPERATOR, "{\"highBudget\":-1}").statusCode());
        assertEquals(400, call("PUT", "/queue/tenants/" + tenant + "/limits", OPERATOR, "{\"weight\":2}").statusCode());
    }

    private void pullLeasesAckExpiryNackDeadLetterRedrive(String p) throws Exception {
        String type = p + ".pull";
        pullType(type, 2, 30);
        String tenant = p + "-acme";
        String acme = bearer(tokens.create(tenant + "-token", io.headroom.core.api.TenantId.of(tenant)).token());

        String a = submit(tenant, acme, type, "a", "");
        Leased la = leaseOne(type, 10);
        assertEquals(a, la.id());
        assertEquals("RUNNING", state(a));
        expect(204, "POST", "/queue/leases/" + la.lease() + "/ack", platform, null);
        expect(204, "POST", "/queue/leases/" + la.lease() + "/ack", platform, null); // acks are idempotent
        assertEquals("SUCCEEDED", state(a));
        assertEquals(409, call("POST", "/queue/leases/" + la.lease() + "/nack", platform, "{}").statusCode());

        // a lease that expires gives the job back, to be leased again; the late ack is refused and deletes nothing
        String b = submit(tenant, acme, type, "b", "");
        List<Leased> first = lease(type, 1, 10, 1);
        assertEquals(1, first.size());
        assertEquals(1, first.get(0).attempt());
        Leased again = leaseOne(type, 15);
        assertEquals(b, again.id());
        assertEquals(2, again.attempt());
        assertEquals(409, call("POST", "/queue/leases/" + first.get(0).lease() + "/ack", platform, null).statusCode());
        assertEquals("the other worker's lease holds", "RUNNING", state(b));
        String extended = expect(200, "POST", "/queue/leases/" + again.lease() + "/extend", platform, "{\"visibilitySeconds\":30}");
        assertTrue(extended, extended.contains(b));
        expect(204, "POST", "/queue/leases/" + again.lease() + "/ack", platform, null);
        assertEquals("SUCCEEDED", state(b));

        // nacked twice (maxAttempts 2): dead-lettered, then redriven
        String c = submit(tenant, acme, type, "c", "");
        Leased c1 = leaseOne(type, 10);
        expect(204, "POST", "/queue/leases/" + c1.lease() + "/nack", platform, "{\"error\":\"worker says no\"}");
        Leased c2 = leaseOne(type, 15);
        assertEquals(c, c2.id());
        assertEquals(2, c2.attempt());
        expect(204, "POST", "/queue/leases/" + c2.lease() + "/nack", platform, "{\"error\":\"worker says no\"}");
        assertEquals("DEAD", state(c));
        assertTrue(field(get("/queue/jobs/" + c, OPERATOR).body(), "lastError").contains("worker says no"));
        assertTrue(eventually(() -> {
            try {
                return get("/queue/dead-letters", OPERATOR).body().contains("\"payload\":\"c\"");
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(expect(200, "POST", "/queue/dead-letters/redrive?tenant=" + tenant, OPERATOR, null).contains("\"redriven\":1"));
        Leased c3 = leaseOne(type, 15);
        assertEquals("c", c3.payload());
        expect(204, "POST", "/queue/leases/" + c3.lease() + "/ack", platform, null);
    }

    private void lifecycleCancelDelayAndTenancy(String p) throws Exception {
        String type = p + ".life";
        pullType(type, 3, 30);
        String tenant = p + "-life";
        String other = p + "-other";
        String own = bearer(tokens.create(tenant + "-token", io.headroom.core.api.TenantId.of(tenant)).token());
        String foreign = bearer(tokens.create(other + "-token", io.headroom.core.api.TenantId.of(other)).token());

        String d = submit(tenant, own, type, "d", ",\"delaySeconds\":2");
        String status = expect(200, "GET", "/queue/jobs/" + d, own, null);
        assertEquals("DELAYED", field(status, "state"));
        assertEquals("another tenant does not see it", 404, get("/queue/jobs/" + d, foreign).statusCode());
        assertEquals(404, call("DELETE", "/queue/jobs/" + d, foreign, null).statusCode());
        assertEquals("not before its time", 0, lease(type, 5, 0, null).size());
        Leased ld = leaseOne(type, 15);
        assertEquals(d, ld.id());
        assertEquals("a running job is not cancelled", 409, call("DELETE", "/queue/jobs/" + d, own, null).statusCode());
        expect(204, "POST", "/queue/leases/" + ld.lease() + "/ack", platform, null);

        String e = submit(tenant, own, type, "e", ",\"delaySeconds\":1");
        expect(204, "DELETE", "/queue/jobs/" + e, own, null);
        assertEquals("CANCELLED", state(e));
        String f = submit(tenant, own, type, "f", ",\"notBefore\":\"" + java.time.Instant.now().plusSeconds(2) + "\"");
        Leased lf = leaseOne(type, 15);
        assertEquals("the cancelled job never reaches a worker", f, lf.id());
        expect(204, "POST", "/queue/leases/" + lf.lease() + "/ack", platform, null);
        assertEquals(0, lease(type, 5, 2, null).size());
        assertEquals("CANCELLED", state(e));
    }

    private void highBudgetAndBacklogCap(String p) throws Exception {
        String type = p + ".prio";
        pullType(type, 3, 30);
        String tenant = p + "-prio";
        String own = bearer(tokens.create(tenant + "-token", io.headroom.core.api.TenantId.of(tenant)).token());
        String job = "[{\"type\":\"" + type + "\",\"priority\":\"HIGH\"}]";
        HttpResponse<String> refused = call("POST", "/queue/tenants/" + tenant + "/jobs", own, job);
        assertEquals("no HIGH budget by default: " + refused.body(), 429, refused.statusCode());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        expect(204, "PUT", "/queue/tenants/" + tenant + "/limits", OPERATOR, "{\"highBudget\":1}");
        expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", own, job);
        assertEquals("over the budget of 1", 429, call("POST", "/queue/tenants/" + tenant + "/jobs", own, job).statusCode());
        expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", own, "[{\"type\":\"" + type + "\"}]");
        expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", OPERATOR, job); // operators are not bound by it
        List<Leased> got = new ArrayList<>();
        for (int i = 0; i < 10 && got.size() < 3; i++) {
            got.addAll(lease(type, 10, 5, null)); // on SQS the jobs may arrive one by one
        }
        assertEquals(3, got.size());
        String acked = expect(200, "POST", "/queue/leases/ack", platform, "{\"leases\":[\"" + got.get(0).lease() + "\",\""
                + got.get(1).lease() + "\",\"" + got.get(2).lease() + "\",\"no-such-lease\"]}");
        assertTrue(acked, acked.contains(got.get(2).lease()) && acked.contains("\"unknown\":[\"no-such-lease\"]"));
        assertEquals(400, call("POST", "/queue/leases/ack", platform, "{\"leases\":[]}").statusCode());
        expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", own, job); // the budget is free again
    }

    private void pushSignedRetriedAndRetryAfter(String p) throws Exception {
        String secret = secret();
        try (Receiver receiver = new Receiver(secret)) {
            String type = p + ".push";
            expect(200, "PUT", "/queue/types/" + type, OPERATOR, "{\"delivery\":\"push\",\"url\":\"" + receiver.url() + "\",\"secret\":\""
                    + secret + "\",\"maxAttempts\":4,\"backoffMillis\":100,\"timeoutMillis\":2000,\"concurrency\":4}");
            String shown = expect(200, "GET", "/queue/types/" + type, OPERATOR, null);
            assertFalse("the secret is never returned", shown.contains(secret.substring(6, 20)));
            assertTrue(shown, shown.contains("\"hasSecret\":true"));
            assertTrue("the shell lists it", eventually(() -> {
                try {
                    return shell("queue:types").contains(type);
                } catch (Exception e) {
                    return false;
                }
            }));

            String tenant = p + "-push";
            // fails twice with 500, then succeeds
            receiver.script.put("flaky", n -> n <= 2 ? "500" : "200");
            // 503 with Retry-After: 1 once, then succeeds
            receiver.script.put("busy", n -> n == 1 ? "503 1" : "200");
            receiver.script.put("broken", n -> "500");
            String flaky = submit(tenant, OPERATOR, type, "flaky", "");
            String busy = submit(tenant, OPERATOR, type, "busy", "");
            String broken = submit(tenant, OPERATOR, type, "broken", "");
            assertTrue(eventually(() -> receiver.count("flaky") == 3 && receiver.count("busy") == 2 && receiver.count("broken") == 4));
            assertTrue(eventually(() -> {
                try {
                    return state(flaky).equals("SUCCEEDED") && state(busy).equals("SUCCEEDED") && state(broken).equals("DEAD");
                } catch (Exception e) {
                    return false;
                }
            }));
            Thread.sleep(500);
            assertEquals("delivered once after success", 3, receiver.count("flaky"));
            assertEquals("every delivery carried a valid signature", List.of(), receiver.badSignatures);
            assertEquals("the same webhook-id on every attempt", 1, receiver.ids.get("flaky").size());
            List<Long> busyTimes = receiver.times.get("busy");
            assertTrue("Retry-After honoured: " + busyTimes, busyTimes.get(1) - busyTimes.get(0) >= 900);
            assertTrue(get("/queue/dead-letters", OPERATOR).body().contains("\"payload\":\"broken\""));
            expect(204, "DELETE", "/queue/types/" + type, OPERATOR, null);
        }
    }

    private void dedupeKeyReturnsTheFirstJob(String p) throws Exception {
        String type = p + ".dedupe";
        pullType(type, 3, 30);
        String tenant = p + "-dedupe";
        String first = submit(tenant, OPERATOR, type, "first", ",\"idempotencyKey\":\"order-1\"");
        assertEquals("the same key returns the first job", first, submit(tenant, OPERATOR, type, "second", ",\"idempotencyKey\":\"order-1\""));
        assertFalse("keys are the tenant's own", first.equals(submit(p + "-dedupe2", OPERATOR, type, "other", ",\"idempotencyKey\":\"order-1\"")));
        List<Leased> got = new ArrayList<>();
        for (int i = 0; i < 10 && got.size() < 2; i++) {
            got.addAll(lease(type, 10, 2, null)); // on SQS the jobs may arrive one by one
        }
        assertEquals("one job per tenant and key: " + got, 2, got.size());
        Leased mine = got.stream().filter(l -> l.tenant().equals(tenant)).findFirst().orElseThrow();
        assertEquals(first, mine.id());
        assertEquals("the first submission's payload runs", "first", mine.payload());
        for (Leased l : got) {
            expect(204, "POST", "/queue/leases/" + l.lease() + "/ack", platform, null);
        }
        assertEquals("SUCCEEDED", state(first));
        // the key outlives its job for the dedupe window: a retry after completion is still the first job
        assertEquals(first, submit(tenant, OPERATOR, type, "third", ",\"idempotencyKey\":\"order-1\""));
        assertEquals("nothing new was queued", 0, lease(type, 10, 1, null).size());
    }

    private void nackWithADelayHidesTheJobUntilThen(String p) throws Exception {
        String type = p + ".nackdelay";
        pullType(type, 3, 30);
        String id = submit(p + "-nackdelay", OPERATOR, type, "later", "");
        Leased l1 = leaseOne(type, 10);
        assertEquals(id, l1.id());
        expect(204, "POST", "/queue/leases/" + l1.lease() + "/nack", platform, "{\"delaySeconds\":8,\"error\":\"try later\"}");
        assertEquals("not leasable before its delay", 0, lease(type, 5, 1, null).size());
        Leased l2 = leaseOne(type, 20);
        assertEquals("leasable after it", id, l2.id());
        assertEquals(2, l2.attempt());
        expect(204, "POST", "/queue/leases/" + l2.lease() + "/ack", platform, null);
        assertEquals("SUCCEEDED", state(id));
    }

    private void expiredLeasesRunIntoTheDeadLetterQueue(String p) throws Exception {
        String type = p + ".expiry";
        pullType(type, 2, 30);
        String tenant = p + "-expiry";
        String id = submit(tenant, OPERATOR, type, "forgotten", "");
        // two workers lease it and never answer: each lease expires (neither nack nor ack)
        List<Leased> first = lease(type, 1, 10, 1);
        assertEquals(1, first.size());
        assertEquals(1, first.get(0).attempt());
        List<Leased> second = new ArrayList<>();
        for (int i = 0; i < 4 && second.isEmpty(); i++) {
            second.addAll(lease(type, 1, 10, 1));
        }
        assertEquals("the expired lease gave the job back", 1, second.size());
        assertEquals(id, second.get(0).id());
        assertEquals(2, second.get(0).attempt());
        assertTrue("after maxAttempts (2) expiries the job is dead", eventually(() -> {
            try {
                return state(id).equals("DEAD");
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(field(get("/queue/jobs/" + id, OPERATOR).body(), "lastError").contains("expired"));
        assertTrue("in the dead-letter queue", eventually(() -> {
            try {
                return get("/queue/dead-letters", OPERATOR).body().contains("\"payload\":\"forgotten\"");
            } catch (Exception e) {
                return false;
            }
        }));
        assertEquals("never leased a third time", 0, lease(type, 5, 2, null).size());
        assertEquals(409, call("POST", "/queue/leases/" + second.get(0).lease() + "/ack", platform, null).statusCode());
        assertEquals("DEAD", state(id));
    }

    private void pushDeliveriesStayWithinTheTypesConcurrency(String p) throws Exception {
        String secret = secret();
        try (Receiver receiver = new Receiver(secret)) {
            receiver.holdMillis = 400; // each delivery stays open a while, so the jobs queued behind it saturate the limit
            String type = p + ".pushcap";
            int concurrency = 3;
            expect(200, "PUT", "/queue/types/" + type, OPERATOR, "{\"delivery\":\"push\",\"url\":\"" + receiver.url() + "\",\"secret\":\""
                    + secret + "\",\"maxAttempts\":3,\"backoffMillis\":100,\"timeoutMillis\":5000,\"concurrency\":" + concurrency + "}");
            int jobs = 24;
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < jobs; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"type\":\"").append(type).append("\",\"payload\":\"c").append(i).append("\"}");
            }
            String tenant = p + "-pushcap";
            expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", OPERATOR, batch.append("]").toString());
            assertTrue("every job delivered", eventually(() -> {
                for (int i = 0; i < jobs; i++) {
                    if (receiver.count("c" + i) == 0) {
                        return false;
                    }
                }
                return true;
            }));
            assertEquals("every delivery carried a valid signature", List.of(), receiver.badSignatures);
            assertTrue("deliveries open at once never exceed the concurrency: " + receiver.maxOpen.get(), receiver.maxOpen.get() <= concurrency);
            assertEquals("the limit was reached (the test saturates it)", concurrency, receiver.maxOpen.get());
            expect(204, "DELETE", "/queue/types/" + type, OPERATOR, null);
        }
    }

    private void burstOrderIsFair(String p) throws Exception {
        String type = p + ".burst";
        pullType(type, 3, 60);
        String job = "{\"type\":\"" + type + "\",\"payload\":\"x\"}";
        String batch = "[" + (job + ",").repeat(499) + job + "]";
        String bursty = p + "-bursty";
        for (int i = 0; i < 20; i++) {
            expect(202, "POST", "/queue/tenants/" + bursty + "/jobs", OPERATOR, batch);
        }
        HttpResponse<String> capped = call("POST", "/queue/tenants/" + bursty + "/jobs", OPERATOR, "[" + (job + ",").repeat(10) + job + "]");
        assertEquals("over its backlog cap: " + capped.body(), 429, capped.statusCode());
        assertTrue(capped.headers().firstValue("Retry-After").isPresent());
        int workers = 4;
        Map<String, String> quiet = new HashMap<>();
        // a turn of the overflow lane (the burst is slowed, never starved) and of the bursting tenant's first jobs,
        // which arrived before it was seen as noisy, may come first: 2 quiet tenants fit in 4 leases
        for (int q = 0; q < 2; q++) {
            String tenant = p + "-quiet" + q;
            quiet.put(submit(tenant, OPERATOR, type, "quiet", ""), tenant);
        }
        // the quiet jobs have arrived on the node (SQS: received into the scheduler)
        for (String tenant : quiet.values()) {
            assertTrue(eventually(() -> {
                try {
                    HttpResponse<String> r = get("/queue/tenants/" + tenant, OPERATOR);
                    return r.statusCode() == 200 && r.body().contains("\"backlog\":1");
                } catch (Exception e) {
                    return false;
                }
            }));
        }
        List<String> order = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            Leased l = leaseOne(type, 5);
            order.add(l.tenant());
            expect(204, "POST", "/queue/leases/" + l.lease() + "/ack", platform, null);
        }
        for (String tenant : quiet.values()) {
            assertTrue(tenant + " leased within the first " + workers + " leases: " + order, order.contains(tenant));
        }
    }

    private static String secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /**
     * A push receiver on a plain socket: answers each job (by payload) as scripted ("200", "500", "503 <retry-after>"),
     * and checks the Standard Webhooks signature of every delivery.
     */
    private static final class Receiver implements AutoCloseable {
        final Map<String, Function<Integer, String>> script = new ConcurrentHashMap<>();
        final Map<String, List<Long>> times = new ConcurrentHashMap<>();
        final Map<String, java.util.Set<String>> ids = new ConcurrentHashMap<>();
        final List<String> badSignatures = new CopyOnWriteArrayList<>();
        /** How long each delivery is held open before it is answered. */
        volatile long holdMillis;
        /** Deliveries open now, and the most seen open at once. */
        final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();
        private final ServerSocket server;
        private final byte[] key;
        private final Thread thread;

        Receiver(String secret) throws IOException {
            key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "push-receiver");
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
        }

        int count(String payload) {
            List<Long> t = times.get(payload);
            return t == null ? 0 : t.size();
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    new Thread(() -> handle(s)).start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void handle(Socket s) {
            try (s) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                Map<String, String> headers = new HashMap<>();
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    int colon = line.indexOf(':');
                    headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
                }
                char[] body = new char[Integer.parseInt(headers.getOrDefault("content-length", "0"))];
                int read = 0;
                while (read < body.length) {
                    int n = in.read(body, read, body.length - read);
                    if (n < 0) {
                        break;
                    }
                    read += n;
                }
                String text = new String(body, 0, read);
                maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(holdMillis);
                } finally {
                    open.decrementAndGet(); // before the answer: once the platform reads it, the delivery is closed
                }
                Matcher m = Pattern.compile("\"payload\":\"([^\"]*)\"").matcher(text);
                String payload = m.find() ? m.group(1) : "?";
                String id = headers.get("webhook-id");
                String expected = sign(id + "." + headers.get("webhook-timestamp") + "." + text);
                if (!expected.equals(headers.get("webhook-signature"))) {
                    badSignatures.add(payload + ": " + headers.get("webhook-signature"));
                }
                ids.computeIfAbsent(payload, k -> ConcurrentHashMap.newKeySet()).add(id);
                List<Long> t = times.computeIfAbsent(payload, k -> new CopyOnWriteArrayList<>());
                t.add(System.currentTimeMillis());
                String answer = script.getOrDefault(payload, n -> "200").apply(t.size());
                String[] parts = answer.split(" ");
                String response = "HTTP/1.1 " + parts[0] + " X\r\nContent-Length: 0\r\nConnection: close\r\n"
                        + (parts.length > 1 ? "Retry-After: " + parts[1] + "\r\n" : "") + "\r\n";
                OutputStream out = s.getOutputStream();
                out.write(response.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (Exception e) {
                badSignatures.add("receiver failed: " + e);
            }
        }

        private String sign(String content) throws Exception {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
