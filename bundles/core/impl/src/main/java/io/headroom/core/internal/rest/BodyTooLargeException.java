package io.headroom.core.internal.rest;

import java.io.IOException;

/** Thrown by the body stream once a request body passes the size limit. */
final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
        super("request body is larger than the limit of " + limit + " bytes");
    }
}
