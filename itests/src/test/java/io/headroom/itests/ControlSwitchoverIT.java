package io.headroom.itests;

import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDbServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/**
 * The control schema switched over to its replica and back under mixed load through HAProxy: every node follows the
 * new primary by itself, reads never fail, writes are 200 or (while fenced) 503 with Retry-After, and every
 * acknowledged change is on the new primary.
 */
public class ControlSwitchoverIT {

    @Test
    public void aSwitchoverAndBackUnderLoadFailsNoReadAndLosesNoWrite() throws Exception {
        LocalFleet fleet = TestFleet.get();
        MariaDbServer primary = TestFleet.controlDb();
        MariaDbServer replica = TestFleet.controlReplica();
        RestClient lb = new RestClient(fleet.url());
        String tenant = "Bearer " + string(lb.expect(201, "POST", "/tokens", "{\"name\":\"switch\",\"tenant\":\"switch-acme\"}"), "token");
        lb.expect(200, "PUT", "/flags/switch.reads", "{\"allow\":[\"switch-acme\"]}");
        for (LocalFleet.Node n : fleet.nodes()) {
            RestClient node = new RestClient(n.karaf().baseUrl());
            assertTrue(eventually(() -> status(node, "GET", "/flags/switch.reads/tenants/switch-acme", tenant, null) == 200));
        }
        // bad requests change nothing
        assertEquals(409, lb.call("POST", "/control/switchover", RestClient.OPERATOR, "{\"target\":\"127.0.0.1:1\"}").statusCode());
        assertEquals(403, lb.call("POST", "/control/switchover", tenant, "{}").statusCode());

        AtomicBoolean running = new AtomicBoolean(true);
        List<String> readFailures = Collections.synchronizedList(new ArrayList<>());
        List<String> badWrites = Collections.synchronizedList(new ArrayList<>());
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger seq = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> load = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    int s = status(lb, "GET", "/flags/switch.reads/tenants/switch-acme", tenant, null);
                    if (s != 200) {
                        readFailures.add(String.valueOf(s));
                    }
                }
            }));
            load.add(pool.submit(() -> {
                while (running.get()) {
                    String flag = "switch.w" + seq.incrementAndGet();
                    try {
                        HttpResponse<String> r = lb.call("PUT", "/flags/" + flag, RestClient.OPERATOR, "{\"percentage\":5}");
                        if (r.statusCode() == 200) {
                            acknowledged.add(flag);
                        } else if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent()) {
                            refused.incrementAndGet();
                        } else {
                            badWrites.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        badWrites.add(e.toString());
                    }
                }
            }));
        }
        String there;
        String back;
        try {
            Thread.sleep(1500);
            there = switchover(lb, "{}");
            assertEquals(there, "DONE", string(there, "state"));
            assertFollowed(fleet, "127.0.0.1:" + replica.port());
            Thread.sleep(1500);
            back = switchover(lb, "{\"target\":\"127.0.0.1:" + primary.port() + "\"}");
            assertEquals(back, "DONE", string(back, "state"));
            assertFollowed(fleet, "127.0.0.1:" + primary.port());
            Thread.sleep(1500);
        } finally {
            running.set(false);
            for (Future<?> f : load) {
                f.get();
            }
            pool.shutdown();
        }
        System.out.printf("control switchover and back under load: %d writes acknowledged, %d refused with 503, %d read failures;"
                + " writes fenced %s ms there and %s ms back%n", acknowledged.size(), refused.get(), readFailures.size(),
                RestClient.number(there, "fencedMillis"), RestClient.number(back, "fencedMillis"));
        assertTrue("reads served from the nodes' caches never failed: " + readFailures, readFailures.isEmpty());
        assertTrue("writes were 200, or 503 with Retry-After: " + badWrites, badWrites.isEmpty());
        assertTrue("every acknowledged change is on the primary after two switchovers", eventually(() -> {
            try {
                String flags = lb.expect(200, "GET", "/flags", null);
                return acknowledged.stream().allMatch(f -> flags.contains("\"" + f + "\""));
            } catch (Exception | AssertionError e) {
                return false;
            }
        }));
    }

    /**
     * A switchover as an operator runs it: a replica too far behind to start (409) or to catch up within the fenced
     * budget (rolled back, nothing lost) is asked again, at most three times; the last answer is returned.
     */
    private static String switchover(RestClient lb, String body) throws Exception {
        String last = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            HttpResponse<String> r = lb.call("POST", "/control/switchover", RestClient.OPERATOR, body);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200 && "DONE".equals(string(r.body(), "state"))) {
                return r.body();
            }
            assertTrue("only a lagging replica is a reason to try again: " + last, r.statusCode() == 409 && r.body().contains("behind")
                    || r.statusCode() == 200 && "ROLLED_BACK".equals(string(r.body(), "state")));
            System.out.println("control switchover attempt " + attempt + ": " + last);
            Thread.sleep(2000);
        }
        return last;
    }

    /** Every node writes to {@code server}, and lists it as the primary. */
    private static void assertFollowed(LocalFleet fleet, String server) throws Exception {
        for (LocalFleet.Node n : fleet.nodes()) {
            RestClient node = new RestClient(n.karaf().baseUrl());
            assertTrue(n.id() + " writes to " + server, eventually(() -> {
                try {
                    String body = node.expect(200, "GET", "/control", null);
                    return body.contains("{\"name\":\"" + server + "\",\"role\":\"PRIMARY\",\"current\":true");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            }));
        }
    }

    private static int status(RestClient client, String method, String path, String auth, String body) {
        try {
            return client.call(method, path, auth, body).statusCode();
        } catch (Exception e) {
            return -1;
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
