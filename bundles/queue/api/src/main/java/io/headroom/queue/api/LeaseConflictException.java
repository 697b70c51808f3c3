package io.headroom.queue.api;

/** The lease expired (its job may be with another worker now): nothing was changed. The REST API answers 409. */
public class LeaseConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseConflictException(String message) {
        super(message);
    }
}
