package io.headroom.search.api;

import java.util.List;

/** Hits of a tenant query, and which layout answered it (during a migration: the old or the new one). */
public record SearchResult(long total, List<SearchHit> hits, String layout) {
    public SearchResult {
        hits = List.copyOf(hits);
    }
}
