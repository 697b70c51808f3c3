package io.headroom.queue.internal;

import io.headroom.queue.api.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

/**
 * The SQS messages this node holds (received, not finished yet), by job id, and how long SQS keeps each hidden. A
 * message waiting here or running on a handler is kept hidden by renewals ({@link #renew}, the backend's visibility).
 * A message leased to a remote worker or a push delivery is hidden until the lease expires plus
 * {@value #LEASE_MARGIN_MILLIS} ms, and not renewed, so that when this node dies the job comes back when its lease
 * would have expired (the type's visibility, or the push timeout), not after the backend's visibility; the margin lets
 * this node, while it lives, expire the lease itself first. Finished messages are deleted in batches of ten.
 */
final class SqsReceipts {
    private static final Logger LOG = LoggerFactory.getLogger(SqsReceipts.class);
    /** How long after a lease's expiry SQS shows its message again (this node expires the lease first while it lives). */
    static final long LEASE_MARGIN_MILLIS = 2_000;

    /** A received message: where it is, and until when SQS keeps it hidden at least (by this node's clock). */
    static final class Receipt {
        final String queueUrl;
        final String handle;
        volatile long hiddenUntil;
        /** While leased: the lease's expiry, which the message's visibility follows; 0 otherwise. */
        volatile long leasedUntil;

        Receipt(String queueUrl, String handle, long hiddenUntil) {
            this.queueUrl = queueUrl;
            this.handle = handle;
            this.hiddenUntil = hiddenUntil;
        }
    }

    private final SqsClient sqs;
    private final int visibilitySeconds;
    private final Map<String, Receipt> held = new ConcurrentHashMap<>();
    /** Finished jobs to delete, in batches of ten (a job deleted late is at worst delivered again). */
    private final ConcurrentLinkedQueue<Receipt> toDelete = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingDeletes = new AtomicInteger();

    /** @param visibilitySeconds the backend's visibility, to which waiting and running messages are renewed */
    SqsReceipts(SqsClient sqs, int visibilitySeconds) {
        this.sqs = sqs;
        this.visibilitySeconds = visibilitySeconds;
    }

    void put(String jobId, Receipt r) {
        held.put(jobId, r);
    }

    Receipt get(String jobId) {
        return held.get(jobId);
    }

    /** Forgets the job's message (it was finished, or another node finished it); null when this node did not hold it. */
    Receipt remove(String jobId) {
        return held.remove(jobId);
    }

    List<String> jobIds() {
        return new ArrayList<>(held.keySet());
    }

    /** The job is done: its message is deleted with the next batch. */
    void delete(String jobId) {
        Receipt r = held.remove(jobId);
        if (r == null) {
            return;
        }
        toDelete.add(r);
        if (pendingDeletes.incrementAndGet() >= 10) {
            deleteRound();
        }
    }

    void deleteAll() {
        while (deleteRound()) {
            // until nothing is left
        }
    }

    /**
     * Deletes up to ten finished jobs in one request per queue; false when there were none. Any thread may run a
     * round: whoever finishes the tenth job deletes the ten, so deletes keep pace with the workers and acks.
     */
    boolean deleteRound() {
        Map<String, List<DeleteMessageBatchRequestEntry>> byQueue = new HashMap<>();
        int n = 0;
        for (Receipt r; n < 10 && (r = toDelete.poll()) != null; n++) {
            List<DeleteMessageBatchRequestEntry> list = byQueue.computeIfAbsent(r.queueUrl, k -> new ArrayList<>());
            list.add(DeleteMessageBatchRequestEntry.builder().id("d" + list.size()).receiptHandle(r.handle).build());
        }
        pendingDeletes.addAndGet(-n);
        byQueue.forEach((url, batch) -> {
            try {
                sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(batch));
            } catch (SdkException e) {
                LOG.warn("queue: {} finished jobs not deleted; SQS will deliver them again: {}", batch.size(), e.getMessage());
            }
        });
        return n > 0;
    }

    /**
     * Keeps messages waiting here or running hidden: each one with less than {@code aheadMillis} left is hidden for the
     * backend's visibility again. Leased messages are left alone: their visibility is their lease's.
     */
    void renew(long aheadMillis) {
        long now = System.currentTimeMillis();
        Map<String, List<Map.Entry<String, Receipt>>> byQueue = new HashMap<>();
        held.forEach((id, r) -> {
            if (r.leasedUntil == 0 && r.hiddenUntil - now < aheadMillis) {
                byQueue.computeIfAbsent(r.queueUrl, k -> new ArrayList<>()).add(Map.entry(id, r));
            }
        });
        byQueue.forEach((url, entries) -> change(url, entries, visibilitySeconds, now));
    }

    /**
     * The jobs were leased until {@code expiresAtMillis} (or their leases extended to it): their messages are hidden
     * until then plus the margin, unless they already are (a message received or last changed just before).
     */
    void leased(List<Job> jobs, long expiresAtMillis) {
        long now = System.currentTimeMillis();
        Map<String, List<Map.Entry<String, Receipt>>> byQueue = new HashMap<>();
        for (Job job : jobs) {
            Receipt r = held.get(job.id());
            if (r == null) {
                continue;
            }
            r.leasedUntil = expiresAtMillis;
            if (r.hiddenUntil < expiresAtMillis || r.hiddenUntil > expiresAtMillis + LEASE_MARGIN_MILLIS) {
                byQueue.computeIfAbsent(r.queueUrl, k -> new ArrayList<>()).add(Map.entry(job.id(), r));
            }
        }
        int seconds = (int) Math.min(43_200, Math.max(1, (expiresAtMillis - now + LEASE_MARGIN_MILLIS + 999) / 1000));
        byQueue.forEach((url, entries) -> change(url, entries, seconds, now));
    }

    /** Hides the messages {@code seconds} from {@code now}, ten per request. */
    private void change(String url, List<Map.Entry<String, Receipt>> entries, int seconds, long now) {
        for (int from = 0; from < entries.size(); from += 10) {
            List<Map.Entry<String, Receipt>> part = entries.subList(from, Math.min(entries.size(), from + 10));
            List<ChangeMessageVisibilityBatchRequestEntry> batch = new ArrayList<>(part.size());
            for (Map.Entry<String, Receipt> e : part) {
                batch.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(e.getKey().replace("-", ""))
                        .receiptHandle(e.getValue().handle).visibilityTimeout(seconds).build());
            }
            try {
                var response = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url).entries(batch));
                java.util.Set<String> failed = new java.util.HashSet<>();
                response.failed().forEach(f -> failed.add(f.id()));
                for (Map.Entry<String, Receipt> e : part) {
                    if (!failed.contains(e.getKey().replace("-", ""))) {
                        e.getValue().hiddenUntil = now + seconds * 1000L;
                    }
                }
            } catch (SdkException e) {
                LOG.warn("queue: could not change the visibility of {} jobs: {}", batch.size(), e.getMessage());
            }
        }
    }
}
