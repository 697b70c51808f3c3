package io.headroom.search.api;

/**
 * A query within one tenant: {@code text} in Elasticsearch's simple query string syntax over all fields (blank:
 * every document), at most {@code size} hits (1-1000) from offset {@code from}.
 */
public record SearchQuery(String text, int from, int size) {
    public static final int MAX_SIZE = 1000;

    public SearchQuery {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be 1-" + MAX_SIZE + ", not " + size);
        }
        if (from < 0 || from > 10_000 - size) {
            throw new IllegalArgumentException("from must be 0-" + (10_000 - size) + ", not " + from);
        }
    }

    public static SearchQuery of(String text, int size) {
        return new SearchQuery(text, 0, size);
    }
}
