package io.headroom.search.api;

/** No collection (or migration) of that name. */
public class UnknownCollectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownCollectionException(String message) {
        super(message);
    }
}
