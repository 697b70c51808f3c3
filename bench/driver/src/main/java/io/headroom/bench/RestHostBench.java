package io.headroom.bench;

import io.headroom.fixtures.KarafProcess;
import io.headroom.fixtures.MariaDb;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Foundation benchmarks, baseline and Headroom in one run:
 * <ol>
 * <li>cold start: a freshly unpacked distribution to /api/health UP (several starts, median);</li>
 * <li>REST host overhead: the same trivial JAX-RS resource served through the REST host (token auth, tenant check,
 * problem mapping, request id, gate) and bare on CXF's own servlet in the same Karaf, driven alternately by the same
 * closed-loop clients; requests/s and latency percentiles, and their ratios;</li>
 * <li>what measuring costs: the same resource through the REST host with its request metrics on and off
 * ({@code requestMetrics} in {@code io.headroom.rest.cfg}, switched between rounds), and the ratio;</li>
 * <li>what the tenant load ledger costs: the same with {@code tenantAdmission} on and off (each request reported as the
 * tenant's load on the rest layer, its REST limit looked up), and the ratio.</li>
 * </ol>
 * Usage: RestHostBench &lt;distribution.tar.gz&gt; &lt;bench bundle jar&gt; [seconds per round] [clients] [rounds] [cold starts]
 * (defaults 10 16 5 3).
 */
public final class RestHostBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Round(String target, long requests, long errors, double seconds, long[] latenciesNanos) {
        double rps() {
            return requests / seconds;
        }

        double percentileMillis(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            long[] sorted = latenciesNanos.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        Path bundle = Path.of(args[1]);
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int coldStarts = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        Path work = Path.of("bench", "target", "run").toAbsolutePath();

        try (MariaDb db = MariaDb.machineOrEmbedded()) {
            List<String> schemas = new ArrayList<>();
            double[] cold = new double[coldStarts];
            KarafProcess karaf = null;
            try {
                for (int i = 0; i < coldStarts; i++) {
                    if (karaf != null) {
                        karaf.close();
                    }
                    String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
                    schemas.add(schema);
                    karaf = KarafProcess.unpack(distribution, work, MariaDb.freePort(), db.jdbcUrl(schema), db.user(), db.password());
                    long t0 = System.nanoTime();
                    karaf.start();
                    if (!karaf.awaitBooted(Duration.ofMinutes(5))) { // no Elasticsearch here: search is DOWN, the rest UP
                        throw new IllegalStateException("distribution did not become healthy; see " + karaf.home().resolve("data/log/karaf.log"));
                    }
                    cold[i] = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("cold start %d: %.2f s%n", i + 1, cold[i]);
                }
                run(karaf, bundle, seconds, clients, rounds, cold, db.isEmbedded());
            } finally {
                if (karaf != null) {
                    karaf.close();
                }
                schemas.forEach(db::dropSchema);
            }
        }
    }

    private static void run(KarafProcess karaf, Path bundle, int seconds, int clients, int rounds, double[] cold, boolean embeddedDb)
            throws Exception {
        // hot-deploy the probe bundle into the running platform
        Files.copy(bundle, karaf.home().resolve("deploy").resolve(bundle.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        String operator = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(karaf.api() + "/tokens"))
                .header("Authorization", operator).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"tenant\":\"acme\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(created.body());
        if (!m.find()) {
            throw new IllegalStateException("no token: " + created.body());
        }
        HttpRequest hosted = HttpRequest.newBuilder(URI.create(karaf.api() + "/bench/tenants/acme/ping"))
                .header("Authorization", "Bearer " + m.group(1)).build();
        HttpRequest bare = HttpRequest.newBuilder(URI.create(karaf.baseUrl() + "/cxf/bare/tenants/acme/ping")).build();
        awaitOk(hosted);
        awaitOk(bare);

        // both paths share most of the code (Jetty, CXF, Jackson): warm them up alternately until the JIT settles
        for (int i = 0; i < 3; i++) {
            drive("warm-up bare", bare, 5, clients);
            drive("warm-up host", hosted, 5, clients);
        }
        List<Round> bareRounds = new ArrayList<>();
        List<Round> hostRounds = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            bareRounds.add(drive("bare CXF", bare, seconds, clients));
            hostRounds.add(drive("REST host", hosted, seconds, clients));
        }
        Round b = merge("bare CXF", bareRounds);
        Round h = merge("REST host", hostRounds);
        double[] sortedCold = cold.clone();
        Arrays.sort(sortedCold);
        System.out.println();
        System.out.printf("machine: %d cores, %s %s; control store: %s MariaDB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), embeddedDb ? "embedded" : "machine's");
        System.out.printf("cold start to healthy (median of %d): %.2f s (min %.2f, max %.2f)%n", cold.length,
                sortedCold[cold.length / 2], sortedCold[0], sortedCold[cold.length - 1]);
        System.out.printf("%d closed-loop clients, %d rounds x %d s per target, alternating%n", clients, rounds, seconds);
        System.out.println("| target | requests/s | p50 ms | p99 ms | errors |");
        System.out.println("|---|---|---|---|---|");
        for (Round r : List.of(b, h)) {
            System.out.printf("| %s | %.0f | %.2f | %.2f | %d |%n", r.target(), r.rps(), r.percentileMillis(0.5), r.percentileMillis(0.99), r.errors());
        }
        System.out.printf("REST host / bare: throughput %.3f, p99 %.3f%n", h.rps() / b.rps(), h.percentileMillis(0.99) / b.percentileMillis(0.99));

        List<Round> on = new ArrayList<>();
        List<Round> off = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            requestMetrics(karaf, false, hosted);
            off.add(drive("metrics off", hosted, seconds, clients));
            requestMetrics(karaf, true, hosted);
            on.add(drive("metrics on", hosted, seconds, clients));
        }
        Round mOn = merge("REST host, request metrics on", on);
        Round mOff = merge("REST host, request metrics off", off);
        for (Round r : List.of(mOff, mOn)) {
            System.out.printf("| %s | %.0f | %.2f | %.2f | %d |%n", r.target(), r.rps(), r.percentileMillis(0.5), r.percentileMillis(0.99), r.errors());
        }
        System.out.printf("metrics on / off: throughput %.3f, p99 %.3f%n", mOn.rps() / mOff.rps(), mOn.percentileMillis(0.99) / mOff.percentileMillis(0.99));

        List<Round> ledgerOn = new ArrayList<>();
        List<Round> ledgerOff = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            restSetting(karaf, "tenantAdmission", false, hosted);
            ledgerOff.add(drive("ledger off", hosted, seconds, clients));
            restSetting(karaf, "tenantAdmission", true, hosted);
            ledgerOn.add(drive("ledger on", hosted, seconds, clients));
        }
        Round lOn = merge("REST host, tenant load ledger on", ledgerOn);
        Round lOff = merge("REST host, tenant load ledger off", ledgerOff);
        for (Round r : List.of(lOff, lOn)) {
            System.out.printf("| %s | %.0f | %.2f | %.2f | %d |%n", r.target(), r.rps(), r.percentileMillis(0.5), r.percentileMillis(0.99), r.errors());
        }
        System.out.printf("ledger on / off: throughput %.3f, p99 %.3f%n", lOn.rps() / lOff.rps(), lOn.percentileMillis(0.99) / lOff.percentileMillis(0.99));
    }

    /** Switches the REST host's request metrics through its configuration file and waits until it serves again. */
    private static void requestMetrics(KarafProcess karaf, boolean on, HttpRequest probe) throws Exception {
        restSetting(karaf, "requestMetrics", on, probe);
    }

    /** Switches one boolean of the REST host's configuration file and waits until it serves again. */
    private static void restSetting(KarafProcess karaf, String key, boolean on, HttpRequest probe) throws Exception {
        Path cfg = karaf.home().resolve("etc").resolve("io.headroom.rest.cfg");
        String text = Files.readString(cfg);
        String line = key + " = " + on;
        Files.writeString(cfg, text.matches("(?s).*(?m:^" + key + " = ).*") ? text.replaceAll("(?m)^" + key + " = .*$", line)
                : text + System.lineSeparator() + line + System.lineSeparator());
        Thread.sleep(3000); // Karaf's file install polls every second; the REST host restarts with the new value
        awaitOk(probe);
        for (int i = 0; i < 3; i++) {
            drive("warm-up", probe, 2, 4);
        }
    }

    private static void awaitOk(HttpRequest request) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        int status = -1;
        while (System.currentTimeMillis() < deadline) {
            status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(request.uri() + " answered " + status);
    }

    private static Round drive(String target, HttpRequest request, int seconds, int clients) throws InterruptedException {
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] threads = new Thread[clients];
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int id = c;
            latencies[c] = new long[1 << 16];
            threads[c] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        if (HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    if (counts[id] == latencies[id].length) {
                        latencies[id] = Arrays.copyOf(latencies[id], latencies[id].length * 2);
                    }
                    latencies[id][counts[id]++] = System.nanoTime() - t0;
                }
            });
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long total = 0;
        for (int n : counts) {
            total += n;
        }
        long[] all = new long[(int) total];
        int pos = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(latencies[c], 0, all, pos, counts[c]);
            pos += counts[c];
        }
        Round r = new Round(target, total, errors.get(), elapsed, all);
        System.out.printf("  %-14s %8.0f req/s  p99 %.2f ms  errors %d%n", target, r.rps(), r.percentileMillis(0.99), r.errors());
        return r;
    }

    private static Round merge(String target, List<Round> rounds) {
        long requests = 0;
        long errors = 0;
        double seconds = 0;
        List<long[]> parts = new ArrayList<>();
        for (Round r : rounds) {
            requests += r.requests();
            errors += r.errors();
            seconds += r.seconds();
            parts.add(r.latenciesNanos());
        }
        long[] all = new long[(int) requests];
        int pos = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        return new Round(target, requests, errors, seconds, all);
    }
}
