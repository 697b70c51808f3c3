package io.headroom.queue.api;

import java.time.Instant;

/** A job handed to a remote worker until {@code expiresAt}; ack, nack or extend it by {@code id}. */
public record Lease(String id, Job job, Instant expiresAt) {
}
