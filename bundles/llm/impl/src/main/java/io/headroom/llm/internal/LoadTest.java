package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The operator's load test: a short prompt sent to a route at a fixed rate (open loop: a slow answer does not hold
 * back the next request) as the tenant {@code load-test}, which has the same quota as every tenant. Each call's
 * latency and outcome (the deployment that answered, or an error) is recorded.
 */
public final class LoadTest {
    public static final TenantId TENANT = TenantId.of("load-test");
    public static final int MAX_RATE = 1000;
    public static final int MAX_SECONDS = 300;
    private static final ChatRequest REQUEST = new ChatRequest(List.of(new ChatMessage("user", "Reply with one word: ok")), 8, 0.0);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What a run saw: latencies sorted ascending, and how many calls ended which way ({@code via <deployment>}, {@code errors}). */
    public record Result(long[] latencyNanos, Map<String, Integer> outcomes) {
        public int requests() {
            return latencyNanos.length;
        }

        public double percentileMillis(double p) {
            return latencyNanos[Math.max(0, (int) Math.ceil(p * latencyNanos.length) - 1)] / 1e6;
        }
    }

    private LoadTest() {
    }

    /** Runs {@code rate} calls a second for {@code seconds}; {@code sent} hears how many were sent, once a second. */
    public static Result run(LlmRouter router, String route, Priority priority, int rate, int seconds, IntConsumer sent)
            throws InterruptedException, ExecutionException {
        if (rate < 1 || rate > MAX_RATE || seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("rate must be 1-" + MAX_RATE + " and seconds 1-" + MAX_SECONDS);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(200, rate));
        try {
            List<Future<String>> calls = new ArrayList<>();
            long[] latency = new long[rate * seconds];
            long period = 1_000_000_000L / rate;
            long start = System.nanoTime();
            for (int i = 0; i < latency.length; i++) {
                long wait = start + i * period - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int slot = i;
                calls.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    try {
                        return "via " + router.complete(TENANT, priority, route, REQUEST, TIMEOUT).deployment();
                    } catch (RuntimeException e) {
                        return "errors";
                    } finally {
                        latency[slot] = System.nanoTime() - t0;
                    }
                }));
                if (i % rate == 0) {
                    sent.accept(i);
                }
            }
            Map<String, Integer> outcomes = new TreeMap<>();
            for (Future<String> f : calls) {
                outcomes.merge(f.get(), 1, Integer::sum);
            }
            Arrays.sort(latency);
            return new Result(latency, outcomes);
        } finally {
            pool.shutdownNow();
        }
    }
}
