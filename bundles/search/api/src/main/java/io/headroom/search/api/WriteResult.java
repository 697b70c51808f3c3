package io.headroom.search.api;

/**
 * What became of a write: {@code applied} layouts took it now (or already held a newer version), {@code queued}
 * layouts were unreachable and have it in the outbox, to be retried until they take it.
 */
public record WriteResult(int applied, int queued) {
}
