package io.headroom.search.api;

/** Elasticsearch or the control schema cannot be reached: nothing was done; try again later. */
public class SearchUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SearchUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
