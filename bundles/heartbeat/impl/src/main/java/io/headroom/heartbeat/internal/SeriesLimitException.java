package io.headroom.heartbeat.internal;

/** Events that would give a tenant more job series than it may have (or fill the platform's): refused, 429 over REST. */
public final class SeriesLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SeriesLimitException(String message) {
        super(message);
    }
}
