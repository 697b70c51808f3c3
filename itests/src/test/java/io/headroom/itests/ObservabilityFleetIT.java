package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.Prometheus;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.Test;

/**
 * What an operator watches, checked with the real tools on the shared fleet: a Prometheus (Debian's) scraping the
 * three nodes evaluates every query of every dashboard in {@code dashboards/}, each naming only metrics the platform
 * declares, with data for what the test drove; and the operator console renders in headless Chromium with every
 * panel filled with the figures of what the test drove on one node (jobs done, an LLM failover, statements on a shard);
 * a screenshot is left in {@code target/}. The same activity moves the node's histograms and counters; an LLM failover
 * and cooldowns are logged with the tenant and without the key, and readiness follows the deployments.
 */
public class ObservabilityFleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\b((?:headroom|jvm)_[a-z0-9_]+)");
    private static final String SUFFIX = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static final List<FakeLlmProvider> PROVIDERS = new ArrayList<>();
    private static Activity activity;

    /** What {@link #activity} drove on the first node, by the names it used. */
    private record Activity(String queueTenant, int jobsDone, String primary, String secondary, String route, String shard,
            int statements) {
    }

    @AfterClass
    public static void stopProviders() {
        PROVIDERS.forEach(FakeLlmProvider::close);
    }

    @Test
    public void everyDashboardQueryRunsOnPrometheusScrapingTheFleet() throws Exception {
        assumeTrue("Prometheus is not installed (.ci/run installs Debian's)", Prometheus.installed());
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        drive(lb);
        Activity a = activity(fleet);
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
                    "histogram_quantile(0.99, sum by (le, backend) (rate(headroom_queue_dwell_seconds_bucket[1m])))",
                    "histogram_quantile(0.99, sum by (le, shard) (rate(headroom_shard_query_duration_seconds_bucket{shard=\"" + a.shard() + "\"}[1m])))",
                    "sum by (route, deployment, reason) (headroom_llm_attempt_failures_total{route=\"" + a.route() + "\"})",
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
        Activity a = activity(fleet);
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
        // queue: the tenant's jobs done on this node, its dwell
        List<String> jobs = row(dom, "<th>Dead</th>", a.queueTenant());
        assertEquals("queue row " + jobs, a.jobsDone(), Integer.parseInt(jobs.get(4)));
        assertTrue("queue row's dwell " + jobs, jobs.get(3).matches("\\d+ ms"));
        // LLM: the failover left one failure on the first deployment, the second answered it (a latency of its answer);
        // the per-minute figures depend on when the page is rendered, so only their limits are checked
        List<String> primary = row(dom, "<th>Failures</th>", a.primary());
        assertEquals("primary deployment row " + primary, "1", primary.get(5));
        assertEquals("primary deployment row " + primary, "openai/gpt-test", primary.get(1));
        assertEquals("primary deployment row " + primary, "healthy", primary.get(2));
        assertTrue("primary deployment row " + primary, primary.get(4).matches("\\d+ / 600"));
        List<String> secondary = row(dom, "<th>Failures</th>", a.secondary());
        assertEquals("the failover's answer came from the secondary " + secondary, "0", secondary.get(5));
        assertTrue("the secondary's latency is that of its answer " + secondary,
                secondary.get(3).matches("\\d+ ms") && !secondary.get(3).equals("0 ms"));
        List<String> route = row(dom, "<th>Capacity used, last minute</th>", a.route());
        assertTrue("route row " + route, route.get(1).equals("ordered") && route.get(2).matches("\\d+ / \\d+")
                && Integer.parseInt(route.get(2).split(" / ")[1]) > 0);
        // sharding: the dedicated shard with its breaker closed and the statements run through this node
        List<String> shard = row(dom, "<th>p99</th></tr>", a.shard());
        assertEquals("shard row " + shard, "dedicated", shard.get(1));
        assertEquals("shard row " + shard, "UP", shard.get(3));
        assertTrue("shard row " + shard, Integer.parseInt(shard.get(5)) >= a.statements());
        assertTrue("the shard's p50 and p99 from its query histogram " + shard, shard.get(6).matches("[\\d.]+ ms")
                && shard.get(7).matches("[\\d.]+ ms") && !dom.contains("<th>Mean</th>"));
        assertTrue("the route's p50 and p99 of its answered calls " + route, route.get(3).matches("[\\d.]+ ms")
                && route.get(4).matches("[\\d.]+ ms"));
        assertTrue("a screenshot of the console is in " + shot, Files.size(shot) > 10_000);
        System.out.println("console screenshot: " + shot);
    }

    @Test
    public void theDrivenActivityMovesTheNodesHistogramsAndCounters() throws Exception {
        LocalFleet fleet = TestFleet.get();
        Activity a = activity(fleet);
        String metrics = new RestClient(fleet.node(0).karaf().baseUrl()).expect(200, "GET", "/metrics", null);
        // the tenant's label is its name while it is among the node's busiest tenants, else other (bounded series)
        String mine = "tenant=\"" + a.queueTenant() + "\"";
        assertTrue("each job's dwell observed under its tenant (or other)", sample(metrics, "headroom_queue_dwell_seconds_count", mine)
                + sample(metrics, "headroom_queue_dwell_seconds_count", "tenant=\"other\"") >= a.jobsDone());
        assertTrue("and counted in the +Inf bucket", sample(metrics, "headroom_queue_dwell_seconds_bucket", mine, "le=\"+Inf\"")
                + sample(metrics, "headroom_queue_dwell_seconds_bucket", "tenant=\"other\"", "le=\"+Inf\"") >= a.jobsDone());
        assertTrue("their processing times observed", sample(metrics, "headroom_queue_processing_seconds_count") >= a.jobsDone());
        assertTrue("each statement on the shard observed", sample(metrics, "headroom_shard_query_duration_seconds_count",
                "shard=\"" + a.shard() + "\"") >= a.statements());
        assertEquals("the failover counted for the route and the deployment that failed", 1, sample(metrics,
                "headroom_llm_attempt_failures_total", "route=\"" + a.route() + "\"", "deployment=\"" + a.primary() + "\"",
                "reason=\"server_error\""), 0);
        assertEquals("and nothing for the one that answered", 0,
                sample(metrics, "headroom_llm_attempt_failures_total", "deployment=\"" + a.secondary() + "\""), 0);
        assertTrue("the failed-over call timed once for its route, as answered", sample(metrics,
                "headroom_llm_request_duration_seconds_count", "route=\"" + a.route() + "\"", "outcome=\"ok\"") >= 1);
        assertEquals("and not as an error", 0, sample(metrics, "headroom_llm_request_duration_seconds_count",
                "route=\"" + a.route() + "\"", "outcome=\"error\""), 0);
    }

    @Test
    public void anLlmFailoverIsLoggedAndReadinessFollowsTheDeployments() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient node = new RestClient(fleet.node(1).karaf().baseUrl());
        FakeLlmProvider first = provider();
        FakeLlmProvider second = provider();
        String a = "obs-ready-a-" + SUFFIX;
        String b = "obs-ready-b-" + SUFFIX;
        String route = "obs-ready-" + SUFFIX;
        String tenant = "obsllm" + SUFFIX;
        orderedRoute(node, route, a, first, b, second, 0);
        String token = "Bearer " + RestClient.string(node.expect(201, "POST", "/tokens",
                "{\"name\":\"obs-llm-" + SUFFIX + "\",\"tenant\":\"" + tenant + "\"}"), "token");
        assertTrue("the route answers", until(() -> ask(node, route, token).statusCode() == 200));
        Path log = fleet.node(1).karaf().home().resolve("data/log/karaf.log");
        long mark = Files.size(log);

        // the first deployment says 429 with a Retry-After: it cools down at once and the request fails over
        first.then(Behaviour.error(429, "30"));
        assertEquals(200, ask(node, route, token).statusCode());
        boolean degraded = until(() -> {
            String[] llm = llmReadiness(node);
            return llm != null && !"UP".equals(llm[0]) && llm[1].contains(a + " cooling down") && !llm[1].contains(route);
        });
        assertTrue("readiness names the deployment cooling down, the route still served: " + Arrays.toString(llmReadiness(node)), degraded);
        String lines = since(log, mark);
        assertTrue("the failover is logged with the tenant, the route, the deployment and the reason:\n" + lines,
                lines.lines().anyMatch(l -> l.contains("LLM route " + route + ": deployment " + a + " failed (HTTP 429")
                        && l.contains("failing over") && l.contains(tenant)));
        assertTrue("the cooldown is logged:\n" + lines, lines.contains("LLM deployment " + a + " cools down for"));

        // then the second one too: the route has no deployment left
        second.then(Behaviour.error(429, "20"));
        assertTrue("no deployment answers", ask(node, route, token).statusCode() != 200);
        boolean down = until(() -> {
            String[] llm = llmReadiness(node);
            return llm != null && "DOWN".equals(llm[0]) && llm[1].contains(route);
        });
        assertTrue("readiness: the LLM gateway is DOWN, naming the route: " + Arrays.toString(llmReadiness(node)), down);
        assertEquals("and readiness says so with a 503", 503, node.call("GET", "/health/ready", null, null).statusCode());
        assertEquals("the node stays in the load balancer's rotation", 200, node.call("GET", "/health/live", null, null).statusCode());
        lines = since(log, mark);
        assertTrue("the second cooldown is logged:\n" + lines, lines.contains("LLM deployment " + b + " cools down for"));
        assertTrue("no key is ever logged", !lines.contains("sk-obs-never-logged"));

        // the cooldowns end: the route is served again and readiness stops naming it
        boolean back = until(() -> {
            String[] llm = llmReadiness(node);
            return llm != null && !llm[1].contains(route) && !llm[1].contains(a) && !llm[1].contains(b);
        });
        assertTrue("readiness recovers once the cooldowns end: " + Arrays.toString(llmReadiness(node)), back);
        assertEquals(200, ask(node, route, token).statusCode());
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

    private static final Pattern LLM_HEALTH = Pattern.compile("\\{\"name\":\"llm\"[^{}]*\"health\":\"(\\w+)\",\"detail\":\"([^\"]*)\"");

    /** The LLM gateway's readiness on the node: its health and detail, or null. */
    private static String[] llmReadiness(RestClient node) throws Exception {
        Matcher m = LLM_HEALTH.matcher(node.call("GET", "/health/ready", RestClient.OPERATOR, null).body());
        return m.find() ? new String[] {m.group(1), m.group(2)} : null;
    }

    private static FakeLlmProvider provider() throws Exception {
        FakeLlmProvider p = FakeLlmProvider.openAi();
        synchronized (PROVIDERS) {
            PROVIDERS.add(p);
        }
        return p;
    }

    /** A route trying deployment {@code a} (on provider {@code pa}) first, then {@code b} (on {@code pb}). */
    private static void orderedRoute(RestClient node, String route, String a, FakeLlmProvider pa, String b, FakeLlmProvider pb,
            int requestsPerMinute) throws Exception {
        for (Map.Entry<String, FakeLlmProvider> d : Map.of(a, pa, b, pb).entrySet()) {
            node.expect(200, "PUT", "/llm/deployments/" + d.getKey(), "{\"provider\":\"openai\",\"model\":\"gpt-test\",\"endpoint\":\""
                    + d.getValue().endpoint() + "/\",\"apiKey\":\"sk-obs-never-logged\",\"requestsPerMinute\":" + requestsPerMinute
                    + ",\"timeoutMillis\":5000}");
        }
        node.expect(200, "PUT", "/llm/routes/" + route, "{\"strategy\":\"ordered\",\"deployments\":[\"" + a + "\",\"" + b + "\"]}");
    }

    private static HttpResponse<String> ask(RestClient node, String route, String authorization) throws Exception {
        return node.call("POST", "/llm/v1/chat/completions", authorization,
                "{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}", 10_000);
    }

    /** What the log file gained since {@code offset}. */
    private static String since(Path log, long offset) throws Exception {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
    }

    /**
     * Once per run, on the first node directly (so its console and meters have it all): jobs of a tenant of its own
     * submitted, leased and acked; LLM answers on a route of two deployments, the first failing once (a failover); a
     * dedicated shard of its own with a tenant pinned to it and statements run on it.
     */
    private static synchronized Activity activity(LocalFleet fleet) throws Exception {
        if (activity != null) {
            return activity;
        }
        RestClient n = new RestClient(fleet.node(0).karaf().baseUrl());
        // queue
        String type = "obs.work." + SUFFIX;
        String tenant = "obsq" + SUFFIX;
        int jobs = 3;
        n.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"visibilitySeconds\":60}");
        n.expect(202, "POST", "/queue/jobs", "[" + String.join(",", java.util.Collections.nCopies(jobs,
                "{\"tenant\":\"" + tenant + "\",\"type\":\"" + type + "\",\"payload\":\"p\"}")) + "]");
        int acked = 0;
        long deadline = System.currentTimeMillis() + 30_000;
        while (acked < jobs && System.currentTimeMillis() < deadline) {
            JsonNode leased = JSON.readTree(n.expect(200, "POST", "/queue/types/" + type + "/lease", "{\"max\":" + jobs + ",\"waitSeconds\":1}"));
            for (JsonNode j : leased.path("jobs")) {
                n.expect(204, "POST", "/queue/leases/" + j.get("lease").asText() + "/ack", null);
                acked++;
            }
        }
        assertEquals("every job leased and acked on the node", jobs, acked);
        // LLM: the first deployment fails once (a server error, retryable): the answer comes from the second
        FakeLlmProvider first = provider();
        FakeLlmProvider second = provider();
        String primary = "obs-gpt-a-" + SUFFIX;
        String secondary = "obs-gpt-b-" + SUFFIX;
        String route = "obs-chat-" + SUFFIX;
        orderedRoute(n, route, primary, first, secondary, second, 600);
        first.then(Behaviour.error(500, null));
        int answers = 4;
        for (int i = 0; i < answers; i++) {
            assertEquals(200, ask(n, route, RestClient.OPERATOR).statusCode());
        }
        assertEquals("one request reached the second deployment", 1, second.requests.get());
        // sharding: a dedicated shard of the test's own, a tenant pinned to it, statements through the Data API
        String shard = "obs-shard-" + SUFFIX;
        String url = ShardServers.get(2).get(0).jdbcUrl("obs_shard_" + SUFFIX);
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, v INT NOT NULL,"
                    + " PRIMARY KEY (tenant_id, id))");
        }
        n.expect(201, "POST", "/sharding/shards", "{\"name\":\"" + shard + "\",\"url\":\"" + url.replace("&", "\\u0026")
                + "\",\"keyRange\":null}");
        String owner = "obssh" + SUFFIX;
        n.expect(200, "PUT", "/sharding/tenants/" + owner + "/pin", "{\"shard\":\"" + shard + "\"}");
        int statements = 10;
        for (int i = 0; i < statements; i++) {
            n.expect(200, "POST", "/sharding/tenants/" + owner + "/sql",
                    "{\"sql\":\"INSERT INTO orders (tenant_id, id, v) VALUES (?, ?, 1)\",\"params\":[\"" + owner + "\"," + i + "]}");
        }
        activity = new Activity(tenant, jobs, primary, secondary, route, shard, statements);
        return activity;
    }

    /** The text of each cell of the console table row whose first cell is {@code first}, in the table headed by {@code header}. */
    private static List<String> row(String dom, String header, String first) {
        int table = dom.indexOf(header);
        assertTrue("a table with " + header + " in the console: " + dom, table >= 0);
        int at = dom.indexOf("<tr><td>" + first + "</td>", table);
        assertTrue("a row for " + first + " in the console: " + dom, at >= 0);
        String tr = dom.substring(at + 4, dom.indexOf("</tr>", at));
        List<String> cells = new ArrayList<>();
        for (String td : tr.split("</td>")) {
            cells.add(td.replaceAll("<[^>]*>", "").trim());
        }
        return cells;
    }

    /** The sum of the samples of {@code name} whose labels contain every fragment (0 when none). */
    private static double sample(String exposition, String name, String... fragments) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                int space = line.lastIndexOf(' ');
                String series = line.substring(0, space);
                if (Arrays.stream(fragments).allMatch(series::contains)) {
                    sum += Double.parseDouble(line.substring(space + 1));
                }
            }
        }
        return sum;
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
