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
 * once for the platform (no node alone saw enough of them), and the evaluator's lease moves when its node dies, after
 * which a breach spread over the nodes left still pages once and resolves once, and their REST status, status page
 * and Prometheus endpoint show the fleet's sums.
 */
public class HeartbeatFleetIT {
    /** The job of the breach posted after the evaluator's node died (its own name: the fleet is shared). */
    private static final String TAKEOVER_JOB = "fleet.takeover";

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
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
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

            // a breach after the takeover, spread over the two nodes left: 4 bad on one, 3 bad and 3 good on the
            // other. Neither node alone holds the 5 bad events a page needs; the fleet holds 7 of 10 (burn 70).
            List<RestClient> left = new java.util.ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                if (i != index) {
                    left.add(nodes.get(i));
                }
            }
            lb.expect(200, "PUT", "/heartbeat/slos/" + TAKEOVER_JOB, "{\"target\":0.99}");
            for (RestClient node : left) {
                assertTrue("the SLO reaches every node left", eventually(() -> hasSlo(node)));
            }
            left.get(0).expect(202, "POST", "/heartbeat/events", events("takeover", TAKEOVER_JOB, false, 4));
            left.get(1).expect(202, "POST", "/heartbeat/events", events("takeover", TAKEOVER_JOB, false, 3));
            left.get(1).expect(202, "POST", "/heartbeat/events", events("takeover", TAKEOVER_JOB, true, 3));
            // status, page and metrics of either node show the fleet's sums (a node's own would be 4/4 or 3/6)
            for (RestClient node : left) {
                assertTrue("REST status shows the fleet's 10 events, 7 bad", eventually(() -> platformCounts(node).equals("10/7")));
                assertTrue("the status page shows the fleet's 10 events, 7 bad", eventually(() -> pageCounts(node).equals("10/7")));
                assertTrue("/api/metrics shows the fleet's burn rate (70 = 0.7 bad over a 0.01 budget), not the node's 100 or 50",
                        eventually(() -> Math.abs(burn1h(node) - 70.0) < 1e-6));
            }
            assertTrue("the breach pages after the takeover", eventually(() -> pages(lb, "takeover", TAKEOVER_JOB, true) == 1));
            Thread.sleep(3000); // several evaluation cycles on the two nodes
            assertEquals("fired once for the fleet", 1, pages(lb, "takeover", TAKEOVER_JOB, false));
            for (RestClient node : left) {
                node.expect(202, "POST", "/heartbeat/events", events("takeover", TAKEOVER_JOB, true, 400));
            }
            assertTrue("resolves once the failures stop", eventually(() -> pages(lb, "takeover", TAKEOVER_JOB, true) == 0));
            Thread.sleep(3000);
            assertEquals("still the one alert, resolved once", 1, pages(lb, "takeover", TAKEOVER_JOB, false));
            for (RestClient node : left) {
                assertTrue("both nodes show the fleet's 810 events, 7 bad", eventually(() -> platformCounts(node).equals("810/7")));
            }
        } finally {
            fleet.restart(index);
            fleet.balancer().orElseThrow().awaitState(first, "UP", Duration.ofSeconds(30));
        }
    }

    private static String events(String tenant, boolean success, int n) {
        return events(tenant, "fleet.pay", success, n);
    }

    private static String events(String tenant, String job, boolean success, int n) {
        String one = "{\"tenant\":\"" + tenant + "\",\"job\":\"" + job + "\",\"success\":" + success
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
        return pages(lb, tenant, "fleet.pay", firingOnly);
    }

    /** Page alerts of the tenant on the job in the fleet's alert history (only those firing, or all recorded). */
    private static long pages(RestClient lb, String tenant, String job, boolean firingOnly) {
        try {
            String body = lb.expect(200, "GET", "/heartbeat/alerts?limit=500", null);
            Matcher m = Pattern.compile("\\{[^{}]*\"tenant\":\"" + tenant + "\"[^{}]*\\}").matcher(body);
            long n = 0;
            while (m.find()) {
                String a = m.group();
                if (a.contains("\"job\":\"" + job + "\"") && a.contains("\"severity\":\"page\"")
                        && (!firingOnly || a.contains("\"resolvedAt\":null"))) {
                    n++;
                }
            }
            return n;
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    private static boolean hasSlo(RestClient node) {
        try {
            return node.expect(200, "GET", "/heartbeat/slos", null).contains("\"job\":\"" + TAKEOVER_JOB + "\"");
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    /** "events/bad" of the takeover job platform-wide in the node's REST status. */
    private static String platformCounts(RestClient node) {
        try {
            String body = node.expect(200, "GET", "/heartbeat/status", null);
            Matcher m = Pattern.compile("\\{[^{}]*\"job\":\"" + Pattern.quote(TAKEOVER_JOB) + "\"[^{}]*\\}").matcher(body);
            while (m.find()) {
                if (!m.group().contains("\"tenant\":\"takeover\"")) { // the platform's row, not the tenant's
                    return number(m.group(), "events1h") + "/" + number(m.group(), "bad1h");
                }
            }
            return "";
        } catch (Exception | AssertionError e) {
            return "";
        }
    }

    /** "events/bad" of the takeover job in the platform table of the node's status page. */
    private static String pageCounts(RestClient node) {
        try {
            String page = node.expect(200, "GET", "/heartbeat/page", null);
            Matcher m = Pattern.compile("<tr><td>" + Pattern.quote(TAKEOVER_JOB)
                    + "</td><td>[^<]*</td><td class=\"n\">(\\d+)</td><td class=\"n\">(\\d+)</td>").matcher(page);
            return m.find() ? m.group(1) + "/" + m.group(2) : "";
        } catch (Exception | AssertionError e) {
            return "";
        }
    }

    /** The takeover job's platform-wide 1 h burn rate on the node's Prometheus endpoint (NaN when absent). */
    private static double burn1h(RestClient node) {
        try {
            for (String line : node.expect(200, "GET", "/metrics", null).split("\n")) {
                if (line.startsWith("headroom_heartbeat_burn_rate{") && line.contains("slo_job=\"" + TAKEOVER_JOB + "\"")
                        && line.contains("window=\"1h\"")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception | AssertionError e) {
            return Double.NaN;
        }
        return Double.NaN;
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
