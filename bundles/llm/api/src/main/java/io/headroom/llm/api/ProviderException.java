package io.headroom.llm.api;

/**
 * A provider call that failed, classified for routing: {@code retryable} failures (429, 5xx, timeouts, connection
 * errors, malformed responses) move on to the next candidate; others (400, 401, 403, 404...) do not.
 * {@code retryAfterMillis} is the provider's Retry-After, or 0. A failure can carry OpenAI's error {@code code} (e.g.
 * {@value #CONTEXT_LENGTH_EXCEEDED}, which an adapter sets when its vendor says the conversation does not fit the model)
 * and the {@code param} it is about, which the gateway's error envelope passes on so that clients can branch on them.
 */
public class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final boolean retryable;
    private final long retryAfterMillis;
    private final String code;
    private final String param;

    /** OpenAI's code for a conversation longer than the model's context window (an invalid request, HTTP 400). */
    public static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    /** OpenAI's code for a parameter the model cannot take (the parameter in {@link #param()}). */
    public static final String UNSUPPORTED_PARAMETER = "unsupported_parameter";

    public ProviderException(String message, int status, boolean retryable, long retryAfterMillis, Throwable cause) {
        this(message, status, retryable, retryAfterMillis, cause, null, null);
    }

    /** With OpenAI's error code and the parameter the failure is about (either may be null). */
    public ProviderException(String message, int status, boolean retryable, long retryAfterMillis, Throwable cause, String code,
                             String param) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
        this.code = code;
        this.param = param;
    }

    /** OpenAI's error code for this failure (e.g. {@value #CONTEXT_LENGTH_EXCEEDED}), or null. */
    public String code() {
        return code;
    }

    /** The request parameter this failure is about, by its OpenAI name, or null. */
    public String param() {
        return param;
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
