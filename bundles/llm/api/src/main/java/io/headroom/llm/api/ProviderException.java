package io.headroom.llm.api;

/**
 * A provider call that failed, classified for routing: {@code retryable} failures (429, 5xx, timeouts, connection
 * errors, malformed responses) move on to the next candidate; others (400, 401, 403, 404...) do not.
 * {@code retryAfterMillis} is the provider's Retry-After, or 0.
 */
public class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final boolean retryable;
    private final long retryAfterMillis;

    public ProviderException(String message, int status, boolean retryable, long retryAfterMillis, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The HTTP status, or 0 for a timeout or connection error. */
    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** A Retry-After header in seconds as milliseconds; 0 when absent or in the HTTP-date form (treated as unknown). */
    public static long retryAfterMillis(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return (long) (Double.parseDouble(header.trim()) * 1000);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Retryable unless the status is a client error other than 408 and 429. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status >= 500 || status == 0;
    }
}
