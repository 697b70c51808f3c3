package io.headroom.queue.api;

/**
 * The backend could not take the jobs right now (for example the SQS endpoint is down). Nothing of the request was
 * accepted; the caller may retry. The REST API answers it with 503 and Retry-After.
 */
public class QueueUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
