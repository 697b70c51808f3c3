package io.headroom.queue.api;

import java.time.Instant;

/** A job's state as the node that saw it last knows it; {@code attempts} counts the attempts started. */
public record JobStatus(String id, String tenant, String type, JobState state, int attempts, String lastError,
                        Instant enqueuedAt, Instant notBefore, Instant updatedAt) {
}
