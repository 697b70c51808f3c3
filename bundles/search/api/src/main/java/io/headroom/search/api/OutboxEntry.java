package io.headroom.search.api;

import java.time.Instant;

/**
 * A write one layout has not taken yet: waiting for its next retry, or {@code dead} when that layout refused it (a
 * mapping conflict, say), which keeps the tenant from validating until an operator fixes the cause and retries it.
 */
public record OutboxEntry(long id, String collection, int layout, String tenant, String documentId, long version, int attempts,
                          boolean dead, String lastError, Instant nextAttempt) {
}
