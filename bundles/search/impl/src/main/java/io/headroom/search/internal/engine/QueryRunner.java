package io.headroom.search.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.search.api.QueryHit;
import io.headroom.search.api.QueryResult;
import io.headroom.search.internal.core.QueryPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs a compiled {@link QueryPlan} on a tenant's index: one search, or for a hybrid query two, fused by rank. */
public final class QueryRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryRunner() {
    }

    public static QueryResult run(Elastic es, String index, TenantId tenant, QueryPlan plan, String layout) throws IOException {
        JsonNode first = es.searchJson(index, tenant, plan.body());
        if (!plan.hybrid()) {
            List<QueryHit> hits = new ArrayList<>();
            for (JsonNode h : first.path("hits").path("hits")) {
                hits.add(hit(h, h.path("_score").asDouble(0)));
            }
            return new QueryResult(first.path("hits").path("total").path("value").asLong(hits.size()), hits, aggregations(first), layout);
        }
        JsonNode second = es.searchJson(index, tenant, plan.knn());
        Map<String, JsonNode> byId = new HashMap<>();
        List<List<String>> rankings = new ArrayList<>();
        for (JsonNode r : List.of(first, second)) {
            List<String> ids = new ArrayList<>();
            for (JsonNode h : r.path("hits").path("hits")) {
                String id = h.path("_id").asText();
                ids.add(id);
                byId.putIfAbsent(id, h);
            }
            rankings.add(ids);
        }
        var fused = QueryPlan.fuse(rankings, plan.rankConstant());
        List<QueryHit> hits = new ArrayList<>();
        for (int i = plan.from(); i < Math.min(fused.size(), plan.from() + plan.size()); i++) {
            hits.add(hit(byId.get(fused.get(i).getKey()), fused.get(i).getValue()));
        }
        return new QueryResult(fused.size(), hits, aggregations(first), layout);
    }

    @SuppressWarnings("unchecked")
    static QueryHit hit(JsonNode h, double score) {
        String stored = h.path("_id").asText();
        Map<String, Object> src = h.has("_source") ? Elastic.stripOwnFields(JSON.convertValue(h.get("_source"), Map.class)) : Map.of();
        Map<String, List<String>> highlight = h.has("highlight") ? JSON.convertValue(h.get("highlight"), Map.class) : Map.of();
        List<Object> sort = h.has("sort") ? JSON.convertValue(h.get("sort"), List.class) : null;
        return new QueryHit(stored.substring(stored.indexOf('/') + 1), h.path("_version").asLong(0), score, src, highlight, sort);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> aggregations(JsonNode r) {
        return r.has("aggregations") ? JSON.convertValue(r.get("aggregations"), Map.class) : Map.of();
    }
}
