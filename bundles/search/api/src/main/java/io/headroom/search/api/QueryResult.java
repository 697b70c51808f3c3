package io.headroom.search.api;

import java.util.List;
import java.util.Map;

/**
 * The answer to a {@link TenantSearch#query} call: the number of matching documents (for kNN and hybrid queries, of
 * documents in the ranked window), the hits, the aggregations by name as Elasticsearch computes them, and the layout
 * that answered.
 */
public record QueryResult(long total, List<QueryHit> hits, Map<String, Object> aggregations, String layout) {
    public QueryResult {
        hits = List.copyOf(hits);
        aggregations = aggregations == null ? Map.of() : aggregations;
    }
}
