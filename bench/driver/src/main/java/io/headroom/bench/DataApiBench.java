package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.fixtures.KarafProcess;
import io.headroom.fixtures.MariaDb;
import io.headroom.sharding.internal.BenchAccess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The sharding Data API against the paths it wraps, in one run on the same shards: a point select and a single-row
 * insert through direct Connector/J + HikariCP on the tenant's shard, through the in-process router (this JVM), and
 * through {@code POST /api/sharding/tenants/{tenant}/sql} on a Karaf node that reads the same topology from the same
 * control schema (a platform token, HTTP/1.1 keep-alive), from {@code java.net.http.HttpClient} and from a blocking
 * client with one connection per client thread; and the blocking client once more with the node's direct endpoint
 * disabled through its shell, so the JAX-RS resource serves the same path as it did before the direct endpoint (the
 * baseline of that change, in the same run). Rounds alternate between the paths; each path's CPU per operation is
 * reported for this process and for the Karaf node.
 */
final class DataApiBench {
    private static final String POINT = "SELECT id, status, total FROM orders WHERE tenant_id = ? AND id = ?";
    private static final String INSERT = "INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'new', 1)";
    /** The same requests from a blocking client: one keep-alive connection per client thread, no executor hand-offs. */
    private static final String BLOCKING = "Data API over REST, blocking client";
    /** The same requests served as before the direct endpoint: its component disabled, the JAX-RS resource answers. */
    private static final String JAXRS = "Data API over REST through JAX-RS, blocking client";
    private static final String DATA_ENDPOINT = "io.headroom.sharding.internal.rest.DataEndpoint";
    private static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));

    private DataApiBench() {
    }

    interface Op {
        void run(int tenant, int id) throws Exception;
    }

    /** Runs {@code op} with {@code clients} closed-loop clients for {@code seconds}; sorted latencies in ns. */
    interface Loop {
        long[] run(Op op, int clients, int seconds) throws Exception;
    }

    static void run(BenchAccess.Sharding router, Map<String, DataSource> direct, MariaDb control, String schema, int tenants,
            int clients, int seconds, Loop loop) throws Exception {
        Path distribution = Path.of(System.getProperty("headroom.distribution"));
        Path home = Path.of("bench", "driver", "target", "dataapi-" + ProcessHandle.current().pid()).toAbsolutePath();
        try (KarafProcess karaf = KarafProcess.unpack(distribution, home, MariaDb.freePort(), control.jdbcUrl(schema), control.user(),
                control.password())) {
            karaf.configure("io.headroom.sharding", "shardedTables", "orders");
            int ssh = MariaDb.freePort();
            karaf.configurePorts(ssh, MariaDb.freePort(), MariaDb.freePort());
            karaf.start();
            if (!karaf.awaitBooted(Duration.ofMinutes(5))) { // no Elasticsearch here: search is DOWN, the rest UP
                throw new IllegalStateException("the node did not boot; see " + home.resolve("data/log/karaf.log"));
            }
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            String created = send(http, karaf.api() + "/tokens", OPERATOR, "{\"name\":\"bench\",\"platform\":true}").body();
            Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(created);
            if (!m.find()) {
                throw new IllegalStateException("no token: " + created);
            }
            String token = "Bearer " + m.group(1);
            String probe = karaf.api() + "/sharding/tenants/tenant-0/sql";
            long deadline = System.currentTimeMillis() + 60_000;
            while (send(http, probe, token, body(POINT, "tenant-0", 0)).statusCode() != 200) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the node's Data API does not answer: " + send(http, probe, token, body(POINT, "tenant-0", 0)).body());
                }
                Thread.sleep(500);
            }
            TenantId[] ids = new TenantId[tenants];
            DataSource[] shardOf = new DataSource[tenants];
            for (int i = 0; i < tenants; i++) {
                ids[i] = TenantId.of("tenant-" + i);
                shardOf[i] = direct.get(router.router().locate(ids[i]).shard());
            }
            AtomicLong nextId = new AtomicLong(10_000_000);
            Map<String, Op> selects = new LinkedHashMap<>();
            selects.put("direct Connector/J + HikariCP", (t, id) -> {
                try (Connection c = shardOf[t].getConnection(); PreparedStatement ps = c.prepareStatement(POINT)) {
                    ps.setString(1, ids[t].value());
                    ps.setInt(2, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("no row");
                        }
                    }
                }
            });
            selects.put("in-process router", (t, id) -> {
                if (router.router().forTenant(ids[t]).query(POINT, ids[t].value(), id).size() != 1) {
                    throw new IllegalStateException("expected one row");
                }
            });
            selects.put("Data API over REST", (t, id) -> rest(http, karaf.api(), token, ids[t].value(), body(POINT, ids[t].value(), id)));
            KeepAliveHttp blocking = new KeepAliveHttp(karaf.baseUrl());
            selects.put(BLOCKING, (t, id) -> rest(blocking, token, ids[t].value(), body(POINT, ids[t].value(), id)));
            selects.put(JAXRS, selects.get(BLOCKING));
            Map<String, Op> inserts = new LinkedHashMap<>();
            inserts.put("direct Connector/J + HikariCP", (t, id) -> {
                try (Connection c = shardOf[t].getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
                    ps.setString(1, ids[t].value());
                    ps.setLong(2, nextId.incrementAndGet());
                    ps.executeUpdate();
                }
            });
            inserts.put("in-process router", (t, id) -> router.router().forTenant(ids[t]).update(INSERT, ids[t].value(), nextId.incrementAndGet()));
            inserts.put("Data API over REST", (t, id) -> rest(http, karaf.api(), token, ids[t].value(), body(INSERT, ids[t].value(), nextId.incrementAndGet())));
            inserts.put(BLOCKING, (t, id) -> rest(blocking, token, ids[t].value(), body(INSERT, ids[t].value(), nextId.incrementAndGet())));
            inserts.put(JAXRS, inserts.get(BLOCKING));
            // each tenant once through the node (its first statement on a node records the tenant in the control schema,
            // once per node), then the node's JIT warmed on the REST path before any round
            for (int i = 0; i < tenants; i++) {
                rest(blocking, token, ids[i].value(), body(POINT, ids[i].value(), 0));
            }
            // a freshly booted node spends more CPU compiling than serving for its first minute or so (JFR: the JIT's
            // compiler threads used more CPU than the request threads in 10-second warm-ups on a loaded machine)
            int warmup = Integer.getInteger("headroom.bench.dataapi.warmupSeconds", 30);
            DirectSwitch endpointSwitch = new DirectSwitch(karaf, ssh);
            for (boolean on : new boolean[] {false, true}) { // the JAX-RS path warmed as long as the direct one
                endpointSwitch.set(on);
                loop.run(selects.get(BLOCKING), clients, warmup);
                loop.run(inserts.get(BLOCKING), clients, warmup);
            }
            ProcessHandle node = karaf.jvm().orElseThrow();
            compare("point select", selects, clients, seconds, loop, node, endpointSwitch);
            compare("single-row insert", inserts, clients, seconds, loop, node, endpointSwitch);
        }
    }

    private static long cpuNanos(ProcessHandle h) {
        return h.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Enables or disables the node's direct Data API endpoint through its shell (the JAX-RS resource serves while it is off). */
    private static final class DirectSwitch {
        private final KarafProcess karaf;
        private final int ssh;
        private Boolean on;

        DirectSwitch(KarafProcess karaf, int ssh) {
            this.karaf = karaf;
            this.ssh = ssh;
        }

        void set(boolean enabled) throws Exception {
            if (on != null && on == enabled) {
                return;
            }
            Process p = new ProcessBuilder(karaf.home().resolve("bin/client").toString(), "-a", String.valueOf(ssh), "-h", "127.0.0.1", "-r", "10", "-b",
                    "-u", "karaf", "-p", KarafProcess.TEST_OPERATOR_PASSWORD).redirectErrorStream(true).start();
            try (java.io.OutputStream in = p.getOutputStream()) {
                in.write(("scr:" + (enabled ? "enable " : "disable ") + DATA_ENDPOINT + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 || out.contains("rror")) {
                throw new IllegalStateException("cannot " + (enabled ? "enable" : "disable") + " the direct endpoint: " + out);
            }
            Thread.sleep(500); // the component's (de)activation and the REST host's (un)binding follow the command
            on = enabled;
        }
    }

    private static void compare(String what, Map<String, Op> paths, int clients, int seconds, Loop loop, ProcessHandle node,
            DirectSwitch direct) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        Map<String, long[]> cpu = new LinkedHashMap<>(); // per path: this process's and the node's CPU ns in its rounds
        for (Map.Entry<String, Op> op : paths.entrySet()) {
            direct.set(!op.getKey().equals(JAXRS));
            loop.run(op.getValue(), clients, 3); // warm-up
        }
        int rounds = 3;
        Map<String, List<long[]>> latencies = new LinkedHashMap<>();
        paths.keySet().forEach(k -> latencies.put(k, new ArrayList<>()));
        paths.keySet().forEach(k -> cpu.put(k, new long[2]));
        for (int round = 0; round < rounds; round++) {
            List<String> order = new ArrayList<>(paths.keySet());
            java.util.Collections.rotate(order, round); // who goes first changes each round
            for (String path : order) {
                direct.set(!path.equals(JAXRS));
                long self = os.getProcessCpuTime();
                long karaf = cpuNanos(node);
                latencies.get(path).add(loop.run(paths.get(path), clients, seconds));
                cpu.get(path)[0] += os.getProcessCpuTime() - self;
                cpu.get(path)[1] += cpuNanos(node) - karaf;
            }
        }
        System.out.printf("%s, %d closed-loop clients, %d rounds x %d s per path, alternating%n", what, clients, rounds, seconds);
        System.out.println("| path | per second | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|");
        Map<String, double[]> figures = new LinkedHashMap<>();
        for (Map.Entry<String, List<long[]>> e : latencies.entrySet()) {
            long[] all = e.getValue().stream().flatMapToLong(java.util.Arrays::stream).sorted().toArray();
            double rate = all.length / (double) (rounds * seconds);
            double p50 = all[(int) (0.5 * all.length)] / 1e6;
            double p99 = all[Math.min(all.length - 1, (int) (0.99 * all.length))] / 1e6;
            figures.put(e.getKey(), new double[] {rate, p50, p99});
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.3f | %.3f |%n", e.getKey(), rate, p50, p99);
        }
        System.out.println("| path | this process's CPU per operation, us | the Karaf node's CPU per operation, us | the Karaf node's CPU per second of its rounds, ms |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, long[]> e : cpu.entrySet()) {
            long ops = latencies.get(e.getKey()).stream().mapToLong(a -> a.length).sum();
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", e.getKey(), e.getValue()[0] / 1e3 / ops, e.getValue()[1] / 1e3 / ops,
                    e.getValue()[1] / 1e6 / (rounds * seconds));
        }
        double[] router = figures.get("in-process router");
        double[] rest = figures.get("Data API over REST");
        System.out.printf(Locale.ROOT, "%s: REST (java.net.http client) / router throughput %.3f (goal 0.5), p50 %+.3f ms (goal +1), p99 %+.3f ms (goal +3)%n",
                what, rest[0] / router[0], rest[1] - router[1], rest[2] - router[2]);
        double[] blocking = figures.get(BLOCKING);
        System.out.printf(Locale.ROOT, "%s: REST (blocking client) / router throughput %.3f (goal 0.5), p50 %+.3f ms (goal +1), p99 %+.3f ms (goal +3)%n",
                what, blocking[0] / router[0], blocking[1] - router[1], blocking[2] - router[2]);
        double[] jaxrs = figures.get(JAXRS);
        System.out.printf(Locale.ROOT, "%s: REST through JAX-RS (blocking client) / router throughput %.3f, p50 %+.3f ms, p99 %+.3f ms;"
                + " direct / JAX-RS throughput %.2f%n", what, jaxrs[0] / router[0], jaxrs[1] - router[1], jaxrs[2] - router[2], blocking[0] / jaxrs[0]);
    }

    private static void rest(HttpClient http, String api, String token, String tenant, String body) throws Exception {
        HttpResponse<String> r = send(http, api + "/sharding/tenants/" + tenant + "/sql", token, body);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
    }

    private static void rest(KeepAliveHttp http, String token, String tenant, String body) throws Exception {
        KeepAliveHttp.Response r = http.post("/api/sharding/tenants/" + tenant + "/sql", token, body);
        if (r.status() != 200) {
            throw new IllegalStateException(r.status() + " " + r.body());
        }
    }

    private static String body(String sql, String tenant, long id) {
        return "{\"sql\":\"" + sql + "\",\"params\":[\"" + tenant + "\"," + id + "]}";
    }

    private static HttpResponse<String> send(HttpClient http, String url, String auth, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Authorization", auth)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
