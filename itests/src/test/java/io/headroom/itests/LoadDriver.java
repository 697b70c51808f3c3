package io.headroom.itests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Sends GET requests at a fixed rate and records every outcome, for tests that change the platform under load. */
final class LoadDriver {
    /** One request: when it was sent and answered (System.nanoTime), its status (-1: no response) and why. */
    record Outcome(long sentNanos, long doneNanos, int status, boolean retryAfter, String error) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpRequest request;
    private final long periodMicros;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ConcurrentLinkedQueue<CompletableFuture<Outcome>> inFlight = new ConcurrentLinkedQueue<>();

    LoadDriver(String url, String authorization, int requestsPerSecond) {
        this.request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(30)).build();
        this.periodMicros = 1_000_000L / requestsPerSecond;
    }

    void start() {
        ticker.scheduleAtFixedRate(this::send, 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void send() {
        long sent = System.nanoTime();
        inFlight.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((r, e) -> e != null
                ? new Outcome(sent, System.nanoTime(), -1, false, e.toString())
                : new Outcome(sent, System.nanoTime(), r.statusCode(), r.headers().firstValue("Retry-After").isPresent(), null)));
    }

    /** Stops sending and waits for every request to finish. */
    List<Outcome> stop() throws Exception {
        ticker.shutdown();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
        List<Outcome> out = new ArrayList<>();
        for (CompletableFuture<Outcome> f : inFlight) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    static Map<String, Integer> summary(List<Outcome> outcomes) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Outcome o : outcomes) {
            counts.merge(o.error() != null ? "error " + o.error() : String.valueOf(o.status()), 1, Integer::sum);
        }
        return counts;
    }
}
