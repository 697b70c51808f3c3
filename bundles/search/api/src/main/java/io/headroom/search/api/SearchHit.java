package io.headroom.search.api;

import java.util.Map;

/** One document of the tenant: its id, version and fields as indexed. */
public record SearchHit(String id, long version, double score, Map<String, Object> document) {
}
