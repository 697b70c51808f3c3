package io.headroom.search.api;

/** The operation does not fit the current state (a migration step out of order, a tenant not validated yet). */
public class SearchConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SearchConflictException(String message) {
        super(message);
    }
}
