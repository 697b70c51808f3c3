package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.Prometheus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * What an operator watches, checked with the real tools on the shared fleet: a Prometheus (Debian's) scraping the
 * three nodes evaluates every query of every dashboard in {@code dashboards/}, each naming only metrics the platform
 * declares, with data for what the test drove; and the operator console renders in headless Chromium with every
 * panel (a screenshot is left in {@code target/}).
 */
public class ObservabilityFleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\b((?:headroom|jvm)_[a-z0-9_]+)");

    @Test
    public void everyDashboardQueryRunsOnPrometheusScrapingTheFleet() throws Exception {
        assumeTrue("Prometheus is not installed (.ci/run installs Debian's)", Prometheus.installed());
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        drive(lb);
        List<String> targets = fleet.nodes().stream().map(n -> URI.create(n.karaf().baseUrl()).getAuthority()).toList();
        Path dir = Path.of("target", "prometheus-" + ProcessHandle.current().pid());
        try (Prometheus prometheus = Prometheus.start(dir, targets, "karaf", "karaf")) {
            boolean scraping = until(() -> {
                JsonNode up = prometheus.query("sum(up{job=\"headroom\"})").path("data").path("result");
                return up.size() == 1 && up.get(0).path("value").get(1).asDouble() == targets.size();
            });
            assertTrue("Prometheus scrapes every node: " + (scraping ? "" : prometheus.targetHealth()), scraping);
            Set<String> declared = declaredFamilies(new RestClient(fleet.nodes().get(0).karaf().baseUrl()));
            List<String> problems = new ArrayList<>();
            List<Path> dashboards;
            try (Stream<Path> files = Files.list(Path.of(System.getProperty("headroom.repo", ".."), "dashboards"))) {
                dashboards = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            }
            assertTrue("the dashboards are there", dashboards.size() >= 6);
            int queries = 0;
            for (Path file : dashboards) {
                for (JsonNode panel : JSON.readTree(file.toFile()).path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        queries++;
                        String expr = target.path("expr").asText().replace("$__rate_interval", "1m").replace("$instance", ".*");
                        JsonNode answer = prometheus.query(expr);
                        if (!"success".equals(answer.path("status").asText())) {
                            problems.add(file.getFileName() + " / " + panel.path("title").asText() + ": " + answer.path("error").asText());
                        }
                        Matcher m = METRIC.matcher(expr);
                        while (m.find()) {
                            if (!declared.contains(family(m.group(1)))) {
                                problems.add(file.getFileName() + " / " + panel.path("title").asText() + ": no metric " + m.group(1));
                            }
                        }
                    }
                }
            }
            System.out.printf("dashboards: %d files, %d queries checked against Prometheus%n", dashboards.size(), queries);
            assertEquals("every panel's query is valid PromQL over declared metrics", List.of(), problems);
            // the series the test drove have data, through the dashboards' own aggregations
            for (String expr : List.of(
                    "sum by (endpoint) (rate(headroom_rest_request_duration_seconds_count{endpoint=\"/heartbeat/events\"}[1m]))",
                    "max by (slo_job, window) (headroom_heartbeat_burn_rate{slo_job=\"obs.checkout\"})",
                    "histogram_quantile(0.99, sum by (le, slo_job) (rate(headroom_outcome_duration_seconds_bucket{slo_job=~\"search.*\"}[1m])))",
                    "max(headroom_search_collections)",
                    "sum by (instance) (jvm_memory_used_bytes{area=\"heap\"})")) {
                assertTrue(expr + " has data", until(() -> prometheus.query(expr).path("data").path("result").size() > 0));
            }
            JsonNode heap = prometheus.query("sum by (instance) (jvm_memory_used_bytes{area=\"heap\"})").path("data").path("result");
            assertEquals("one heap series per node", targets.size(), heap.size());
        }
    }

    @Test
    public void theConsoleRendersEveryPanelInHeadlessChromium() throws Exception {
        assumeTrue("chromium is not on the PATH (.ci/run installs Debian's)", Chromium.binary() != null);
        LocalFleet fleet = TestFleet.get();
        drive(new RestClient(fleet.url()));
        String base = fleet.nodes().get(0).karaf().baseUrl();
        assertEquals(401, new RestClient(base).call("GET", "/console", null, null).statusCode());
        Path shot = Path.of("target", "console.png").toAbsolutePath();
        String dom = Chromium.render(base.replace("http://", "http://karaf:karaf@") + "/api/console", shot);
        assertTrue(dom, dom.contains("<title>Headroom console</title>"));
        for (String panel : List.of("platform", "heartbeat", "queue", "llm", "sharding", "search")) {
            assertTrue("panel " + panel + ": " + dom, dom.contains("id=\"panel-" + panel + "\""));
        }
        assertTrue("the platform panel lists the capabilities and the live nodes", dom.contains(">search<")
                && dom.contains(">queue<") && dom.contains(fleet.nodes().get(2).id()));
        assertTrue("burn-rate sparklines", dom.contains("obs.checkout") && dom.contains("class=\"spark\""));
        assertTrue("the collection and its layout", dom.contains("obsdocs"));
        assertTrue("a screenshot of the console is in " + shot, Files.size(shot) > 10_000);
        System.out.println("console screenshot: " + shot);
    }

    @Test
    public void readinessFollowsElasticsearchWhileLivenessStaysUp() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient node = new RestClient(fleet.nodes().get(1).karaf().baseUrl());
        assertTrue("search is ready while Elasticsearch answers", until(() -> "UP".equals(searchReadiness(node))));
        TestDatabases.elasticsearch().kill();
        try {
            boolean down = until(() -> "DOWN".equals(searchReadiness(node)));
            assertTrue("search is DOWN once Elasticsearch is gone: "
                    + (down ? "" : node.call("GET", "/health/ready", RestClient.OPERATOR, null).body()), down);
            assertEquals("and readiness says so with a 503", 503, node.call("GET", "/health/ready", null, null).statusCode());
            assertEquals("anonymous callers see the platform's status only", "{\"status\":\"DEGRADED\"}",
                    node.call("GET", "/health/ready", null, null).body());
            assertEquals("the node stays in the load balancer's rotation", 200, node.call("GET", "/health/live", null, null).statusCode());
        } finally {
            TestDatabases.elasticsearch().start();
        }
        assertTrue("search is ready again once Elasticsearch is back", until(() -> "UP".equals(searchReadiness(node))));
    }

    private static final Pattern SEARCH_HEALTH = Pattern.compile("\\{\"name\":\"search\"[^{}]*\"health\":\"(\\w+)\"");

    private static String searchReadiness(RestClient node) throws Exception {
        Matcher m = SEARCH_HEALTH.matcher(node.call("GET", "/health/ready", RestClient.OPERATOR, null).body());
        return m.find() ? m.group(1) : null;
    }

    /** Heartbeat events through the balancer (good and bad, so a burn rate), and a search collection with searches. */
    private static void drive(RestClient lb) throws Exception {
        lb.expect(200, "PUT", "/heartbeat/slos/obs.checkout", "{\"target\":0.99}");
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 40; i++) {
            events.append(i == 0 ? "" : ",").append("{\"tenant\":\"obs-acme\",\"job\":\"obs.checkout\",\"success\":")
                    .append(i % 10 != 0).append(",\"latencyMillis\":").append(20 + i).append('}');
        }
        String batch = events.append(']').toString();
        for (int i = 0; i < 6; i++) {
            lb.expect(202, "POST", "/heartbeat/events", batch);
        }
        int created = lb.call("POST", "/search/collections", RestClient.OPERATOR, "{\"name\":\"obsdocs\",\"partitions\":1,\"mappings\":{\"properties\":{\"title\":{\"type\":\"text\"}}}}").statusCode();
        assertTrue("collection created or there from an earlier test: " + created, created == 201 || created == 409);
        for (int i = 0; i < 5; i++) {
            lb.expect(200, "PUT", "/search/collections/obsdocs/tenants/obs-acme/documents/d" + i,
                    "{\"version\":" + System.currentTimeMillis() + ",\"document\":{\"title\":\"order " + i + "\"}}");
            lb.expect(200, "POST", "/search/collections/obsdocs/tenants/obs-acme/search", "{\"query\":\"order\"}");
        }
    }

    /** The metric families a node declares, whether or not they have a sample right now. */
    private static Set<String> declaredFamilies(RestClient node) throws Exception {
        Set<String> out = new TreeSet<>();
        for (JsonNode f : JSON.readTree(node.expect(200, "GET", "/metrics/families", null))) {
            out.add(family(f.path("name").asText()));
        }
        assertTrue("the families include those without samples yet: " + out, out.contains("headroom_rest_gate_holds"));
        return out;
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    /** Whether the check holds within 60 s (Prometheus scrapes every second; rates need two scrapes). */
    private static boolean until(Check check) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!check.holds()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(250);
        }
        return true;
    }

    private static String family(String sample) {
        for (String suffix : List.of("_total", "_bucket", "_count", "_sum", "_created")) {
            if (sample.endsWith(suffix)) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return sample;
    }
}
