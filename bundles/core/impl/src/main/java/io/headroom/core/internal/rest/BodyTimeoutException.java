package io.headroom.core.internal.rest;

import java.io.IOException;

/** A request body that did not arrive within the REST host's body deadline (a client trickling it). */
final class BodyTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTimeoutException(long deadlineMillis) {
        super("the request body did not arrive within " + deadlineMillis + " ms");
    }
}
