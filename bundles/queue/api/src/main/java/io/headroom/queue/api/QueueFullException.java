package io.headroom.queue.api;

/**
 * The tenant is over a limit (its backlog cap, or its budget of HIGH jobs): nothing of the request was accepted, and
 * other tenants are not affected. The REST API answers 429 with Retry-After.
 */
public class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    public QueueFullException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
