package io.headroom.bench;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.KarafProcess;
import io.headroom.fixtures.MariaDb;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The LLM gateway as clients see it, through the REST layer of a running distribution: (1) overhead: the same
 * OpenAI-format request sent straight to a local provider vs through {@code POST /api/llm/v1/chat/completions}
 * (authentication, the router, the adapter's own HTTP hop) at a fixed rate, alternating; (2) chaos: a route across
 * three vendors (OpenAI-compatible, Anthropic, Bedrock wire formats) while the first provider is killed a third of
 * the way into the run: failed interactive requests.
 * Usage: LlmGatewayBench distribution.tar.gz [requests per second] [seconds]   (defaults 300 10)
 */
public final class LlmGatewayBench {
    private static final String OPENAI_BODY = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16}";

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path work = Path.of("bench", "target", "llm-gateway").toAbsolutePath();
        String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
        try (MariaDb db = MariaDb.machineOrEmbedded();
             FakeLlmProvider openAi = FakeLlmProvider.openAi();
             FakeLlmProvider anthropic = FakeLlmProvider.anthropic();
             FakeLlmProvider bedrock = FakeLlmProvider.bedrock()) {
            KarafProcess karaf = KarafProcess.unpack(distribution, work, MariaDb.freePort(), db.jdbcUrl(schema), db.user(), db.password());
            try {
                deployment(karaf, "a", "openai", "gpt-test", openAi.endpoint(), "sk-bench");
                deployment(karaf, "b", "anthropic", "claude-test", anthropic.endpoint(), "sk-ant-bench");
                deployment(karaf, "c", "bedrock", "anthropic.claude-test-v1:0", bedrock.endpoint(), "AKIDBENCH:bench-secret");
                route(karaf, "solo", "a");
                route(karaf, "three", "a, b, c");
                karaf.start();
                if (!karaf.awaitHealthy(Duration.ofMinutes(3))) {
                    throw new IllegalStateException("distribution did not become healthy; see " + karaf.home().resolve("data/log/karaf.log"));
                }
                run(karaf, openAi, rate, seconds);
            } finally {
                karaf.close();
                db.dropSchema(schema);
            }
        }
    }

    private static void run(KarafProcess karaf, FakeLlmProvider openAi, int rate, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(5)).build();
        String operator = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
        HttpRequest direct = HttpRequest.newBuilder(URI.create(openAi.endpoint() + "/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer sk-bench")
                .POST(HttpRequest.BodyPublishers.ofString(OPENAI_BODY)).build();
        HttpRequest solo = gateway(karaf, operator, "solo");
        HttpRequest three = gateway(karaf, operator, "three");
        awaitRoutes(http, karaf, operator);

        System.out.printf("machine: %d cores, %s %s; gateway = the Karaf distribution in its own JVM on the same machine%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
        AtomicInteger errors = new AtomicInteger();
        LlmBench.drive(rate, 5, () -> send(http, direct, errors));
        LlmBench.drive(rate, 5, () -> send(http, solo, errors));
        errors.set(0);
        double[] diffs = new double[3];
        for (int round = 0; round < 3; round++) { // alternating, so drift hits both paths alike
            long[] d = LlmBench.drive(rate, seconds, () -> send(http, direct, errors));
            long[] g = LlmBench.drive(rate, seconds, () -> send(http, solo, errors));
            diffs[round] = LlmBench.p(g, 0.99) - LlmBench.p(d, 0.99);
            System.out.printf("REST overhead round %d at %d requests/s for %d s: direct p50 %.2f ms p99 %.2f ms; gateway p50 %.2f ms"
                    + " p99 %.2f ms; p99 difference %.2f ms%n", round + 1, rate, seconds, LlmBench.p(d, 0.5), LlmBench.p(d, 0.99),
                    LlmBench.p(g, 0.5), LlmBench.p(g, 0.99), diffs[round]);
        }
        System.out.printf("gateway p99 overhead through REST, mean of 3 rounds: %.2f ms (goal: at most 2 ms); non-200 answers: %d%n",
                Arrays.stream(diffs).average().orElse(0), errors.get());

        errors.set(0);
        int chaosSeconds = seconds * 3;
        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(chaosSeconds * 1000L / 3);
                openAi.close(); // hard down: connections refused from now on
                System.out.printf("provider a (OpenAI wire format) killed after %d s%n", chaosSeconds / 3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        killer.start();
        long[] chaos = LlmBench.drive(rate, chaosSeconds, () -> send(http, three, errors));
        killer.join();
        System.out.printf("route a (OpenAI) -> b (Anthropic) -> c (Bedrock), a killed mid-run: %d interactive requests through REST,"
                + " %d failed; p50 %.2f ms p99 %.2f ms%n", chaos.length, errors.get(), LlmBench.p(chaos, 0.5), LlmBench.p(chaos, 0.99));
    }

    private static Void send(HttpClient http, HttpRequest request, AtomicInteger errors) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            errors.incrementAndGet();
        }
        return null;
    }

    private static HttpRequest gateway(KarafProcess karaf, String auth, String route) {
        return HttpRequest.newBuilder(URI.create(karaf.api() + "/llm/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofString(OPENAI_BODY.replace("gpt-test", route))).build();
    }

    private static void awaitRoutes(HttpClient http, KarafProcess karaf, String auth) throws Exception {
        HttpRequest routes = HttpRequest.newBuilder(URI.create(karaf.api() + "/llm/deployments")).header("Authorization", auth).build();
        for (int i = 0; i < 600; i++) {
            String body = http.send(routes, HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains("\"a\"") && body.contains("\"b\"") && body.contains("\"c\"")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the deployments never appeared");
    }

    private static void deployment(KarafProcess karaf, String name, String provider, String model, String endpoint, String key)
            throws IOException {
        Files.write(karaf.home().resolve("etc/io.headroom.llm.deployment-" + name + ".cfg"), List.of("name = " + name,
                "provider = " + provider, "model = " + model, "endpoint = " + endpoint, "apiKey = " + key, "timeoutMillis = 5000"));
    }

    private static void route(KarafProcess karaf, String name, String deployments) throws IOException {
        Files.write(karaf.home().resolve("etc/io.headroom.llm.route-" + name + ".cfg"), List.of("name = " + name,
                "strategy = ordered", "deployments = " + deployments));
    }
}
