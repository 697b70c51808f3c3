package io.headroom.search.internal.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A tenant's query in Headroom's query language, checked against the collection's schema and turned into
 * Elasticsearch request bodies. Tenants never send Elasticsearch DSL: every clause names a declared field of a type it
 * fits, every size is bounded, and the platform's tenant filter is a conjunct of the top-level filter of every body
 * (search and kNN alike), so nothing a tenant sends can widen what it sees.
 *
 * <p>{@code body} is the search to run (text and filters, or kNN alone); for a hybrid query (text and kNN) {@code knn} is
 * the second search, and the two rankings are fused by reciprocal rank fusion ({@link #fuse}).
 */
public record QueryPlan(ObjectNode body, ObjectNode knn, int from, int size, int rankConstant, boolean sorted) {
    public static final int MAX_SIZE = 1000;
    public static final int MAX_WINDOW = 10_000;
    public static final int MAX_CLAUSES = 200;
    public static final int MAX_DEPTH = 8;
    public static final int MAX_TERMS = 1000;
    public static final int MAX_AGGS = 20;
    public static final int MAX_BUCKETS = 1000;
    public static final int MAX_CANDIDATES = 10_000;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> TOP = Set.of("query", "filter", "knn", "sort", "from", "size", "search_after", "source",
            "highlight", "aggs", "rank_constant");

    public boolean hybrid() {
        return knn != null;
    }

    /**
     * Compiles a request; IllegalArgumentException naming the problem. {@code embed} turns (route, text) into a vector
     * for a kNN clause given as text (null: no embeddings provider, such a clause is refused).
     */
    public static QueryPlan compile(JsonNode request, Schema schema, TenantId tenant, String tenantField, String idField,
            BiFunction<String, String, float[]> embed) {
        if (request == null || request.isNull() || request.isMissingNode()) {
            request = F.objectNode();
        }
        if (!request.isObject()) {
            throw new IllegalArgumentException("a query is a JSON object");
        }
        for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP.contains(k)) {
                throw new IllegalArgumentException("unknown query key '" + k + "'; use " + new java.util.TreeSet<>(TOP));
            }
        }
        QueryCompiler c = new QueryCompiler(schema);
        int size = intIn(request, "size", 10, 0, MAX_SIZE);
        int from = intIn(request, "from", 0, 0, MAX_WINDOW);
        if (from + size > MAX_WINDOW) {
            throw new IllegalArgumentException("from + size must be at most " + MAX_WINDOW + "; page deeper with search_after");
        }
        ObjectNode tenantTerm = F.objectNode();
        tenantTerm.putObject("term").put(tenantField, tenant.value());
        ArrayNode filters = F.arrayNode().add(tenantTerm);
        JsonNode filter = request.get("filter");
        if (filter != null) {
            for (JsonNode f : filter.isArray() ? filter : F.arrayNode().add(filter)) {
                filters.add(c.clause(f, 1));
            }
        }
        ObjectNode scoring = request.has("query") ? c.clause(request.get("query"), 1) : null;
        JsonNode knnIn = request.get("knn");

        ObjectNode body = F.objectNode();
        body.put("version", true).put("track_total_hits", true);
        source(request.get("source"), schema, body);
        int rankConstant = intIn(request, "rank_constant", 60, 1, 10_000);
        if (knnIn != null) {
            if (request.has("sort") || request.has("search_after")) {
                throw new IllegalArgumentException("sort and search_after do not apply to kNN queries (ranked by similarity)");
            }
            int window = from + size;
            if (window > MAX_SIZE) {
                throw new IllegalArgumentException("kNN and hybrid queries rank at most the first " + MAX_SIZE + " documents: from + size <= " + MAX_SIZE);
            }
            ObjectNode knn = c.knn(knnIn, filters, window, embed);
            if (request.has("aggs")) {
                body.set("aggs", c.aggs(request.get("aggs"), 1));
            }
            if (scoring == null) {
                body.set("knn", knn);
                body.put("from", from).put("size", size);
                highlight(request.get("highlight"), schema, body);
                return new QueryPlan(body, null, from, size, rankConstant, false);
            }
            // hybrid: both rankings over the same window, fused here (the node has no rank-fusion feature)
            ObjectNode text = body.deepCopy();
            text.set("query", bool(scoring, filters));
            text.put("from", 0).put("size", window);
            highlight(request.get("highlight"), schema, text);
            ObjectNode vec = body.deepCopy();
            vec.remove("aggs");
            vec.set("knn", knn);
            vec.put("from", 0).put("size", window);
            return new QueryPlan(text, vec, from, size, rankConstant, false);
        }
        body.set("query", bool(scoring, filters));
        body.put("from", from).put("size", size);
        boolean sorted = request.has("sort") || request.has("search_after");
        if (sorted) {
            ArrayNode sort = c.sort(request.get("sort"), idField);
            body.set("sort", sort);
            JsonNode after = request.get("search_after");
            if (after != null) {
                if (!after.isArray() || after.size() != sort.size()) {
                    throw new IllegalArgumentException("search_after must be the 'sort' values of the last hit of the previous page ("
                            + sort.size() + " values)");
                }
                if (from != 0) {
                    throw new IllegalArgumentException("search_after pages from the last hit: leave 'from' at 0");
                }
                body.set("search_after", after);
            }
        }
        highlight(request.get("highlight"), schema, body);
        if (request.has("aggs")) {
            body.set("aggs", c.aggs(request.get("aggs"), 1));
        }
        return new QueryPlan(body, null, from, size, rankConstant, sorted);
    }

    private static ObjectNode bool(ObjectNode scoring, ArrayNode filters) {
        ObjectNode q = F.objectNode();
        ObjectNode b = q.putObject("bool");
        if (scoring != null) {
            b.putArray("must").add(scoring);
        }
        b.set("filter", filters);
        return q;
    }

    private static void source(JsonNode s, Schema schema, ObjectNode body) {
        if (s == null) {
            return;
        }
        if (s.isBoolean()) {
            body.put("_source", s.asBoolean());
            return;
        }
        if (!s.isArray()) {
            throw new IllegalArgumentException("'source' is a list of declared fields (or false)");
        }
        ArrayNode inc = body.putObject("_source").putArray("includes");
        for (JsonNode f : s) {
            String name = f.asText();
            if (schema.field(name) == null) {
                throw new IllegalArgumentException("source: field '" + name + "' is not declared in the collection's schema");
            }
            inc.add(name);
        }
    }

    private static void highlight(JsonNode h, Schema schema, ObjectNode body) {
        if (h == null) {
            return;
        }
        JsonNode fields = h.isObject() ? h.get("fields") : h;
        if (fields == null || !fields.isArray() || fields.isEmpty() || fields.size() > 20) {
            throw new IllegalArgumentException("'highlight' is a list of 1-20 text fields, or {\"fields\": [...], \"fragment_size\": n, \"fragments\": n}");
        }
        ObjectNode out = body.putObject("highlight");
        if (h.isObject()) {
            out.put("fragment_size", intIn(h, "fragment_size", 100, 10, 1000));
            out.put("number_of_fragments", intIn(h, "fragments", 3, 0, 10));
        }
        ObjectNode fs = out.putObject("fields");
        for (JsonNode f : fields) {
            Schema.Field field = schema.field(f.asText());
            if (field == null || !(field.text() || "keyword".equals(field.type()))) {
                throw new IllegalArgumentException("highlight: '" + f.asText() + "' is not a declared text or keyword field");
            }
            fs.putObject(field.name());
        }
    }

    static int intIn(JsonNode n, String key, int dflt, int min, int max) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new IllegalArgumentException("'" + key + "' must be a whole number " + min + "-" + max + ", not " + v);
        }
        return v.asInt();
    }

    /**
     * Reciprocal rank fusion: each document scores the sum over the rankings it appears in of 1 / (rankConstant + rank),
     * rank counted from 1; ties go to the smaller id. Returns ids best first.
     */
    public static List<Map.Entry<String, Double>> fuse(List<List<String>> rankings, int rankConstant) {
        Map<String, Double> score = new java.util.HashMap<>();
        for (List<String> r : rankings) {
            for (int i = 0; i < r.size(); i++) {
                score.merge(r.get(i), 1.0 / (rankConstant + i + 1), Double::sum);
            }
        }
        List<Map.Entry<String, Double>> out = new ArrayList<>(score.entrySet());
        out.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : Double.compare(b.getValue(), a.getValue()));
        return out;
    }
}
