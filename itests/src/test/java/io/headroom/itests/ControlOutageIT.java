package io.headroom.itests;

import static io.headroom.itests.RestClient.number;
import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDbServer;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/**
 * The fleet's control database killed for {@value #OUTAGE_SECONDS} s under mixed load through HAProxy: reads served
 * from the nodes' caches keep answering, writes are refused with 503 and Retry-After, and afterwards everything works
 * again without restarting anything, with no acknowledged change lost.
 */
public class ControlOutageIT {
    static final int OUTAGE_SECONDS = 20;

    @Test
    public void readsKeepServingWritesAre503AndNothingNeedsARestart() throws Exception {
        LocalFleet fleet = TestFleet.get();
        MariaDbServer controlDb = TestFleet.controlDb();
        RestClient lb = new RestClient(fleet.url());
        String acme = "Bearer " + string(lb.expect(201, "POST", "/tokens", "{\"name\":\"outage\",\"tenant\":\"outage-acme\"}"), "token");
        lb.expect(200, "PUT", "/flags/outage.reads", "{\"allow\":[\"outage-acme\"]}");
        lb.expect(201, "POST", "/search/collections", "{\"name\":\"outage\",\"partitions\":1,\"mappings\":{\"properties\":{\"t\":{\"type\":\"text\"}}}}");
        lb.expect(200, "PUT", "/search/collections/outage/tenants/outage-acme/documents/1", acme, "{\"version\":1,\"document\":{\"t\":\"kept doc\"}}");
        for (LocalFleet.Node n : fleet.nodes()) { // every node has seen the token, the flag and the collection
            RestClient node = new RestClient(n.karaf().baseUrl());
            assertTrue(eventually(() -> ok(node, "GET", "/flags/outage.reads/tenants/outage-acme", acme, null)
                    && ok(node, "GET", "/search/collections/outage/tenants/outage-acme/search?q=kept", acme, null)));
        }

        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        List<String> readFailures = Collections.synchronizedList(new ArrayList<>());
        List<String> badWrites = Collections.synchronizedList(new ArrayList<>());
        Set<String> acknowledgedFlags = ConcurrentHashMap.newKeySet();
        AtomicInteger acknowledgedEvents = new AtomicInteger();
        AtomicInteger flagSeq = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        String event = "[{\"job\":\"outage.job\",\"success\":true,\"latencyMillis\":5}]";
        List<Runnable> readers = List.of(
                () -> read(lb, "/flags/outage.reads/tenants/outage-acme", acme, null, readFailures, outcomes),
                () -> read(lb, "/search/collections/outage/tenants/outage-acme/search?q=kept", acme, null, readFailures, outcomes),
                () -> read(lb, "/heartbeat/tenants/outage-acme", acme, null, readFailures, outcomes),
                () -> {
                    if (read(lb, "/heartbeat/tenants/outage-acme/events", acme, event, readFailures, outcomes)) {
                        acknowledgedEvents.incrementAndGet();
                    }
                });
        ExecutorService pool = Executors.newFixedThreadPool(readers.size() + 2);
        List<Future<?>> load = new ArrayList<>();
        for (Runnable r : readers) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    r.run();
                }
            }));
        }
        for (int w = 0; w < 2; w++) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    String flag = "outage.w" + flagSeq.incrementAndGet();
                    try {
                        HttpResponse<String> r = lb.call("PUT", "/flags/" + flag, RestClient.OPERATOR, "{\"percentage\":10}");
                        outcomes.computeIfAbsent("write " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        if (r.statusCode() == 200) {
                            acknowledgedFlags.add(flag);
                        } else if (r.statusCode() != 503 || r.headers().firstValue("Retry-After").isEmpty()) {
                            badWrites.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        badWrites.add(e.toString());
                    }
                }
            }));
        }
        int acknowledgedBefore;
        try {
            Thread.sleep(2000);
            controlDb.kill();
            Instant down = Instant.now();
            Thread.sleep(3000); // several token refreshes failed on every node
            String unknown = "Bearer hr_" + "q".repeat(12) + "_" + "z".repeat(43);
            for (LocalFleet.Node n : fleet.nodes()) {
                RestClient node = new RestClient(n.karaf().baseUrl());
                // offline grace (offlineGraceMillis, 15 min by default): a token the node confirmed keeps working
                HttpResponse<String> confirmed = node.call("GET", "/flags/outage.reads/tenants/outage-acme", acme, null);
                assertEquals(n.id() + ": a confirmed token works while the control schema is away: " + confirmed.body(),
                        200, confirmed.statusCode());
                // a token the node never saw is refused at once: 401, not a wait for the database nor a 5xx
                HttpResponse<String> never = node.call("GET", "/flags/outage.reads/tenants/outage-acme", unknown, null);
                assertEquals(n.id() + ": a token never seen is refused during the outage: " + never.body(), 401, never.statusCode());
            }
            Thread.sleep(Math.max(0, OUTAGE_SECONDS * 1000L - java.time.Duration.between(down, Instant.now()).toMillis()));
            controlDb.restart();
            System.out.printf("control database down for %d ms%n", java.time.Duration.between(down, Instant.now()).toMillis());
            // writes work again on every node, with nothing restarted
            for (LocalFleet.Node n : fleet.nodes()) {
                RestClient node = new RestClient(n.karaf().baseUrl());
                assertTrue(n.id() + " takes writes again", eventually(() -> ok(node, "PUT", "/flags/outage.after." + n.id(), RestClient.OPERATOR,
                        "{\"percentage\":1}")));
            }
            Thread.sleep(2000);
        } finally {
            running.set(false);
            for (Future<?> f : load) {
                f.get();
            }
            pool.shutdown();
        }
        System.out.println("control database outage under load: " + outcomes + ", read failures " + readFailures.size()
                + ", writes other than 200/503+Retry-After " + badWrites.size());
        assertTrue("reads served from the nodes' caches never failed: " + readFailures, readFailures.isEmpty());
        assertTrue("writes were answered 200, or 503 with Retry-After: " + badWrites, badWrites.isEmpty());
        assertTrue("some writes were refused during the outage", outcomes.getOrDefault("write 503", new AtomicInteger()).get() > 0);
        // every node's flag cache catches up within its refresh interval
        assertTrue("every acknowledged flag change survived", eventually(() -> {
            try {
                String flags = lb.expect(200, "GET", "/flags", null);
                return acknowledgedFlags.stream().allMatch(f -> flags.contains("\"" + f + "\""));
            } catch (Exception | AssertionError e) {
                return false;
            }
        }));
        acknowledgedBefore = acknowledgedEvents.get();
        assertTrue("every heartbeat event accepted during the outage is counted once the control schema is back",
                eventually(() -> events1h(lb, acme) == acknowledgedBefore));
    }

    /**
     * Unknown bearer tokens (a client guessing, or one replaying garbage) cost no control-schema query each: the
     * statements the control database runs are counted on the server (its own {@code Questions} counter; this
     * database serves only the fleet) while every node refuses {@value #UNKNOWN_TOKENS} different unknown tokens, and
     * compared with what the fleet runs with no such requests over the same time.
     */
    @Test
    public void unknownTokensCostNoControlSchemaQueryEach() throws Exception {
        LocalFleet fleet = TestFleet.get();
        MariaDbServer controlDb = TestFleet.controlDb();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        for (RestClient node : nodes) { // the control database is up (after the outage test) and every node reads it
            assertTrue(eventually(() -> ok(node, "GET", "/flags", RestClient.OPERATOR, null)));
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(controlDb.jdbcUrl("headroom"), "root", "")) {
            long idleStart = questions(c);
            long idleFrom = System.nanoTime();
            Thread.sleep(10_000); // long enough to average the nodes' periodic flushes
            double idlePerMilli = (questions(c) - idleStart - 1) / ((System.nanoTime() - idleFrom) / 1e6);

            long start = questions(c);
            long from = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < UNKNOWN_TOKENS; i++) {
                RestClient node = nodes.get(i % nodes.size());
                String token = String.format("Bearer hr_%012d_%s", i, "u".repeat(43));
                statuses.add(pool.submit(() -> node.call("GET", "/flags", token, null).statusCode()));
            }
            for (Future<Integer> f : statuses) {
                assertEquals("an unknown token is refused", 401, (int) f.get());
            }
            pool.shutdown();
            double millis = (System.nanoTime() - from) / 1e6;
            long ran = questions(c) - start - 1;
            double background = idlePerMilli * millis;
            System.out.printf("control schema statements: %d while %d unknown tokens were refused in %.0f ms"
                    + " (the fleet runs about %.0f in that time without them)%n", ran, UNKNOWN_TOKENS, millis, background);
            // one query per unknown token would be at least UNKNOWN_TOKENS more than the background; the nodes may check
            // the schema for a token made a moment ago at most once per 250 ms each
            assertTrue("statements " + ran + " against a background of " + Math.round(background) + " for " + UNKNOWN_TOKENS
                    + " unknown tokens", ran - background < UNKNOWN_TOKENS / 2.0);
        }
    }

    static final int UNKNOWN_TOKENS = 900;

    /** The server's count of statements run (clients' and its own SHOW). */
    private static long questions(java.sql.Connection c) throws java.sql.SQLException {
        try (java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Questions'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    private static boolean read(RestClient lb, String path, String auth, String body, List<String> failures,
            Map<String, AtomicInteger> outcomes) {
        try {
            HttpResponse<String> r = lb.call(body == null ? "GET" : "POST", path, auth, body);
            outcomes.computeIfAbsent("read " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            if (r.statusCode() / 100 != 2) {
                failures.add(path + " " + r.statusCode() + " " + r.body());
                return false;
            }
            return true;
        } catch (Exception e) {
            failures.add(path + " " + e);
            return false;
        }
    }

    private static long events1h(RestClient lb, String auth) {
        try {
            String body = lb.expect(200, "GET", "/heartbeat/tenants/outage-acme", auth, null);
            return body.contains("outage.job") ? number(body.substring(body.indexOf("outage.job")), "events1h") : 0;
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    private static boolean ok(RestClient node, String method, String path, String auth, String body) {
        try {
            return node.call(method, path, auth, body).statusCode() / 100 == 2;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }
}
