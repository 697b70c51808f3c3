package io.headroom.bench;

import com.sun.net.httpserver.HttpServer;
import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Remote workers against the built distribution on the SQS backend (ElasticMQ), same run:
 * <ol>
 * <li>pull throughput: {@code consumers} REST workers leasing 10 jobs at a time and acking them in one batch, vs the
 * same number of plain AWS SDK receive(10)/deleteBatch loops on a queue of the same ElasticMQ, both draining
 * {@code jobs} jobs submitted beforehand;</li>
 * <li>quiet tenants' p99 dwell (submit to lease, measured by the client) with 4 remote pull workers doing 20 ms jobs:
 * 8 quiet tenants submitting 4 jobs/s each for 20 s, without and then with a 10,000-job burst from one tenant;</li>
 * <li>push delivery rate to a local receiver (JDK HTTP server, 204), concurrency 16.</li>
 * </ol>
 * Usage: QueueRemoteBench distribution.tar.gz [jobs] [receivers] [pull]   (defaults: 10000 jobs, the node's 4 SQS receive
 * loops per queue pair; {@code pull} runs the throughput part only)
 */
public final class QueueRemoteBench {
    private static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LEASE = Pattern.compile("\"lease\":\"([^\"]+)\",\"expiresAt\":\"[^\"]*\",\"id\":\"([^\"]+)\",\"tenant\":\"([^\"]+)\"");
    private static final int CONSUMERS = 4;

    private static String api;

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String receivers = args.length > 2 ? args[2] : "4";
        boolean pullOnly = args.length > 3 && args[3].equals("pull");
        Path work = Path.of("bench", "target", "queue-remote").toAbsolutePath();
        try (MariaDbServer db = MariaDbServer.start(work.resolve("control-db"), 1);
             ElasticMq sqs = ElasticMq.start(0);
             ElasticsearchProcess es = ElasticsearchProcess.start(work.resolve("es"), 0, "384m");
             LocalFleet fleet = LocalFleet.start(work.resolve("fleet"), distribution,
                     new LocalFleet.Backends(db.jdbcUrl("headroom"), "root", "", sqs.endpoint(), es.endpoint()),
                     List.of(LocalFleet.Ports.free()), Map.of("io.headroom.queue.sqs", Map.of("refreshMillis", "500", "receivers", receivers)), null, null)) {
            api = fleet.url() + "/api";
            System.out.printf("machine: %d cores, %s; distribution %s; ElasticMQ %s; %s SQS receive loops per queue pair%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), distribution.getFileName(), sqs.endpoint(), receivers);
            String platform = "Bearer " + field(call("POST", "/tokens", OPERATOR, "{\"name\":\"bench-workers\",\"platform\":true}"), "token");

            // three alternating rounds; the first warms both paths up
            double plainSum = 0;
            double restSum = 0;
            double rest100Sum = 0;
            for (int round = 1; round <= 3; round++) {
                double plain = plainLoop(sqs.endpoint(), jobs);
                double rest = restLoop(platform, "bench.pull-" + round, jobs, 10);
                double rest100 = restLoop(platform, "bench.pull100-" + round, jobs, 100);
                System.out.printf("  round %d: plain SDK %.0f jobs/s, REST lease+ack by 10 %.0f jobs/s, by 100 %.0f jobs/s%n", round, plain, rest, rest100);
                if (round > 1) {
                    plainSum += plain;
                    restSum += rest;
                    rest100Sum += rest100;
                }
            }
            System.out.printf("pull throughput, %d jobs, %d consumers (mean of rounds 2-3): plain SDK receive/delete by 10 %.0f jobs/s; "
                    + "REST lease+ack by 10 %.0f jobs/s, ratio %.2f; by 100 %.0f jobs/s, ratio %.2f (goal 0.8)%n",
                    jobs, CONSUMERS, plainSum / 2, restSum / 2, restSum / plainSum, rest100Sum / 2, rest100Sum / plainSum);
            if (pullOnly) {
                return;
            }

            long[] quietOnly = dwell(platform, "bench.fair-a", false);
            long[] withBurst = dwell(platform, "bench.fair-b", true);
            long[] quietAgain = dwell(platform, "bench.fair-c", false);
            System.out.printf("quiet tenants' dwell, 4 remote workers, 20 ms jobs: no burst p50 %d ms p99 %d ms (%d jobs); "
                    + "10,000-job burst p50 %d ms p99 %d ms (%d jobs); no burst again p50 %d ms p99 %d ms (%d jobs); "
                    + "p99 ratio %.2f (goal 1.5) against the mean of both baselines%n", quietOnly[0], quietOnly[1], quietOnly[2],
                    withBurst[0], withBurst[1], withBurst[2], quietAgain[0], quietAgain[1], quietAgain[2],
                    (double) withBurst[1] / Math.max(1, (quietOnly[1] + quietAgain[1]) / 2.0));

            double push = push(5_000);
            System.out.printf("push delivery, 5,000 jobs, concurrency 16, local receiver: %.0f jobs/s%n", push);
        }
    }

    static String call(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", auth);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    private static SqsClient client(String endpoint) {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1).endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    private static double plainLoop(String endpoint, int jobs) throws Exception {
        try (SqsClient sqs = client(endpoint)) {
            String url = sqs.createQueue(b -> b.queueName("plain-" + UUID.randomUUID().toString().substring(0, 8))).queueUrl();
            for (int from = 0; from < jobs; from += 10) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int i = from; i < Math.min(jobs, from + 10); i++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody("job " + i).messageGroupId("t" + (i % 50)).build());
                }
                sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
            }
            AtomicInteger done = new AtomicInteger();
            long t0 = System.nanoTime();
            List<Thread> consumers = new ArrayList<>();
            for (int c = 0; c < CONSUMERS; c++) {
                Thread t = new Thread(() -> {
                    while (done.get() < jobs) {
                        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                        if (got.isEmpty()) {
                            continue;
                        }
                        List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
                        for (Message m : got) {
                            del.add(DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(del));
                        done.addAndGet(got.size());
                    }
                });
                consumers.add(t);
                t.start();
            }
            for (Thread t : consumers) {
                t.join();
            }
            return jobs / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void pullType(String type, int concurrency) throws Exception {
        call("PUT", "/queue/types/" + type, OPERATOR, "{\"delivery\":\"pull\",\"visibilitySeconds\":60,\"concurrency\":" + concurrency + "}");
    }

    private static void submit(String type, int jobs, String tenant) throws Exception {
        for (int from = 0; from < jobs; from += 500) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < Math.min(jobs, from + 500); i++) {
                b.append(i > from ? "," : "").append("{\"tenant\":\"").append(tenant == null ? "t" + (i % 50) : tenant)
                        .append("\",\"type\":\"").append(type).append("\",\"payload\":\"job ").append(i).append("\"}");
            }
            call("POST", "/queue/jobs", OPERATOR, b.append("]").toString());
        }
    }

    private static double restLoop(String platform, String type, int jobs, int batch) throws Exception {
        pullType(type, 1000);
        Thread.sleep(1500); // every node sees the type (refreshMillis 500)
        submit(type, jobs, null);
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        long t0 = System.nanoTime();
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            Thread t = new Thread(() -> {
                try {
                    while (done.get() < jobs) {
                        String body = call("POST", "/queue/types/" + type + "/lease", platform, "{\"max\":" + batch + ",\"waitSeconds\":1}");
                        Matcher m = LEASE.matcher(body);
                        List<String> leases = new ArrayList<>();
                        while (m.find()) {
                            leases.add("\"" + m.group(1) + "\"");
                        }
                        if (leases.isEmpty()) {
                            continue;
                        }
                        call("POST", "/queue/leases/ack", platform, "{\"leases\":[" + String.join(",", leases) + "]}");
                        done.addAndGet(leases.size());
                    }
                } catch (Exception e) {
                    failed.set(true);
                    e.printStackTrace();
                }
            });
            consumers.add(t);
            t.start();
        }
        for (Thread t : consumers) {
            t.join();
        }
        if (failed.get()) {
            throw new IllegalStateException("a REST worker failed");
        }
        return jobs / ((System.nanoTime() - t0) / 1e9);
    }

    /** Quiet tenants' dwell (p50, p99, count), with or without a 10,000-job burst from one tenant. */
    private static long[] dwell(String platform, String type, boolean burst) throws Exception {
        pullType(type, 16);
        Thread.sleep(1500);
        Map<String, Long> submitted = new ConcurrentHashMap<>();
        Map<String, Long> leasedAt = new ConcurrentHashMap<>(); // a job can be leased before its submitter has its id
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Thread t = new Thread(() -> {
                try {
                    while (running.get()) {
                        String body = call("POST", "/queue/types/" + type + "/lease", platform, "{\"max\":1,\"waitSeconds\":1}");
                        long now = System.nanoTime();
                        Matcher m = LEASE.matcher(body);
                        if (!m.find()) {
                            continue;
                        }
                        if (m.group(3).startsWith("quiet")) {
                            leasedAt.putIfAbsent(m.group(2), now);
                        }
                        Thread.sleep(20); // the job's work
                        call("POST", "/queue/leases/" + m.group(1) + "/ack", platform, null);
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        e.printStackTrace();
                    }
                }
            });
            workers.add(t);
            t.start();
        }
        Thread burster = null;
        if (burst) {
            burster = new Thread(() -> {
                try {
                    submit(type, 10_000, "bursty");
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            burster.start();
            Thread.sleep(200);
        }
        List<Thread> quiet = new ArrayList<>();
        for (int q = 0; q < 8; q++) {
            String tenant = "quiet" + q;
            Thread t = new Thread(() -> {
                try {
                    long end = System.currentTimeMillis() + 20_000;
                    while (System.currentTimeMillis() < end) {
                        long at = System.nanoTime();
                        String body = call("POST", "/queue/tenants/" + tenant + "/jobs", OPERATOR, "[{\"type\":\"" + type + "\",\"payload\":\"q\"}]");
                        submitted.put(field(body.replace("\"ids\":[", "\"id\":"), "id"), at);
                        Thread.sleep(250);
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            quiet.add(t);
            t.start();
        }
        for (Thread t : quiet) {
            t.join();
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (!leasedAt.keySet().containsAll(submitted.keySet()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        running.set(false);
        for (Thread t : workers) {
            t.join(5_000);
        }
        if (burster != null) {
            burster.join();
        }
        long[] d = submitted.entrySet().stream().filter(e -> leasedAt.containsKey(e.getKey()))
                .mapToLong(e -> (leasedAt.get(e.getKey()) - e.getValue()) / 1_000_000).sorted().toArray();
        if (d.length < submitted.size()) {
            System.out.printf("  (%d of %d quiet jobs were leased within the run)%n", d.length, submitted.size());
        }
        return new long[] {d[d.length / 2], d[Math.min(d.length - 1, (int) Math.ceil(d.length * 0.99) - 1)], d.length};
    }

    private static double push(int jobs) throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        java.util.concurrent.ExecutorService receiverThreads = Executors.newFixedThreadPool(8);
        server.setExecutor(receiverThreads);
        server.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            seen.add(ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            call("PUT", "/queue/types/bench.push", OPERATOR, "{\"delivery\":\"push\",\"url\":\"http://127.0.0.1:" + server.getAddress().getPort()
                    + "/hook\",\"secret\":\"whsec_" + Base64.getEncoder().encodeToString(key) + "\",\"concurrency\":16,\"timeoutMillis\":5000}");
            Thread.sleep(1500);
            long t0 = System.nanoTime();
            submit("bench.push", jobs, null);
            long deadline = System.currentTimeMillis() + 300_000;
            while (seen.size() < jobs && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            return seen.size() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            server.stop(0);
            receiverThreads.shutdownNow(); // else its threads keep the driver's JVM alive after the run
        }
    }

}
