package io.headroom.queue.api;

/** A job that failed its last attempt, with the last error. */
public record DeadLetter(Job job, String error, String failedAt) {
}
