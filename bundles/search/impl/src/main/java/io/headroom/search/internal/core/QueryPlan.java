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
        Compiler c = new Compiler(schema);
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

    /** One query's compilation: counts clauses across the whole request. */
    private static final class Compiler {
        private final Schema schema;
        private int clauses;

        Compiler(Schema schema) {
            this.schema = schema;
        }

        Schema.Field declared(String name, String where) {
            Schema.Field f = schema.field(name);
            if (f == null) {
                throw new IllegalArgumentException(where + ": field '" + name + "' is not declared in the collection's schema");
            }
            return f;
        }

        Map.Entry<String, JsonNode> single(JsonNode n, String what) {
            if (n == null || !n.isObject() || n.size() != 1) {
                throw new IllegalArgumentException(what + " takes an object with exactly one field");
            }
            return n.fields().next();
        }

        ObjectNode clause(JsonNode q, int depth) {
            if (++clauses > MAX_CLAUSES) {
                throw new IllegalArgumentException("a query has at most " + MAX_CLAUSES + " clauses");
            }
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("bool clauses nest at most " + MAX_DEPTH + " deep");
            }
            var e = single(q, "a query clause");
            String kind = e.getKey();
            JsonNode arg = e.getValue();
            ObjectNode out = F.objectNode();
            switch (kind) {
                case "all" -> out.putObject("match_all");
                case "match" -> {
                    String text = arg.path("text").asText(null);
                    if (text == null || !arg.path("text").isTextual()) {
                        throw new IllegalArgumentException("match: 'text' (a string) is required");
                    }
                    ObjectNode mm = out.putObject("multi_match");
                    mm.put("query", text);
                    ArrayNode fields = mm.putArray("fields");
                    JsonNode fs = arg.get("fields");
                    if (fs == null) {
                        schema.fields().values().stream().filter(Schema.Field::text).forEach(f -> fields.add(f.name()));
                        if (fields.isEmpty()) {
                            throw new IllegalArgumentException("match: the schema declares no text field; name 'fields'");
                        }
                    } else {
                        if (!fs.isArray() || fs.isEmpty() || fs.size() > 50) {
                            throw new IllegalArgumentException("match: 'fields' is a list of 1-50 fields, each optionally with ^boost");
                        }
                        for (JsonNode f : fs) {
                            String[] p = f.asText().split("\\^", -1);
                            Schema.Field field = declared(p[0], "match");
                            if (!field.text() && !"keyword".equals(field.type())) {
                                throw new IllegalArgumentException("match: field '" + p[0] + "' is " + field.type() + ", not text or keyword");
                            }
                            if (p.length > 2 || (p.length == 2 && !p[1].matches("\\d{1,3}(\\.\\d{1,3})?"))) {
                                throw new IllegalArgumentException("match: a boost is field^number (0-999), not '" + f.asText() + "'");
                            }
                            fields.add(f.asText());
                        }
                    }
                    String op = arg.path("operator").asText("or");
                    if (!op.equals("or") && !op.equals("and")) {
                        throw new IllegalArgumentException("match: 'operator' is \"or\" or \"and\"");
                    }
                    mm.put("operator", op);
                    for (Iterator<String> it = arg.fieldNames(); it.hasNext(); ) {
                        String k = it.next();
                        if (!Set.of("text", "fields", "operator").contains(k)) {
                            throw new IllegalArgumentException("match: unknown key '" + k + "'");
                        }
                    }
                }
                case "term" -> {
                    var t = single(arg, "term");
                    Schema.Field f = declared(t.getKey(), "term");
                    exact(f, "term");
                    scalar(t.getValue(), "term");
                    out.putObject("term").set(f.name(), t.getValue());
                }
                case "terms" -> {
                    var t = single(arg, "terms");
                    Schema.Field f = declared(t.getKey(), "terms");
                    exact(f, "terms");
                    if (!t.getValue().isArray() || t.getValue().isEmpty() || t.getValue().size() > MAX_TERMS) {
                        throw new IllegalArgumentException("terms: give a list of 1-" + MAX_TERMS + " values");
                    }
                    t.getValue().forEach(v -> scalar(v, "terms"));
                    out.putObject("terms").set(f.name(), t.getValue());
                }
                case "range" -> {
                    var t = single(arg, "range");
                    Schema.Field f = declared(t.getKey(), "range");
                    exact(f, "range");
                    JsonNode r = t.getValue();
                    if (!r.isObject() || r.isEmpty()) {
                        throw new IllegalArgumentException("range: give bounds gt, gte, lt, lte");
                    }
                    ObjectNode bounds = out.putObject("range").putObject(f.name());
                    for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
                        var b = it.next();
                        if (!Set.of("gt", "gte", "lt", "lte").contains(b.getKey())) {
                            throw new IllegalArgumentException("range: unknown bound '" + b.getKey() + "'; use gt, gte, lt, lte");
                        }
                        scalar(b.getValue(), "range");
                        bounds.set(b.getKey(), b.getValue());
                    }
                }
                case "exists" -> out.putObject("exists").put("field", declared(arg.asText(), "exists").name());
                case "geo_distance" -> {
                    Schema.Field f = declared(arg.path("field").asText(), "geo_distance");
                    if (!"geo_point".equals(f.type()) || !arg.path("lat").isNumber() || !arg.path("lon").isNumber()
                            || !arg.path("distance").asText("").matches("\\d+(\\.\\d+)?(m|km)")) {
                        throw new IllegalArgumentException("geo_distance: {\"field\": a geo_point field, \"lat\": n, \"lon\": n, \"distance\": \"10km\"}");
                    }
                    ObjectNode g = out.putObject("geo_distance");
                    g.put("distance", arg.get("distance").asText());
                    g.putObject(f.name()).put("lat", arg.get("lat").asDouble()).put("lon", arg.get("lon").asDouble());
                }
                case "bool" -> {
                    if (!arg.isObject()) {
                        throw new IllegalArgumentException("bool takes an object of must, should, must_not, filter");
                    }
                    ObjectNode b = out.putObject("bool");
                    for (Iterator<Map.Entry<String, JsonNode>> it = arg.fields(); it.hasNext(); ) {
                        var part = it.next();
                        if (part.getKey().equals("minimum_should_match")) {
                            if (!part.getValue().isInt() || part.getValue().asInt() < 0) {
                                throw new IllegalArgumentException("bool: minimum_should_match is a whole number");
                            }
                            b.put("minimum_should_match", part.getValue().asInt());
                            continue;
                        }
                        if (!Set.of("must", "should", "must_not", "filter").contains(part.getKey())) {
                            throw new IllegalArgumentException("bool: unknown part '" + part.getKey() + "'; use must, should, must_not, filter");
                        }
                        ArrayNode list = b.putArray(part.getKey());
                        for (JsonNode sub : part.getValue().isArray() ? part.getValue() : F.arrayNode().add(part.getValue())) {
                            list.add(clause(sub, depth + 1));
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown query clause '" + kind
                        + "'; use all, match, term, terms, range, exists, geo_distance, bool");
            }
            return out;
        }

        void exact(Schema.Field f, String where) {
            if (!f.exact()) {
                throw new IllegalArgumentException(where + ": field '" + f.name() + "' is " + f.type() + "; use keyword, numeric, date or boolean fields");
            }
        }

        void scalar(JsonNode v, String where) {
            if (!v.isValueNode() || v.isNull()) {
                throw new IllegalArgumentException(where + ": values are strings, numbers or booleans, not " + v);
            }
        }

        ArrayNode sort(JsonNode s, String tiebreak) {
            ArrayNode out = F.arrayNode();
            List<JsonNode> items = new ArrayList<>();
            if (s != null) {
                if (s.isArray()) {
                    s.forEach(items::add);
                } else {
                    items.add(s);
                }
            }
            if (items.size() > 5) {
                throw new IllegalArgumentException("sort on at most 5 fields");
            }
            for (JsonNode i : items) {
                String field;
                String order;
                if (i.isTextual()) {
                    field = i.asText().startsWith("-") ? i.asText().substring(1) : i.asText();
                    order = i.asText().startsWith("-") ? "desc" : "asc";
                } else {
                    field = i.path("field").asText("");
                    order = i.path("order").asText("asc");
                    if (!order.equals("asc") && !order.equals("desc")) {
                        throw new IllegalArgumentException("sort: order is asc or desc");
                    }
                }
                if (field.equals("_score")) {
                    out.addObject().put("_score", order);
                    continue;
                }
                Schema.Field f = declared(field, "sort");
                exact(f, "sort");
                // missing values last whatever the order, so a page boundary is the same for every tenant's data
                out.addObject().putObject(f.name()).put("order", order).put("missing", "_last");
            }
            if (items.isEmpty()) {
                out.addObject().put("_score", "desc");
            }
            // the caller's id breaks ties: pages never skip or repeat a document
            out.addObject().putObject(tiebreak).put("order", "asc");
            return out;
        }

        ObjectNode knn(JsonNode k, ArrayNode filters, int window, BiFunction<String, String, float[]> embed) {
            if (!k.isObject()) {
                throw new IllegalArgumentException("knn: {\"field\": a dense_vector field, \"vector\": [...] or \"text\": \"...\", \"k\": n, \"candidates\": n}");
            }
            Schema.Field f = declared(k.path("field").asText(""), "knn");
            if (!f.vector()) {
                throw new IllegalArgumentException("knn: field '" + f.name() + "' is " + f.type() + ", not dense_vector");
            }
            ArrayNode vector = F.arrayNode();
            if (k.has("vector")) {
                JsonNode v = k.get("vector");
                if (!v.isArray() || v.size() != f.dims()) {
                    throw new IllegalArgumentException("knn: 'vector' must have " + f.dims() + " numbers (the dims of '" + f.name() + "')");
                }
                for (JsonNode x : v) {
                    if (!x.isNumber()) {
                        throw new IllegalArgumentException("knn: 'vector' holds numbers only");
                    }
                    vector.add(x.floatValue());
                }
            } else if (k.has("text")) {
                String route = k.path("embed").asText(f.embedRoute());
                if (route == null || route.isEmpty()) {
                    throw new IllegalArgumentException("knn: 'text' needs an embeddings route: 'embed' or the field's meta.embed_route");
                }
                if (embed == null) {
                    throw new IllegalArgumentException("knn: no embeddings provider is installed for route '" + route + "'; send 'vector'");
                }
                float[] v = embed.apply(route, k.get("text").asText());
                if (v.length != f.dims()) {
                    throw new IllegalArgumentException("knn: route '" + route + "' gives " + v.length + " dimensions, '" + f.name() + "' has " + f.dims());
                }
                for (float x : v) {
                    vector.add(x);
                }
            } else {
                throw new IllegalArgumentException("knn: give 'vector' or 'text'");
            }
            int kk = intIn(k, "k", Math.max(10, window), 1, MAX_SIZE);
            if (kk < window) {
                kk = window;
            }
            int candidates = intIn(k, "candidates", Math.min(MAX_CANDIDATES, Math.max(100, kk * 2)), 1, MAX_CANDIDATES);
            if (candidates < kk) {
                throw new IllegalArgumentException("knn: 'candidates' must be at least k (" + kk + ")");
            }
            ObjectNode out = F.objectNode();
            out.put("field", f.name());
            out.set("query_vector", vector);
            out.put("k", kk).put("num_candidates", candidates);
            ArrayNode kf = out.putArray("filter");
            kf.addAll(filters);
            JsonNode extra = k.get("filter");
            if (extra != null) {
                for (JsonNode x : extra.isArray() ? extra : F.arrayNode().add(extra)) {
                    kf.add(clause(x, 1));
                }
            }
            return out;
        }

        ObjectNode aggs(JsonNode a, int level) {
            if (!a.isObject() || a.isEmpty() || a.size() > MAX_AGGS) {
                throw new IllegalArgumentException("'aggs' is an object of 1-" + MAX_AGGS + " named aggregations");
            }
            ObjectNode out = F.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                var e = it.next();
                String name = e.getKey();
                if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new IllegalArgumentException("aggregation names are 1-64 letters, digits, _ or -: '" + name + "'");
                }
                JsonNode def = e.getValue();
                JsonNode sub = def.get("aggs");
                ObjectNode d = def.deepCopy();
                d.remove("aggs");
                var kind = single(d, "aggregation '" + name + "'");
                ObjectNode agg = out.putObject(name);
                boolean bucket = agg(name, kind.getKey(), kind.getValue(), agg);
                if (sub != null) {
                    if (!bucket || level > 1) {
                        throw new IllegalArgumentException("aggregation '" + name + "': sub-aggregations go one level deep, under terms, "
                                + "date_histogram or range");
                    }
                    agg.set("aggs", aggs(sub, level + 1));
                }
            }
            return out;
        }

        /** Writes one aggregation; true when it makes buckets (and may hold sub-aggregations). */
        boolean agg(String name, String kind, JsonNode arg, ObjectNode out) {
            String where = "aggregation '" + name + "' (" + kind + ")";
            Schema.Field f = declared(arg.path("field").asText(""), where);
            ObjectNode o = out.putObject(kind);
            o.put("field", f.name());
            switch (kind) {
                case "terms" -> {
                    exact(f, where);
                    o.put("size", intIn(arg, "size", 10, 1, MAX_BUCKETS / 10));
                    return true;
                }
                case "date_histogram" -> {
                    if (!"date".equals(f.type())) {
                        throw new IllegalArgumentException(where + ": field '" + f.name() + "' is not a date");
                    }
                    String cal = arg.path("calendar_interval").asText(null);
                    String fixed = arg.path("fixed_interval").asText(null);
                    if ((cal == null) == (fixed == null)) {
                        throw new IllegalArgumentException(where + ": give calendar_interval (minute, hour, day, week, month, quarter, year) "
                                + "or fixed_interval (e.g. 30m, 12h)");
                    }
                    if (cal != null) {
                        if (!Set.of("minute", "hour", "day", "week", "month", "quarter", "year").contains(cal)) {
                            throw new IllegalArgumentException(where + ": calendar_interval is minute, hour, day, week, month, quarter or year");
                        }
                        o.put("calendar_interval", cal);
                    } else {
                        if (!fixed.matches("[1-9]\\d{0,5}(ms|s|m|h|d)")) {
                            throw new IllegalArgumentException(where + ": fixed_interval is a number and a unit (ms, s, m, h, d)");
                        }
                        o.put("fixed_interval", fixed);
                    }
                    if (arg.has("time_zone")) {
                        String tz = arg.get("time_zone").asText();
                        try {
                            java.time.ZoneId.of(tz);
                        } catch (java.time.DateTimeException ex) {
                            throw new IllegalArgumentException(where + ": unknown time_zone '" + tz + "'");
                        }
                        o.put("time_zone", tz);
                    }
                    // only buckets that hold documents: the bucket count is bounded by the documents, not by the span
                    o.put("min_doc_count", 1);
                    return true;
                }
                case "range" -> {
                    if (!f.numeric() && !"date".equals(f.type())) {
                        throw new IllegalArgumentException(where + ": field '" + f.name() + "' is not numeric or a date");
                    }
                    JsonNode rs = arg.get("ranges");
                    if (rs == null || !rs.isArray() || rs.isEmpty() || rs.size() > 100) {
                        throw new IllegalArgumentException(where + ": 'ranges' is a list of 1-100 {from, to, key}");
                    }
                    ArrayNode ranges = o.putArray("ranges");
                    for (JsonNode r : rs) {
                        ObjectNode x = ranges.addObject();
                        for (String k : List.of("from", "to", "key")) {
                            if (r.has(k)) {
                                scalar(r.get(k), where);
                                x.set(k, r.get(k));
                            }
                        }
                    }
                    return true;
                }
                case "stats", "min", "max", "avg", "sum" -> {
                    if (!f.numeric() && !"date".equals(f.type())) {
                        throw new IllegalArgumentException(where + ": field '" + f.name() + "' is not numeric or a date");
                    }
                    return false;
                }
                case "percentiles" -> {
                    if (!f.numeric()) {
                        throw new IllegalArgumentException(where + ": field '" + f.name() + "' is not numeric");
                    }
                    JsonNode ps = arg.get("percents");
                    if (ps != null) {
                        if (!ps.isArray() || ps.isEmpty() || ps.size() > 20) {
                            throw new IllegalArgumentException(where + ": 'percents' is a list of 1-20 numbers 0-100");
                        }
                        ArrayNode p = o.putArray("percents");
                        for (JsonNode x : ps) {
                            if (!x.isNumber() || x.asDouble() < 0 || x.asDouble() > 100) {
                                throw new IllegalArgumentException(where + ": percents are numbers 0-100");
                            }
                            p.add(x.asDouble());
                        }
                    }
                    return false;
                }
                case "cardinality" -> {
                    exact(f, where);
                    return false;
                }
                default -> throw new IllegalArgumentException("aggregation '" + name + "': unknown kind '" + kind
                        + "'; use terms, date_histogram, range, stats, min, max, avg, sum, percentiles, cardinality");
            }
        }
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
