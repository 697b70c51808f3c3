package io.headroom.bench;

import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.Haproxy;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet under a mixed REST workload: three nodes on one control schema (plus Elasticsearch and ElasticMQ), and an
 * HAProxy in front of the first one, the first two and all three in turn. Reports, in one run:
 * <ol>
 *   <li>throughput of the mix (heartbeat events, a flag read, a search, a document write, the example greeting, a
 *   sharding Data API point select on a shard of its own, an LLM chat completion answered by a local OpenAI-compatible
 *   server) with
 *   {@code clients} closed-loop clients through each balancer, and its ratio to one node (on a 2-core machine this
 *   measures the cost of more JVMs on the same cores, not scaling);</li>
 *   <li>requests failed when a node is killed with SIGKILL under that load (only those in flight on it may fail);</li>
 *   <li>how long the heartbeat evaluator's lease takes to move to another node after its holder is killed.</li>
 * </ol>
 * Usage: FleetBench distribution.tar.gz [seconds per round] [clients]   (defaults 20, 8)
 */
public final class FleetBench {
    private static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LEASE = Pattern.compile("\"name\":\"heartbeat.evaluator\",\"node\":\"([^\"]+)\"");

    private record Call(String method, String path, String body) {
    }

    private static final List<Call> MIX = List.of(
            new Call("POST", "/heartbeat/events", "[{\"tenant\":\"bench-acme\",\"job\":\"bench.job\",\"success\":true,\"latencyMillis\":5},"
                    + "{\"tenant\":\"bench-globex\",\"job\":\"bench.job\",\"success\":true,\"latencyMillis\":7}]"),
            new Call("GET", "/flags/bench.flag/tenants/bench-acme", null),
            new Call("POST", "/search/collections/bench/tenants/bench-acme/search", "{\"query\":\"bench\"}"),
            new Call("PUT", "/search/collections/bench/tenants/bench-acme/documents/d", null), // each client its own document
            new Call("GET", "/example/tenants/bench-acme/greeting", null),
            new Call("POST", "/sharding/tenants/bench-acme/sql", "{\"sql\":\"SELECT id, total FROM orders WHERE tenant_id = ? AND id = ?\","
                    + "\"params\":[\"bench-acme\",7]}"),
            new Call("POST", "/llm/v1/chat/completions", "{\"model\":\"bench-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"max_tokens\":20}"));

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path work = Path.of("bench", "target", "fleet").toAbsolutePath();
        try (MariaDbServer control = MariaDbServer.start(work.resolve("control-db"), 1);
             ElasticMq sqs = ElasticMq.start(0);
             ElasticsearchProcess es = ElasticsearchProcess.start(work.resolve("es"), 0, "384m");
             FakeLlmProvider llm = FakeLlmProvider.openAi();
             LocalFleet fleet = LocalFleet.start(work.resolve("fleet"), distribution,
                     new LocalFleet.Backends(control.jdbcUrl("headroom"), "root", "", sqs.endpoint(), es.endpoint()),
                     List.of(LocalFleet.Ports.free(), LocalFleet.Ports.free(), LocalFleet.Ports.free()),
                     Map.of("io.headroom.heartbeat", Map.of("flushSeconds", "1", "evaluateSeconds", "1", "evaluatorLeaseSeconds", "10"),
                             "io.headroom.sharding", Map.of("shardedTables", "orders")),
                     null, MariaDb.freePort())) {
            String api = fleet.url() + "/api";
            call(api, "PUT", "/heartbeat/slos/bench.job", "{\"target\":0.99}");
            call(api, "PUT", "/flags/bench.flag", "{\"percentage\":50}");
            call(api, "POST", "/search/collections", "{\"name\":\"bench\",\"partitions\":1,\"mappings\":{\"properties\":{\"title\":{\"type\":\"text\"}}}}");
            String shard = control.jdbcUrl("bench_shard");
            try (Connection c = DriverManager.getConnection(shard, "root", ""); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, total INT NOT NULL,"
                        + " PRIMARY KEY (tenant_id, id))");
                st.execute("INSERT IGNORE INTO orders VALUES ('bench-acme', 7, 42)");
            }
            expect(201, call(api, "POST", "/sharding/shards", "{\"name\":\"bench-s0\",\"url\":\"" + shard.replace("&", "\\u0026")
                    + "\",\"keyRange\":null}"));
            expect(200, call(api, "PUT", "/sharding/tenants/bench-acme/pin", "{\"shard\":\"bench-s0\"}"));
            expect(200, call(api, "PUT", "/llm/deployments/bench-gpt-1", "{\"provider\":\"openai\",\"model\":\"gpt-test\",\"endpoint\":\""
                    + llm.endpoint() + "/\",\"apiKey\":\"sk-bench\",\"requestsPerMinute\":1000000,\"timeoutMillis\":5000}"));
            expect(200, call(api, "PUT", "/llm/routes/bench-gpt", "{\"strategy\":\"ordered\",\"deployments\":[\"bench-gpt-1\"]}"));
            Thread.sleep(3000); // every node has the SLO, the flag and the collection
            System.out.printf("machine: %d cores; mix of %d calls per loop, %d closed-loop clients, %d s per round%n",
                    Runtime.getRuntime().availableProcessors(), MIX.size(), clients, seconds);
            Map<Integer, Double> rates = new LinkedHashMap<>();
            for (int n = 1; n <= 3; n++) {
                Map<String, Integer> nodes = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    nodes.put(fleet.node(i).id(), fleet.node(i).ports().http());
                }
                try (Haproxy lb = Haproxy.start(work.resolve("lb-" + n), MariaDb.freePort(), nodes)) {
                    for (String node : nodes.keySet()) {
                        lb.awaitState(node, "UP", Duration.ofSeconds(30));
                    }
                    load(lb.url() + "/api", clients, 3, null); // warm-up
                    Result r = load(lb.url() + "/api", clients, seconds, null);
                    rates.put(n, r.perSecond());
                    System.out.printf("%d node(s) behind HAProxy: %.0f requests/s (%d requests, %d failed), %.2fx one node%n",
                            n, r.perSecond(), r.requests(), r.failed(), r.perSecond() / rates.get(1));
                }
            }
            // a node killed under load, through the fleet's own balancer (all three nodes)
            Haproxy lb = fleet.balancer().orElseThrow();
            String holder = evaluator(api);
            int victim = indexOf(fleet, holder);
            Result killed = load(api, clients, seconds, () -> fleet.kill(victim));
            long killedAt = killed.killedAtMillis();
            String next = null;
            long movedAt = 0;
            while (System.currentTimeMillis() < killedAt + 120_000) {
                String h = evaluator(api);
                if (h != null && !h.equals(holder)) {
                    next = h;
                    movedAt = System.currentTimeMillis();
                    break;
                }
                Thread.sleep(100);
            }
            System.out.printf("node %s (the heartbeat evaluator) killed with SIGKILL under load: %d requests, %d failed %s%n",
                    holder, killed.requests(), killed.failed(), killed.firstFailure());
            System.out.printf("evaluator lease moved to %s %d ms after the kill (lease %d s, renewed every third of it)%n",
                    next, next == null ? -1 : movedAt - killedAt, 10);
            fleet.restart(victim);
            lb.awaitState(fleet.node(victim).id(), "UP", Duration.ofSeconds(60));
        }
    }

    private record Result(long requests, long failed, double perSecond, long killedAtMillis, String firstFailure) {
    }

    /** Closed-loop clients over the mix for {@code seconds}; {@code midway}, if any, runs halfway through. */
    private static Result load(String api, int clients, int seconds, Runnable midway) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong requests = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            loops.add(pool.submit(() -> {
                int i = offset;
                long version = System.currentTimeMillis() * 1000;
                while (running.get()) {
                    Call call = MIX.get(i++ % MIX.size());
                    boolean write = call.method().equals("PUT");
                    String path = write ? call.path() + offset : call.path();
                    String body = write ? "{\"version\":" + (++version) + ",\"document\":{\"title\":\"bench doc\"}}" : call.body();
                    try {
                        HttpResponse<String> r = call(api, call.method(), path, body);
                        if (r.statusCode() >= 300) {
                            failed.incrementAndGet();
                            failures.add(r.statusCode() + " " + call.path());
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        failures.add(e.toString());
                    }
                    requests.incrementAndGet();
                }
            }));
        }
        long start = System.nanoTime();
        long killedAt = 0;
        if (midway != null) {
            Thread.sleep(seconds * 500L);
            killedAt = System.currentTimeMillis();
            midway.run();
            Thread.sleep(seconds * 500L);
        } else {
            Thread.sleep(seconds * 1000L);
        }
        running.set(false);
        for (Future<?> f : loops) {
            f.get();
        }
        pool.shutdown();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(requests.get(), failed.get(), requests.get() / elapsed, killedAt, failures.isEmpty() ? "" : failures.subList(0, Math.min(3, failures.size())).toString());
    }

    private static void expect(int status, HttpResponse<String> r) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + ": " + r.statusCode() + " " + r.body());
        }
    }

    private static String evaluator(String api) {
        try {
            Matcher m = LEASE.matcher(call(api, "GET", "/fleet?leases=heartbeat.evaluator", null).body());
            return m.find() ? m.group(1) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static int indexOf(LocalFleet fleet, String nodeId) {
        for (int i = 0; i < fleet.nodes().size(); i++) {
            if (fleet.node(i).id().equals(nodeId)) {
                return i;
            }
        }
        throw new IllegalStateException("no node " + nodeId);
    }

    private static HttpResponse<String> call(String api, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", OPERATOR)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
