package io.headroom.core.api.rest;

import javax.ws.rs.WebApplicationException;

/**
 * An error to report to the client as {@code application/problem+json} (RFC 9457) with the given status and a
 * message that says what is wrong. Throw it from resources; the REST host renders it.
 */
public class ProblemException extends WebApplicationException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String detail;
    private final Integer retryAfterSeconds;

    public ProblemException(int status, String detail) {
        this(status, detail, null);
    }

    private ProblemException(int status, String detail, Integer retryAfterSeconds) {
        super(detail, status);
        this.status = status;
        this.detail = detail;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 503 with a Retry-After header: a dependency is down, nothing was done, try again later. */
    public static ProblemException unavailable(String detail, int retryAfterSeconds) {
        return new ProblemException(503, detail, retryAfterSeconds);
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, detail);
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, detail);
    }

    public int status() {
        return status;
    }

    public String detail() {
        return detail;
    }

    /** 429 with a Retry-After header: the caller is over a quota. */
    public static ProblemException tooManyRequests(String detail, int retryAfterSeconds) {
        return new ProblemException(429, detail, retryAfterSeconds);
    }

    /** Seconds to send as Retry-After, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
