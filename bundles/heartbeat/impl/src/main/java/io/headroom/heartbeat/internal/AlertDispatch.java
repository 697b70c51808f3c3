package io.headroom.heartbeat.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.AlertSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alert transitions to the log, to a webhook (HTTP POST of JSON, retried with exponential backoff off the
 * evaluation thread) and to every {@link AlertSink} service (EventAdmin among them, when installed).
 */
final class AlertDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(AlertDispatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI webhook;
    private final int attempts;
    private final List<AlertSink> sinks;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "headroom-heartbeat-webhook");
        t.setDaemon(true);
        return t;
    });

    AlertDispatch(String webhookUrl, int attempts, List<AlertSink> sinks) {
        this.webhook = webhookUrl == null || webhookUrl.isBlank() ? null : URI.create(webhookUrl);
        this.attempts = Math.max(1, attempts);
        this.sinks = sinks;
    }

    void fired(Alert a) {
        LOG.warn("ALERT {} {} for {} job {}: burn {} over {} (long) and {} (short)", a.severity().toUpperCase(), a.rule(),
                a.tenant() == null ? "the platform" : "tenant " + a.tenant(), a.job(), round(a.longBurn()), a.rule(), round(a.shortBurn()));
        send("fired", a);
        sinks.forEach(s -> safely(() -> s.fired(a)));
    }

    void resolved(Alert a) {
        LOG.info("resolved {} alert {} for {} job {}", a.severity(), a.id(), a.tenant() == null ? "the platform" : "tenant " + a.tenant(), a.job());
        send("resolved", a);
        sinks.forEach(s -> safely(() -> s.resolved(a)));
    }

    private static String round(double v) {
        return String.format("%.1fx", v);
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("alert sink failed: {}", e.toString());
        }
    }

    private void send(String state, Alert a) {
        if (webhook == null) {
            return;
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("state", state, "alert", a));
        } catch (Exception e) {
            LOG.warn("cannot serialise alert {}: {}", a.id(), e.toString());
            return;
        }
        post(body, 1, a.id());
    }

    private void post(byte[] body, int attempt, long id) {
        HttpRequest request = HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            if (e == null && r.statusCode() < 300) {
                return;
            }
            String why = e != null ? e.toString() : "HTTP " + r.statusCode();
            if (attempt >= attempts) {
                LOG.warn("webhook gave up on alert {} after {} attempts: {}", id, attempt, why);
                return;
            }
            long delay = 1000L << (attempt - 1);
            retries.schedule(() -> post(body, attempt + 1, id), delay, TimeUnit.MILLISECONDS);
        });
    }

    void close() {
        retries.shutdownNow();
    }
}
