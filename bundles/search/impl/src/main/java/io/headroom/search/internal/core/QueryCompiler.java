package io.headroom.search.internal.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** One query's compilation for {@link QueryPlan}: checks each clause against the schema and counts clauses across the whole request. */
final class QueryCompiler {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final Schema schema;
    private int clauses;

    QueryCompiler(Schema schema) {
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
        if (++clauses > QueryPlan.MAX_CLAUSES) {
            throw new IllegalArgumentException("a query has at most " + QueryPlan.MAX_CLAUSES + " clauses");
        }
        if (depth > QueryPlan.MAX_DEPTH) {
            throw new IllegalArgumentException("bool clauses nest at most " + QueryPlan.MAX_DEPTH + " deep");
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
                if (!t.getValue().isArray() || t.getValue().isEmpty() || t.getValue().size() > QueryPlan.MAX_TERMS) {
                    throw new IllegalArgumentException("terms: give a list of 1-" + QueryPlan.MAX_TERMS + " values");
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
        int kk = QueryPlan.intIn(k, "k", Math.max(10, window), 1, QueryPlan.MAX_SIZE);
        if (kk < window) {
            kk = window;
        }
        int candidates = QueryPlan.intIn(k, "candidates", Math.min(QueryPlan.MAX_CANDIDATES, Math.max(100, kk * 2)), 1, QueryPlan.MAX_CANDIDATES);
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
        if (!a.isObject() || a.isEmpty() || a.size() > QueryPlan.MAX_AGGS) {
            throw new IllegalArgumentException("'aggs' is an object of 1-" + QueryPlan.MAX_AGGS + " named aggregations");
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
                o.put("size", QueryPlan.intIn(arg, "size", 10, 1, QueryPlan.MAX_BUCKETS / 10));
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
