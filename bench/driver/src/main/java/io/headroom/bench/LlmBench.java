package io.headroom.bench;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.fixtures.MariaDb;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.Route;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.openai.internal.OpenAiAdapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * LLM router figures, baseline and Headroom in one run, against local servers speaking the OpenAI wire format:
 * (1) overhead: requests at a fixed rate through the router vs the same adapter called directly, p50/p99 and the
 * difference; (2) one of three deployments down (connection refused) during a run: failed interactive requests;
 * (3) latency routing: one deployment twice as slow, share of requests the faster one gets.
 * Usage: LlmBench [requests per second] [seconds]   (defaults 500 10)
 */
public final class LlmBench {
    private static final ChatRequest REQUEST = new ChatRequest(List.of(new ChatMessage("user", "hi")), 16, null);

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        ProviderAdapter openai = new OpenAiAdapter();
        try (FakeLlmProvider a = FakeLlmProvider.openAi(); FakeLlmProvider b = FakeLlmProvider.openAi(); FakeLlmProvider c = FakeLlmProvider.openAi()) {
            Deployment da = new Deployment("a", "openai", "m", a.endpoint(), "k", 0, 0, 0, 5000);
            Deployment db = new Deployment("b", "openai", "m", b.endpoint(), "k", 0, 0, 0, 5000);
            Deployment dead = new Deployment("dead", "openai", "m", "http://127.0.0.1:" + MariaDb.freePort(), "k", 0, 0, 0, 2000);
            Router router = new Router(Router.Settings.defaults(), System::currentTimeMillis, p -> openai);
            router.putDeployment(da);
            router.putDeployment(db);
            router.putDeployment(dead);
            router.putRoute(new Route("solo", "ordered", List.of("a"), Map.of()));
            router.putRoute(new Route("three", "ordered", List.of("dead", "a", "b"), Map.of()));
            router.putRoute(new Route("fastest", "latency", List.of("a", "b"), Map.of()));

            System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                    System.getProperty("java.version"));
            // warm up both paths
            drive(rate, 3, () -> openai.complete(da, REQUEST));
            drive(rate, 3, () -> router.complete("solo", Priority.INTERACTIVE, REQUEST, System.currentTimeMillis() + 5000));
            double[] diffs = new double[3];
            for (int round = 0; round < 3; round++) { // alternating, so drift hits both paths alike
                long[] direct = drive(rate, seconds, () -> openai.complete(da, REQUEST));
                long[] routed = drive(rate, seconds, () -> router.complete("solo", Priority.INTERACTIVE, REQUEST, System.currentTimeMillis() + 5000));
                diffs[round] = p(routed, 0.99) - p(direct, 0.99);
                System.out.printf("overhead round %d at %d requests/s for %d s: direct p50 %.2f ms p99 %.2f ms; router p50 %.2f ms p99 %.2f ms;"
                        + " p99 difference %.2f ms%n", round + 1, rate, seconds, p(direct, 0.5), p(direct, 0.99), p(routed, 0.5),
                        p(routed, 0.99), diffs[round]);
            }
            System.out.printf("router p99 overhead, mean of 3 rounds: %.2f ms (goal: at most 2 ms)%n", Arrays.stream(diffs).average().orElse(0));

            AtomicInteger failed = new AtomicInteger();
            long[] failover = drive(rate, seconds, () -> {
                try {
                    router.complete("three", Priority.INTERACTIVE, REQUEST, System.currentTimeMillis() + 5000);
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
                return null;
            });
            System.out.printf("one of three deployments down (connection refused), %d interactive requests: %d failed; p99 %.2f ms%n",
                    failover.length, failed.get(), p(failover, 0.99));

            a.always(Behaviour.slow(20));
            b.always(Behaviour.slow(40));
            AtomicInteger toFast = new AtomicInteger();
            int n = 300;
            for (int i = 0; i < n; i++) {
                if (router.complete("fastest", Priority.INTERACTIVE, REQUEST, System.currentTimeMillis() + 5000).deployment().equals("a")) {
                    toFast.incrementAndGet();
                }
            }
            System.out.printf("latency routing, deployment b twice as slow (40 vs 20 ms): %d of %d requests (%.1f%%) went to the faster one%n",
                    toFast.get(), n, 100.0 * toFast.get() / n);

            overshoot(router, a);
        }
    }

    /**
     * Token-limit overshoot: 50 threads hammer a deployment limited to 1,000 tokens a minute (each call is estimated
     * at 17 tokens and the provider reports 16 used); the tokens the provider served within the minute vs the limit.
     */
    private static void overshoot(Router router, FakeLlmProvider provider) throws Exception {
        provider.always(Behaviour.ok());
        int limit = 1000;
        router.putDeployment(new Deployment("limited", "openai", "m", provider.endpoint(), "k", 0, limit, 0, 5000));
        router.putRoute(new Route("limited", "ordered", List.of("limited"), Map.of()));
        int before = provider.requests.get();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<?>> threads = new ArrayList<>();
        long start = System.currentTimeMillis();
        for (int t = 0; t < 50; t++) {
            threads.add(pool.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    try {
                        router.complete("limited", Priority.INTERACTIVE, REQUEST, System.currentTimeMillis() + 100);
                    } catch (RuntimeException | InterruptedException e) {
                        refused.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : threads) {
            f.get();
        }
        pool.shutdown();
        long served = (provider.requests.get() - before) * 16L;
        System.out.printf("token limit %d/min, 50 threads x 40 calls in %.1f s: provider served %d tokens (%d calls), %d refused;"
                + " overshoot %d tokens%n", limit, (System.currentTimeMillis() - start) / 1e3, served, served / 16, refused.get(),
                Math.max(0, served - limit));
    }

    /** Sends calls at a fixed rate (open loop) and returns each call's latency in nanoseconds. */
    static long[] drive(int rate, int seconds, Callable<?> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<Long>> results = new ArrayList<>();
        long period = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (long i = 0; i < (long) rate * seconds; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            results.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                call.call();
                return System.nanoTime() - t0;
            }));
        }
        long[] out = new long[results.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = results.get(i).get();
        }
        pool.shutdown();
        return out;
    }

    static double p(long[] values, double q) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)] / 1e6;
    }
}
