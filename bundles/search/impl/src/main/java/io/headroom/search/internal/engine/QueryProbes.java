package io.headroom.search.internal.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import io.headroom.search.api.QueryHit;
import io.headroom.search.api.QueryResult;
import io.headroom.search.internal.core.QueryPlan;
import io.headroom.search.internal.core.Schema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Sampled queries a migration's validation runs on both layouts of a tenant: every document, then term filters and
 * full-text matches built from sampled documents' values on the fields both layouts declare. Filter
 * queries are compared on totals and their top hits in order (their order is the id); full-text queries (the sampled
 * value on a field both declare as text or keyword, so a change between the two or of the analyzer shows) on totals (their
 * scores depend on each index's statistics, which a new partitioning changes without changing what matches).
 */
final class QueryProbes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryProbes() {
    }

    static List<String> build(Schema a, Schema b, List<Elastic.Doc> sample, int max) {
        Set<String> out = new LinkedHashSet<>();
        out.add("{\"size\":10,\"sort\":[\"_score\"]}");
        for (Elastic.Doc d : sample) {
            for (Map.Entry<String, Object> e : d.source().entrySet()) {
                if (out.size() > max) {
                    return new ArrayList<>(out);
                }
                Schema.Field fa = a.field(e.getKey());
                Schema.Field fb = b.field(e.getKey());
                Object v = e.getValue();
                if (fa == null || fb == null || v == null) {
                    continue;
                }
                if (fa.exact() && fb.exact() && (v instanceof String || v instanceof Number || v instanceof Boolean)) {
                    ObjectNode q = JSON.createObjectNode().put("size", 10);
                    q.putObject("filter").putObject("term").set(fa.name(), JSON.valueToTree(v));
                    // constant scores: the caller's id orders the hits the same on both sides
                    q.putArray("sort").add("_score");
                    out.add(q.toString());
                }
                // the value as full text on both sides: a field that changed between keyword and text, or its analyzer, shows here
                if (words(fa) && words(fb) && v instanceof String text && !text.isBlank() && text.length() <= 200) {
                    ObjectNode q = JSON.createObjectNode().put("size", 10);
                    q.putObject("query").putObject("match").put("text", text).put("operator", "and").putArray("fields").add(fa.name());
                    out.add(q.toString());
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static boolean words(Schema.Field f) {
        return f.text() || "keyword".equals(f.type());
    }

    /** The probes whose results differ, each with what differs; empty when all agree. */
    static List<String> compare(Elastic es, TenantId t, String src, String dst, Schema a, Schema b, List<String> probes) throws IOException {
        List<String> differ = new ArrayList<>();
        for (String p : probes) {
            var request = JSON.readTree(p);
            QueryResult x = QueryRunner.run(es, src, t, QueryPlan.compile(request, a, t, Elastic.TENANT, Elastic.ID, null), "source");
            QueryResult y = QueryRunner.run(es, dst, t, QueryPlan.compile(request, b, t, Elastic.TENANT, Elastic.ID, null), "target");
            if (x.total() != y.total()) {
                differ.add(p + ": " + x.total() + " hits on the old layout, " + y.total() + " on the new");
            } else if (!request.has("query") && !Objects.equals(ids(x), ids(y))) {
                differ.add(p + ": top hits " + ids(x) + " on the old layout, " + ids(y) + " on the new");
            }
        }
        return differ;
    }

    private static List<String> ids(QueryResult r) {
        return r.hits().stream().map(QueryHit::id).toList();
    }
}
