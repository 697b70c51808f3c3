package io.headroom.queue.internal;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.core.api.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SQS backend's readiness and its queues' approximate counts. With its own client (short timeouts, no retries):
 * the check tells the truth even while the backend's receive loops are busy, and works when the backend could not
 * start at all because SQS was away. SQS is asked at most every {@value #REFRESH_MILLIS} ms (the core checks about
 * once a second; each ask is three GetQueueAttributes calls), and the gauges show the last answer. Immediate: a delayed
 * component would be dropped after each check (taking its gauge and its cached answer with it).
 */
@Component(service = HealthCheck.class, immediate = true, configurationPid = SqsQueue.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = HealthCheck.CAPABILITY + "=queue")
public final class SqsProbe implements HealthCheck {
    static final long REFRESH_MILLIS = 5000;
    private static final List<QueueAttributeName> COUNTS = List.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
    private static final Map<QueueAttributeName, String> STATE = Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "visible",
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "in_flight",
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED, "delayed");

    private final SqsClient sqs;
    private final SqsQueue.Config config;
    /** queue role (main, overflow, dlq) to its URL, once SQS told it. */
    private final Map<String, String> urls = new ConcurrentHashMap<>();
    /** queue role to {visible, in_flight, delayed} at the last answer. */
    private volatile Map<String, long[]> counts = Map.of();
    private volatile Health last = Health.down("SQS not asked yet");
    private volatile long askedAt;

    @Activate
    public SqsProbe(@Reference Metrics metrics, SqsQueue.Config config) {
        this.config = config;
        this.sqs = SqsQueue.client(config, SqsClient.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(1000))
                        .socketTimeout(Duration.ofMillis(1500)).build())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMillis(2500)).retryStrategy(r -> r.maxAttempts(1))));
        metrics.gauge("headroom_queue_sqs_messages", "SQS's approximate message counts of the backend's queues (main,"
                + " overflow, dlq) by state (visible, in_flight, delayed), as of the last readiness check",
                List.of("queue", "state"), s -> counts.forEach((queue, n) -> {
                    for (int i = 0; i < COUNTS.size(); i++) {
                        s.sample(n[i], queue, STATE.get(COUNTS.get(i)));
                    }
                }));
    }

    @Deactivate
    void deactivate() {
        sqs.close();
    }

    @Override
    public synchronized Health check() {
        long now = System.currentTimeMillis();
        if (now - askedAt < REFRESH_MILLIS) {
            return last;
        }
        askedAt = now;
        try {
            Map<String, long[]> next = new java.util.TreeMap<>();
            for (Map.Entry<String, String> q : Map.of("main", config.queueName(), "overflow", config.queueName() + "-overflow",
                    "dlq", config.queueName() + "-dlq").entrySet()) {
                String url = urls.computeIfAbsent(q.getKey(), k -> sqs.getQueueUrl(b -> b.queueName(q.getValue())).queueUrl());
                Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(COUNTS)).attributes();
                next.put(q.getKey(), COUNTS.stream().mapToLong(n -> parse(a.get(n))).toArray());
            }
            counts = Map.copyOf(next);
            last = Health.up("SQS at " + SqsQueue.describe(config) + " answers; " + next.get("main")[0] + " job(s) waiting in "
                    + config.queueName() + ", " + next.get("dlq")[0] + " dead");
        } catch (SdkException e) {
            urls.clear(); // a queue deleted and made again gets a new URL
            counts = Map.of(); // no stale counts while SQS does not answer
            last = Health.down("SQS at " + SqsQueue.describe(config) + " does not answer: " + e.getMessage());
        }
        return last;
    }

    private static long parse(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
