package io.headroom.queue.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Lease;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.internal.core.StandardWebhooks;
import io.headroom.queue.internal.store.TypeStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push delivery: leases jobs of a push type from its fair scheduler (at most the type's concurrency at once on this
 * node) and POSTs each to the type's URL as a Standard Webhook ({@code webhook-id} = job id, the same on every
 * retry). A 2xx acks the lease; 429 and 503 retry after their Retry-After; anything else, a timeout or a connection
 * error retries with the type's backoff, and the last attempt dead-letters. No thread waits on an open delivery.
 */
final class PushDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(PushDelivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WorkerQueue queue;
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "headroom-queue-push");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;

    PushDelivery(WorkerQueue queue) {
        this.queue = queue;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
                .executor(callbacks).build();
    }

    void close() {
        callbacks.shutdownNow();
    }

    /** Starts deliveries for what the type's scheduler hands out now. */
    void pump(TypeStore.Stored stored) {
        RemoteType t = stored.type();
        if (stored.secret() == null) {
            return;
        }
        int visibility = leaseSeconds(t);
        List<Lease> leases = queue.leaseNow(t.name(), t.concurrency(), visibility);
        for (Lease l : leases) {
            deliver(stored, l);
        }
    }

    /** How long a push delivery's lease lasts: the type's timeout and 5 s to settle it. */
    static int leaseSeconds(RemoteType t) {
        return (int) Math.min(43_200, t.timeoutMillis() / 1000 + 5);
    }

    static String body(Job j) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", j.id());
        n.put("tenant", j.tenant().value());
        n.put("type", j.type());
        n.put("payload", j.payload());
        n.put("priority", j.priority().name());
        n.put("attempt", j.attempt());
        n.put("enqueuedAt", j.enqueuedAt().toString());
        if (j.idempotencyKey() != null) {
            n.put("idempotencyKey", j.idempotencyKey());
        }
        return n.toString();
    }

    private void deliver(TypeStore.Stored stored, Lease lease) {
        RemoteType t = stored.type();
        Job job = lease.job();
        String body = body(job);
        long ts = System.currentTimeMillis() / 1000;
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(t.url())).timeout(Duration.ofMillis(t.timeoutMillis()))
                    .header("content-type", "application/json").header("webhook-id", job.id())
                    .header("webhook-timestamp", String.valueOf(ts))
                    .header("webhook-signature", StandardWebhooks.sign(StandardWebhooks.key(stored.secret()), job.id(), ts, body))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        } catch (RuntimeException e) {
            settle(lease, -1, "cannot build the delivery: " + e.getMessage(), false);
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            if (failure != null) {
                settle(lease, -1, "delivery failed: " + failure.getClass().getSimpleName()
                        + (failure.getMessage() == null ? "" : ": " + failure.getMessage()), false);
                return;
            }
            int code = response.statusCode();
            if (code >= 200 && code < 300) {
                settle(lease, 0, null, true);
            } else if (code == 429 || code == 503) {
                long delay = response.headers().firstValue("retry-after").map(PushDelivery::seconds).orElse(-1L);
                settle(lease, delay < 0 ? -1 : Math.min(delay, 3600) * 1000, "HTTP " + code, false);
            } else {
                settle(lease, -1, "HTTP " + code, false);
            }
        });
    }

    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim());
        } catch (NumberFormatException e) {
            return -1; // an HTTP date: use the backoff
        }
    }

    private void settle(Lease lease, long delayMillis, String error, boolean ok) {
        try {
            if (ok) {
                queue.ack(lease.id());
            } else {
                queue.nack(lease.id(), delayMillis, error);
            }
        } catch (RuntimeException e) {
            // the lease expired while the delivery was open: the job is already back in the queue
            LOG.debug("queue: push of job {} settled late: {}", lease.job().id(), e.toString());
        }
    }
}
