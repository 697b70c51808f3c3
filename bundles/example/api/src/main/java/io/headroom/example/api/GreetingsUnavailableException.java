package io.headroom.example.api;

/**
 * The control schema could not be reached; an update may or may not have been saved. The caller may retry (the REST
 * API answers 503 with Retry-After).
 */
public class GreetingsUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GreetingsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
