package io.headroom.bench;

import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Releases on three nodes behind HAProxy, with an open-loop load of greeting requests through the balancer (four
 * tenants in turn, each with its own token):
 * <ol>
 *   <li>a new version of the example capability, canary (1 node, watched 5 s) then the whole fleet: time from the
 *   start to every node running it, and requests failed meanwhile;</li>
 *   <li>a broken version (a bundle of the example whose greetings all fail with 500 and report the failed
 *   {@code example.greet} job to the heartbeat, see {@code io.headroom.bench.broken}) released to the whole fleet at
 *   once, guarded by that job: its failures page (each tenant's; the rule rolls back on pages of a quorum of tenants
 *   or a platform-wide page), the guard rolls it back. Times, as this process sees them (polled about every 50 ms):
 *   first failed greeting, the first page, the rollback decided, every node back on the previous version; and the
 *   greetings failed before the first page, from it to every node back, and in the 5 s after.</li>
 * </ol>
 * Usage: ReleaseBench distribution.tar.gz [requests per second]
 */
public final class ReleaseBench {
    private static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String UNIT = "io.headroom.example";
    private static final List<String> TENANTS = List.of("acme", "globex", "initech", "umbrella");

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Path work = Path.of("bench", "target", "release").toAbsolutePath();
        try (MariaDbServer control = MariaDbServer.start(work.resolve("control-db"), 1);
             ElasticMq sqs = ElasticMq.start(0);
             ElasticsearchProcess es = ElasticsearchProcess.start(work.resolve("es"), 0, "384m");
             LocalFleet fleet = LocalFleet.start(work.resolve("fleet"), distribution,
                     new LocalFleet.Backends(control.jdbcUrl("headroom"), "root", "", sqs.endpoint(), es.endpoint()),
                     List.of(LocalFleet.Ports.free(), LocalFleet.Ports.free(), LocalFleet.Ports.free()),
                     Map.of("io.headroom.heartbeat", Map.of("flushSeconds", "1", "evaluateSeconds", "1", "evaluatorLeaseSeconds", "3"),
                             "io.headroom.fleet", Map.of("heartbeatMillis", "500", "liveMillis", "3000"),
                             "io.headroom.heartbeat.releases", Map.of("reconcileMillis", "500", "driveMillis", "500", "driverLeaseSeconds", "3")),
                     null, MariaDb.freePort())) {
            String api = fleet.url() + "/api";
            byte[] original;
            try (Stream<Path> s = Files.walk(fleet.node(0).karaf().home().resolve("system/io/headroom/headroom-example"))) {
                original = Files.readAllBytes(s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow());
            }
            byte[] r2 = withVersion(original, "0.1.0.r2");
            byte[] broken = brokenJar("0.1.1.broken");
            upload(api, r2);
            upload(api, broken);
            call(api, "PUT", "/heartbeat/slos/example.greet", "{\"target\":0.99}");
            // four customers, each with its own token: one tenant's failures page that tenant only, never the fleet's
            // release (the rule wants a quorum of tenants or the platform), so a broken version must fail for several
            List<HttpRequest> greetings = new ArrayList<>();
            for (String tenant : TENANTS) {
                String token = "Bearer " + field(call(api, "POST", "/tokens", "{\"name\":\"bench-" + tenant + "\",\"tenant\":\""
                        + tenant + "\"}").body(), "token");
                greetings.add(HttpRequest.newBuilder(URI.create(fleet.url() + "/api/example/tenants/" + tenant + "/greeting"))
                        .header("Authorization", token).timeout(Duration.ofSeconds(30)).build());
            }
            // a token made through one node reaches the others' caches within their refresh interval (1 s)
            Thread.sleep(2000);
            System.out.printf("machine: %d cores; 3 nodes behind HAProxy; %d greeting requests/s through the balancer;"
                    + " %d tenants in turn; reconcile and drive every 500 ms, heartbeat evaluation every 1 s%n",
                    Runtime.getRuntime().availableProcessors(), rate, TENANTS.size());

            Load load = new Load(greetings, rate);
            Thread.sleep(2000);
            long before = load.failed();
            long t0 = System.nanoTime();
            long id = number(call(api, "POST", "/releases", "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r2\","
                    + "\"canary\":1,\"steps\":\"100%\",\"watch\":\"5s\"}").body(), "id");
            await(() -> running(api, id, "0.1.0.r2") == 3, 180);
            double fleetWide = (System.nanoTime() - t0) / 1e9;
            await(() -> state(api, id).equals("completed"), 60);
            long sent1 = load.sent();
            System.out.printf("release 1 (canary 1 node watched 5 s, then all): every node runs it %.1f s after the start;"
                    + " %d greeting requests failed of %d sent so far%n", fleetWide, load.failed() - before, sent1);

            // a really broken version everywhere: its own greetings fail, the heartbeat pages, the guard rolls it back
            load.markFailures();
            long sent2 = load.sent();
            long s0 = System.nanoTime();
            long id2 = number(call(api, "POST", "/releases", "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.1.broken\","
                    + "\"steps\":\"100%\",\"watch\":\"5m\"}").body(), "id");
            long page = 0;
            long decided = 0;
            long back = 0;
            int maxBroken = 0;
            long deadline = System.currentTimeMillis() + 180_000;
            while (back == 0) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the broken release was not rolled back within 180 s: "
                            + call(api, "GET", "/releases/" + id2, null).body() + "; alerts: "
                            + call(api, "GET", "/heartbeat/alerts?limit=20", null).body() + "; greetings failed: " + load.failed());
                }
                maxBroken = Math.max(maxBroken, running(api, id2, "0.1.1.broken"));
                if (page == 0 && pageOpen(api)) {
                    page = System.nanoTime();
                }
                String state = state(api, id2);
                if (decided == 0 && (state.equals("rolling_back") || state.equals("rolled_back"))) {
                    decided = System.nanoTime();
                }
                if (state.equals("rolled_back") && running(api, id2, "0.1.0.r2") == 3) {
                    back = System.nanoTime();
                }
                Thread.sleep(50);
            }
            long firstFailure = load.firstFailureNanos();
            if (page == 0) {
                page = decided; // the page and the decision between two looks
            }
            Thread.sleep(5000);
            System.out.printf("release 2 (a broken version to every node at once, at most %d seen running it): first failed"
                    + " greeting %.1f s after the start; first page %.1f s after the first failure; rollback decided %.1f s"
                    + " after the first page; every node back on 0.1.0.r2 %.1f s after the first page (%.1f s after the"
                    + " decision, %.1f s after the first failure)%n", maxBroken, (firstFailure - s0) / 1e9,
                    (page - firstFailure) / 1e9, (decided - page) / 1e9, (back - page) / 1e9, (back - decided) / 1e9,
                    (back - firstFailure) / 1e9);
            System.out.printf("greetings failed: %d before the first page, %d from the first page to every node back, %d in the 5 s after;"
                    + " %d sent from the start of release 2%n", load.failedBetween(s0, page), load.failedBetween(page, back),
                    load.failedBetween(back, Long.MAX_VALUE), load.sent() - sent2);
            String release2 = call(api, "GET", "/releases/" + id2, null).body();
            System.out.println("decision: " + field(release2, "reason"));
            System.out.println("the platform's own time to restore (page to every live node back, server clocks): "
                    + call(api, "GET", "/releases/figures?window=1d", null).body().replaceAll(".*\"timeToRestoreSeconds\":([0-9.-]+).*", "$1") + " s");
            load.stop();
            System.out.println("load: " + load.sent() + " requests, " + load.failed() + " failed " + load.firstFailures());
        }
    }

    /** Open-loop GETs at a fixed rate; a failure is an error or a status other than 200 (or 503 with Retry-After). */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<CompletableFuture<Void>> inFlight = new ConcurrentLinkedQueue<>();
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        /** When each failed request was answered (nanoTime), from the last mark on. */
        private final ConcurrentLinkedQueue<Long> failedAt = new ConcurrentLinkedQueue<>();
        private final Thread thread;

        Load(List<HttpRequest> requests, int rate) {
            long period = 1_000_000_000L / rate;
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (running.get()) {
                    sent.incrementAndGet();
                    HttpRequest request = requests.get((int) (sent.get() % requests.size()));
                    inFlight.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                        boolean ok = e == null && (r.statusCode() == 200 || r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent());
                        if (!ok) {
                            failed.incrementAndGet();
                            failedAt.add(System.nanoTime());
                            failures.add(e != null ? e.toString() : r.statusCode() + " " + r.body());
                        }
                        return null;
                    }));
                    next += period;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
            }, "bench-load");
            thread.setDaemon(true); // a run that fails ends its JVM (and frees the machine) instead of loading on
            thread.start();
        }

        long sent() {
            return sent.get();
        }

        long failed() {
            return failed.get();
        }

        void markFailures() {
            failedAt.clear();
        }

        /** The first failure since the mark (nanoTime); fails when there was none. */
        long firstFailureNanos() {
            return failedAt.stream().mapToLong(Long::longValue).min().orElseThrow(() -> new IllegalStateException("no failed greeting"));
        }

        /** Failed requests answered in [from, to). */
        long failedBetween(long from, long to) {
            return failedAt.stream().filter(t -> t >= from && t < to).count();
        }

        String firstFailures() {
            synchronized (failures) {
                return failures.subList(0, Math.min(3, failures.size())).toString();
            }
        }

        void stop() throws Exception {
            running.set(false);
            thread.join();
            for (CompletableFuture<Void> f : inFlight) {
                f.get();
            }
        }
    }

    /** Whether a page for the example's job is open. */
    private static boolean pageOpen(String api) {
        try {
            Matcher m = Pattern.compile("\\{[^{}]*\\}").matcher(call(api, "GET", "/heartbeat/alerts?limit=100", null).body());
            while (m.find()) {
                String a = m.group();
                if (a.contains("\"job\":\"example.greet\"") && a.contains("\"severity\":\"page\"") && a.contains("\"resolvedAt\":null")) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The broken version of the example: its bundle name and the job it declares, and an activator that publishes the
     * failing greeting resource in place of the example's (both classes from this module, packed as they are).
     */
    private static byte[] brokenJar(String version) throws Exception {
        Manifest m = new Manifest();
        java.util.jar.Attributes a = m.getMainAttributes();
        a.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", UNIT);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Activator", "io.headroom.bench.broken.BrokenGreetingActivator");
        a.putValue("Import-Package", "io.headroom.core.api,io.headroom.core.api.rest,io.headroom.core.api.signal,"
                + "javax.ws.rs,javax.ws.rs.core,org.osgi.framework");
        a.putValue("Headroom-Capability", "example");
        a.putValue("Headroom-Jobs", "example.greet");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, m)) {
            for (String c : List.of("BrokenGreetingActivator", "BrokenGreetingResource")) {
                String name = "io/headroom/bench/broken/" + c + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (java.io.InputStream in = ReleaseBench.class.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static int running(String api, long id, String version) {
        try {
            Matcher m = Pattern.compile("\\{[^{}]*\\}").matcher(call(api, "GET", "/releases/" + id, null).body());
            int n = 0;
            while (m.find()) {
                if (m.group().contains("\"running\":\"" + version + "\"") && m.group().contains("\"live\":true")) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    private static String state(String api, long id) {
        try {
            return field(call(api, "GET", "/releases/" + id, null).body(), "state");
        } catch (Exception e) {
            return "";
        }
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not reached within " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }

    private static void upload(String api, byte[] jar) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jar));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/releases/artifacts?sha256=" + sha))
                .header("Authorization", OPERATOR).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jar)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("upload: " + r.statusCode() + " " + r.body());
        }
    }

    private static byte[] withVersion(byte[] jar, String version) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream o = new JarOutputStream(out, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    o.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(o);
                    o.closeEntry();
                }
            }
        }
        return out.toByteArray();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    private static long number(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
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
