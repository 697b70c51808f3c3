package io.headroom.queue.internal;

import io.headroom.core.api.health.Health;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * SQS's own view of the backend's queues: each queue's approximate message counts (ApproximateNumberOfMessages,
 * ...NotVisible, ...Delayed), and from the same calls whether SQS answers. One round reads every queue and is reused
 * for {@code maxAgeMillis}, so the readiness probe (about once a second) and the metrics scrape share it and SQS sees at
 * most one GetQueueAttributes per queue per round. A round stops at the first call that cannot reach SQS: each call
 * is bounded by {@link #CALL_TIMEOUT}, so a probe never waits for more than one of them.
 */
final class SqsDepths {
    /** The longest one GetQueueAttributes may take, retries included (the core gives a readiness check 2 s). */
    static final Duration CALL_TIMEOUT = Duration.ofMillis(1500);
    private static final List<QueueAttributeName> COUNTS = List.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);

    /** One queue's counts: waiting to be received, received and not yet deleted (in flight), delayed. */
    record Depth(String queue, String lane, long visible, long inFlight, long delayed) {
    }

    /** A queue of the backend: its SQS name, its lane (main, overflow, dead_letter) and its URL. */
    record Target(String queue, String lane, String url) {
    }

    /** A round's result: the counts of the queues that answered, and what went wrong (null: nothing). */
    record Round(long atMillis, List<Depth> depths, Health health) {
    }

    private final SqsClient sqs;
    private final Supplier<List<Target>> targets;
    private final String where;
    private final long maxAgeMillis;
    private final LongSupplier clock;
    private Round last;

    /**
     * @param targets the queues to read, the main queue first (it decides DOWN: without it nothing is submitted)
     * @param where   SQS's endpoint as operators know it, for the health detail
     */
    SqsDepths(SqsClient sqs, Supplier<List<Target>> targets, String where, long maxAgeMillis, LongSupplier clock) {
        this.sqs = sqs;
        this.targets = targets;
        this.where = where;
        this.maxAgeMillis = maxAgeMillis;
        this.clock = clock;
    }

    /** The last round, read again first when it is older than {@code maxAgeMillis}. */
    synchronized Round round() {
        long now = clock.getAsLong();
        if (last == null || now - last.atMillis() >= maxAgeMillis) {
            last = read(now);
        }
        return last;
    }

    private Round read(long now) {
        List<Depth> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<Target> all = targets.get();
        for (int i = 0; i < all.size(); i++) {
            Target t = all.get(i);
            try {
                Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(t.url()).attributeNames(COUNTS)
                        .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT))).attributes();
                out.add(new Depth(t.queue(), t.lane(), count(a, COUNTS.get(0)), count(a, COUNTS.get(1)), count(a, COUNTS.get(2))));
            } catch (SdkClientException e) {
                // not reached (refused, timed out): the other queues live on the same endpoint
                return new Round(now, out, Health.down("SQS at " + where + " does not answer: " + e.getMessage()));
            } catch (SdkException e) {
                if (i == 0) {
                    return new Round(now, out, Health.down("SQS at " + where + " refuses the main queue " + t.queue() + ": " + e.getMessage()));
                }
                missing.add(t.queue() + " (" + e.getMessage() + ")");
            }
        }
        if (!missing.isEmpty()) {
            return new Round(now, out, Health.degraded("SQS at " + where + " answers, but not for " + String.join(", ", missing)));
        }
        long waiting = out.stream().mapToLong(d -> d.visible() + d.delayed()).sum();
        return new Round(now, out, Health.up("SQS at " + where + " answers; " + out.size() + " queues, about " + waiting + " messages waiting"));
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String v = attributes.get(name);
        return v == null ? 0 : Long.parseLong(v);
    }
}
