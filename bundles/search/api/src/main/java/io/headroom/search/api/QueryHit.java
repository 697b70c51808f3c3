package io.headroom.search.api;

import java.util.List;
import java.util.Map;

/**
 * One hit of a {@link TenantSearch#query} call: the document's id, version, score (for a hybrid query the fused score),
 * its fields (or those asked for), highlighted fragments per field, and its sort values when the query sorts (pass the
 * last hit's to {@code search_after} for the next page).
 */
public record QueryHit(String id, long version, double score, Map<String, Object> document, Map<String, List<String>> highlight,
        List<Object> sort) {
}
