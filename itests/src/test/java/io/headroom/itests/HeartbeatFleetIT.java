package io.headroom.itests;

import static io.headroom.itests.RestClient.number;
import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.LocalFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The heartbeat on three nodes: every node shows the fleet's counts, a tenant's failures spread over the nodes page
 * once for the platform (no node alone saw enough of them), and the evaluator's lease moves when its node dies.
 */
public class HeartbeatFleetIT {

    @Test
    public void failuresSpreadOverTheNodesPageOnceAndResolveOnce() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        lb.expect(200, "PUT", "/heartbeat/slos/fleet.pay", "{\"target\":0.99}");
        // 3 failures per node: under the rules' 5 bad events each, 9 for the fleet
        for (RestClient node : nodes) {
            node.expect(202, "POST", "/heartbeat/events", events("spread", false, 3));
        }
        assertTrue("every node shows the fleet's 9 events, not its own 3", eventually(() -> nodes.stream()
                .allMatch(n -> events1h(n, "spread") == 9)));
        assertTrue("the spread failures page", eventually(() -> pages(lb, "spread", true) == 1));
        Thread.sleep(3000); // several evaluation cycles on three nodes
        assertEquals("fired once, on one node", 1, pages(lb, "spread", false));

        for (RestClient node : nodes) {
            node.expect(202, "POST", "/heartbeat/events", events("spread", true, 400));
        }
        assertTrue("resolves once the failures stop", eventually(() -> pages(lb, "spread", true) == 0));
        Thread.sleep(3000);
        assertEquals("still the one alert, resolved once", 1, pages(lb, "spread", false));
    }

    @Test
    public void anotherNodeTakesEvaluationOverWhenTheEvaluatorDies() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        assertTrue("some node evaluates", eventually(() -> !evaluator(lb).isEmpty()));
        String first = evaluator(lb);
        int index = Integer.parseInt(first.substring("node-".length())) - 1;
        fleet.kill(index);
        try {
            assertTrue("another node holds the evaluator lease", eventually(() -> {
                String now = evaluator(lb);
                return !now.isEmpty() && !now.equals(first);
            }));
            assertNotEquals(first, evaluator(lb));
        } finally {
            fleet.restart(index);
            fleet.balancer().orElseThrow().awaitState(first, "UP", Duration.ofSeconds(30));
        }
    }

    private static String events(String tenant, boolean success, int n) {
        String one = "{\"tenant\":\"" + tenant + "\",\"job\":\"fleet.pay\",\"success\":" + success
                + ",\"latencyMillis\":20,\"at\":\"" + Instant.now() + "\"}";
        return "[" + String.join(",", java.util.Collections.nCopies(n, one)) + "]";
    }

    private static long events1h(RestClient node, String tenant) {
        try {
            String body = node.expect(200, "GET", "/heartbeat/tenants/" + tenant, null);
            return body.contains("fleet.pay") ? number(body.substring(body.indexOf("fleet.pay")), "events1h") : 0;
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    /** Page alerts of the tenant on fleet.pay (only those firing, or all recorded). */
    private static long pages(RestClient lb, String tenant, boolean firingOnly) {
        try {
            String body = lb.expect(200, "GET", "/heartbeat/alerts?limit=500", null);
            Matcher m = Pattern.compile("\\{[^{}]*\"tenant\":\"" + tenant + "\"[^{}]*\\}").matcher(body);
            long n = 0;
            while (m.find()) {
                String a = m.group();
                if (a.contains("\"job\":\"fleet.pay\"") && a.contains("\"severity\":\"page\"")
                        && (!firingOnly || a.contains("\"resolvedAt\":null"))) {
                    n++;
                }
            }
            return n;
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    private static String evaluator(RestClient lb) {
        try {
            String body = lb.expect(200, "GET", "/fleet?leases=heartbeat.evaluator", null);
            int at = body.indexOf("\"leases\"");
            String leases = body.substring(at);
            return leases.contains("\"expired\":false") ? string(leases, "node") : "";
        } catch (Exception | AssertionError e) {
            return "";
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
