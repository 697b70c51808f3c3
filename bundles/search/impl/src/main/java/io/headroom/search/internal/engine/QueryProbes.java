package io.headroom.search.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import io.headroom.search.api.QueryHit;
import io.headroom.search.api.QueryResult;
import io.headroom.search.internal.core.QueryPlan;
import io.headroom.search.internal.core.ResultDiff;
import io.headroom.search.internal.core.Schema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
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

    /**
     * The probes whose results differ, each with what differs; empty when all agree. Results that differ only by documents
     * written since the scan verified {@code verified} (complete results of at most {@link QueryPlan#MAX_SIZE} hits are
     * compared document by document, see {@link ResultDiff}) agree.
     */
    static List<String> compare(Elastic es, TenantId t, String src, String dst, Schema a, Schema b, List<String> probes,
            Map<String, Long> verified) throws IOException {
        List<String> differ = new ArrayList<>();
        for (String p : probes) {
            ObjectNode request = (ObjectNode) JSON.readTree(p);
            boolean ordered = !request.has("query");
            QueryResult x = run(es, t, src, a, request, "source");
            QueryResult y = run(es, t, dst, b, request, "target");
            String diff = x.total() != y.total() ? x.total() + " hits on the old layout, " + y.total() + " on the new"
                    : ordered && !Objects.equals(ids(x), ids(y)) ? "top hits " + ids(x) + " on the old layout, " + ids(y) + " on the new"
                    : "";
            if (!diff.isEmpty() && Math.max(x.total(), y.total()) <= QueryPlan.MAX_SIZE) {
                diff = explain(es, t, src, dst, a, b, request, ordered, verified, diff);
            }
            if (!diff.isEmpty()) {
                differ.add(p + ": " + diff);
            }
        }
        return differ;
    }

    /** The difference of the complete results that documents written since the scan do not explain ("" when none). */
    private static String explain(Elastic es, TenantId t, String src, String dst, Schema a, Schema b, ObjectNode request,
            boolean ordered, Map<String, Long> verified, String diff) throws IOException {
        ObjectNode all = request.deepCopy().put("size", QueryPlan.MAX_SIZE).put("source", false);
        List<ResultDiff.Hit> x = hits(run(es, t, src, a, all, "source"));
        List<ResultDiff.Hit> y = hits(run(es, t, dst, b, all, "target"));
        if (x == null || y == null) {
            return diff; // grown past one page meanwhile
        }
        List<String> oneSided = ResultDiff.oneSided(x, y);
        String left = ResultDiff.unexplained(x, y, ordered, verified, versions(es.get(src, t, oneSided)), versions(es.get(dst, t, oneSided)));
        return left.isEmpty() ? "" : diff + " (" + left + ")";
    }

    private static QueryResult run(Elastic es, TenantId t, String index, Schema schema, JsonNode request, String layout) throws IOException {
        return QueryRunner.run(es, index, t, QueryPlan.compile(request, schema, t, Elastic.TENANT, Elastic.ID, null), layout);
    }

    private static List<ResultDiff.Hit> hits(QueryResult r) {
        return r.total() > r.hits().size() ? null : r.hits().stream().map(h -> new ResultDiff.Hit(h.id(), h.version())).toList();
    }

    private static Map<String, Long> versions(Map<String, Elastic.Doc> docs) {
        Map<String, Long> out = new HashMap<>();
        docs.forEach((id, d) -> out.put(id, d.version()));
        return out;
    }

    private static List<String> ids(QueryResult r) {
        return r.hits().stream().map(QueryHit::id).toList();
    }
}
