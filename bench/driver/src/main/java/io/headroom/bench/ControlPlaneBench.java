package io.headroom.bench;

import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * What clients see of a control-database outage and of a control switchover: two nodes behind HAProxy on a control
 * primary with a replica, one closed-loop client per (capability, read or write) through the balancer. Phase 1 kills
 * the control primary for {@code outage} seconds and starts it again; phase 2 switches over to the replica. Per
 * client and phase: requests, failures (anything but 2xx, except a 503 with Retry-After for a write), writes refused
 * with 503 + Retry-After, and the longest stall (the longest single request).
 * Usage: ControlPlaneBench distribution.tar.gz [outage seconds]   (default 30)
 */
public final class ControlPlaneBench {
    private static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One client's figures in the current phase. */
    private static final class Tally {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong longestMillis = new AtomicLong();
        volatile String firstFailure = "";

        void reset() {
            requests.set(0);
            failed.set(0);
            refused.set(0);
            longestMillis.set(0);
            firstFailure = "";
        }

        void failed(String what) {
            if (failed.getAndIncrement() == 0) {
                firstFailure = what.length() > 200 ? what.substring(0, 200) : what;
            }
        }
    }

    private record Client(String capability, boolean write, String method, String path, String auth, String body) {
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        int outage = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path work = Path.of("bench", "target", "control-plane").toAbsolutePath();
        try (MariaDbServer primary = MariaDbServer.start(work.resolve("control-db"), 1);
             MariaDbServer replica = MariaDbServer.start(work.resolve("control-replica"), 2);
             ElasticMq sqs = ElasticMq.start(0);
             ElasticsearchProcess es = ElasticsearchProcess.start(work.resolve("es"), 0, "384m")) {
            replica.replicateFrom(primary);
            try (LocalFleet fleet = LocalFleet.start(work.resolve("fleet"), distribution,
                    new LocalFleet.Backends(primary.jdbcUrl("headroom"), "root", "", sqs.endpoint(), es.endpoint()),
                    List.of(LocalFleet.Ports.free(), LocalFleet.Ports.free()),
                    Map.of("io.headroom.store", Map.of("failoverUrls", replica.jdbcUrl("headroom"))), null, MariaDb.freePort())) {
                run(fleet.url() + "/api", primary, outage);
            }
        }
    }

    private static void run(String api, MariaDbServer primary, int outage) throws Exception {
        String token = "Bearer " + field(call(api, "POST", "/tokens", OPERATOR, "{\"name\":\"bench\",\"tenant\":\"bench-acme\"}").body(), "token");
        call(api, "PUT", "/flags/bench.reads", OPERATOR, "{\"allow\":[\"bench-acme\"]}");
        System.out.println("collection: " + call(api, "POST", "/search/collections", OPERATOR, "{\"name\":\"bench\",\"partitions\":1,\"mappings\":{\"properties\":{\"t\":{\"type\":\"text\"}}}}").body());
        System.out.println("document: " + call(api, "PUT", "/search/collections/bench/tenants/bench-acme/documents/1", token,
                "{\"version\":1,\"document\":{\"t\":\"bench doc\"}}").body());
        call(api, "PUT", "/heartbeat/slos/bench.job", OPERATOR, "{\"target\":0.99}");
        Thread.sleep(3000); // every node's caches have the token, the flag and the collection
        AtomicLong version = new AtomicLong(1);
        List<Client> clients = List.of(
                new Client("core", false, "GET", "/flags/bench.reads/tenants/bench-acme", token, null),
                new Client("core", true, "PUT", "/flags/bench.write", OPERATOR, "{\"percentage\":5}"),
                new Client("heartbeat", false, "GET", "/heartbeat/tenants/bench-acme", token, null),
                new Client("heartbeat", true, "POST", "/heartbeat/tenants/bench-acme/events", token,
                        "[{\"job\":\"bench.job\",\"success\":true,\"latencyMillis\":5}]"),
                new Client("heartbeat", true, "PUT", "/heartbeat/slos/bench.job", OPERATOR, "{\"target\":0.99}"),
                new Client("search", false, "GET", "/search/collections/bench/tenants/bench-acme/search?q=bench", token, null),
                new Client("search", true, "PUT", "/search/collections/bench/tenants/bench-acme/documents/2", token, null),
                new Client("sharding", false, "GET", "/sharding/tenants/bench-acme", token, null));
        Map<Client, Tally> tallies = new LinkedHashMap<>();
        clients.forEach(c -> tallies.put(c, new Tally()));
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        List<Future<?>> load = new ArrayList<>();
        for (Client c : clients) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    String body = c.body() != null ? c.body()
                            : c.write() ? "{\"version\":" + version.incrementAndGet() + ",\"document\":{\"t\":\"bench doc\"}}" : null;
                    drive(api, c, body, tallies.get(c));
                }
            }));
        }
        System.out.printf("machine: %d cores; 2 nodes behind HAProxy, one closed-loop client per row%n",
                Runtime.getRuntime().availableProcessors());
        Thread.sleep(5000);
        tallies.values().forEach(Tally::reset);
        primary.kill();
        Thread.sleep(outage * 1000L);
        primary.restart();
        Thread.sleep(15_000); // writes come back
        print("control database killed for " + outage + " s, then started again (15 s after it is back included)", tallies);
        tallies.values().forEach(Tally::reset);
        HttpResponse<String> s = call(api, "POST", "/control/switchover", OPERATOR, "{}");
        Thread.sleep(5000);
        print("control switchover to the replica (5 s after it): " + s.body(), tallies);
        running.set(false);
        for (Future<?> f : load) {
            f.get();
        }
        pool.shutdown();
    }

    private static void drive(String api, Client c, String body, Tally t) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = call(api, c.method(), c.path(), c.auth(), body);
            int status = r.statusCode();
            if (c.write() && status == 503 && r.headers().firstValue("Retry-After").isPresent()) {
                t.refused.incrementAndGet();
            } else if (status / 100 != 2) {
                t.failed(status + " " + r.body());
            }
        } catch (Exception e) {
            t.failed(e.toString());
        }
        t.requests.incrementAndGet();
        t.longestMillis.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
    }

    private static void print(String phase, Map<Client, Tally> tallies) {
        System.out.println(phase);
        System.out.printf("  %-10s %-6s %-55s %9s %7s %12s %11s%n", "capability", "kind", "request", "requests", "failed", "503+R-A", "longest ms");
        tallies.forEach((c, t) -> System.out.printf("  %-10s %-6s %-55s %9d %7d %12d %11d%n", c.capability(), c.write() ? "write" : "read",
                c.method() + " " + (c.path().length() > 50 ? c.path().substring(0, 50) : c.path()), t.requests.get(), t.failed.get(),
                t.refused.get(), t.longestMillis.get()));
        tallies.forEach((c, t) -> {
            if (!t.firstFailure.isEmpty()) {
                System.out.println("  first failure of " + c.method() + " " + c.path() + ": " + t.firstFailure);
            }
        });
    }

    private static HttpResponse<String> call(String api, String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60)).header("Authorization", auth)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }
}
