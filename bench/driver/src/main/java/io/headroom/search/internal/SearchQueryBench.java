package io.headroom.search.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.internal.flags.JdbcFeatureFlags;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.QueryHit;
import io.headroom.search.internal.core.QueryPlan;
import io.headroom.search.internal.core.Schema;
import io.headroom.search.internal.engine.Elastic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.http.HttpHost;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;

/**
 * The query language's cost and kNN quality, against a real Elasticsearch 8.19 node, same run:
 * <ol>
 * <li>query latency through Headroom ({@code TenantSearch.query} in-process: schema check, compilation, the tenant's
 * layout from the snapshot, the search, the answer as records) vs the same request body (tenant filter included) sent
 * directly to Elasticsearch with the low-level REST client and its response read as a JSON tree; interleaved, four query
 * forms in turn (filter + sort, full text + range, aggregations, kNN);</li>
 * <li>kNN recall@10 of Headroom's kNN (float HNSW, default candidates) against exact nearest neighbours computed here.</li>
 * </ol>
 * Usage: SearchQueryBench [tenants] [docs per tenant] [latency samples] [recall queries]   (defaults: 10 5000 2000 200)
 */
public final class SearchQueryBench {
    static final int DIMS = 32;
    static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int docs = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int recallQueries = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        Path data = Path.of("bench", "driver", "target", "es-qbench-" + ProcessHandle.current().pid());
        try (MariaDb db = MariaDb.machineOrEmbedded(); ElasticsearchProcess es = ElasticsearchProcess.start(data, 0, "512m")) {
            String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
            PlainControlStore store = new PlainControlStore(db, schema);
            store.migrate("core", io.headroom.core.internal.store.ControlVersions.MIGRATIONS);
            JdbcFeatureFlags flags = new JdbcFeatureFlags(store, SearchMigrationBench.flagsConfig(500));
            SearchMigrationBench.Node node = SearchMigrationBench.Node.start(store, flags, SearchMigrationBench.config(es.endpoint()), "node-a");
            try (RestClient rest = RestClient.builder(HttpHost.create(es.endpoint())).build()) {
                run(node, rest, tenants, docs, samples, recallQueries);
            } finally {
                node.close();
                db.dropSchema(schema);
            }
        }
        System.exit(0);
    }

    private static void run(SearchMigrationBench.Node n, RestClient rest, int tenants, int docs, int samples, int recallQueries) throws Exception {
        String mappings = "{\"properties\":{\"title\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},\"price\":{\"type\":\"double\"},"
                + "\"v\":{\"type\":\"dense_vector\",\"dims\":" + DIMS + ",\"similarity\":\"l2_norm\"}}}";
        n.admin().createCollection("catalog", new LayoutSpec(4, Set.of(), mappings, null));
        List<TenantId> ts = IntStream.range(0, tenants).mapToObj(i -> TenantId.of(String.format("t%02d", i))).toList();
        Map<String, float[]> vectorsOfT0 = new LinkedHashMap<>();
        Random r = new Random(42);
        for (TenantId t : ts) {
            for (int from = 0; from < docs; from += 1000) {
                List<DocumentWrite> batch = new ArrayList<>();
                for (int d = from; d < Math.min(docs, from + 1000); d++) {
                    float[] v = new float[DIMS];
                    List<Float> vl = new ArrayList<>(DIMS);
                    for (int k = 0; k < DIMS; k++) {
                        v[k] = (float) r.nextGaussian();
                        vl.add(v[k]);
                    }
                    if (t.equals(ts.get(0))) {
                        vectorsOfT0.put("d" + d, v);
                    }
                    batch.add(DocumentWrite.index("d" + d, 1, Map.of("title", WORDS[r.nextInt(10)] + " " + WORDS[r.nextInt(10)] + " " + WORDS[r.nextInt(10)],
                            "tag", "tag" + r.nextInt(20), "price", r.nextInt(100_000) / 100.0, "v", vl)));
                }
                n.search().bulk("catalog", t, batch);
            }
        }
        List<String> indexes = n.node().layoutIndexes("catalog", 1);
        Request refresh = new Request("POST", "/" + String.join(",", indexes) + "/_refresh");
        rest.performRequest(refresh);
        Request merge = new Request("POST", "/" + String.join(",", indexes) + "/_forcemerge");
        merge.addParameter("max_num_segments", "1");
        rest.performRequest(merge);
        System.out.printf("seeded 1 collection (4 partitions) x %d tenants x %d documents, %d-dim vectors; force-merged%n", tenants, docs, DIMS);

        Schema schema = Schema.parse(mappings);
        SearchNode.Snapshot snap = n.node().snapshot();
        var layout = snap.layout("catalog", 1);
        List<Map<String, Object>> forms = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            float[] q = new float[DIMS];
            List<Float> ql = new ArrayList<>();
            for (int k = 0; k < DIMS; k++) {
                q[k] = (float) r.nextGaussian();
                ql.add(q[k]);
            }
            forms.add(Map.of("filter", Map.of("term", Map.of("tag", "tag" + (i % 20))), "sort", List.of("-price"), "size", 10));
            forms.add(Map.of("query", Map.of("match", Map.of("text", WORDS[i % 10])), "filter", Map.of("range", Map.of("price", Map.of("lt", 500))), "size", 10));
            forms.add(Map.of("size", 0, "aggs", Map.of("tags", Map.of("terms", Map.of("field", "tag", "size", 20),
                    "aggs", Map.of("p", Map.of("stats", Map.of("field", "price")))))));
            forms.add(Map.of("knn", Map.of("field", "v", "vector", ql, "k", 10), "size", 10));
        }
        String[] names = {"filter+sort", "text+range", "aggs", "knn"};
        long[][] hr = new long[4][samples];
        long[][] direct = new long[4][samples];
        for (int i = -400; i < samples * 4; i++) {
            int f = Math.floorMod(i, 4);
            int s = Math.floorMod(i, forms.size());
            s = s - (s % 4) + f;
            TenantId t = ts.get(Math.floorMod(i, tenants));
            Map<String, Object> req = forms.get(s);
            byte[] body = JSON.writeValueAsBytes(QueryPlan.compile(JSON.valueToTree(req), schema, t, Elastic.TENANT, Elastic.ID, null).body());
            String index = layout.indexFor(t);
            boolean hrFirst = (i & 4) == 0;
            long a0 = 0;
            long a1 = 0;
            long b0 = 0;
            long b1 = 0;
            for (int side = 0; side < 2; side++) {
                if ((side == 0) == hrFirst) {
                    a0 = System.nanoTime();
                    n.search().query("catalog", t, req);
                    a1 = System.nanoTime();
                } else {
                    b0 = System.nanoTime();
                    Request dr = new Request("POST", "/" + index + "/_search");
                    dr.addParameter("routing", t.value());
                    dr.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
                    JsonNode answer = JSON.readTree(EntityUtils.toByteArray(rest.performRequest(dr).getEntity()));
                    if (answer.path("hits").isMissingNode()) {
                        throw new IllegalStateException("no hits");
                    }
                    b1 = System.nanoTime();
                }
            }
            if (i >= 0) {
                hr[f][i / 4] = a1 - a0;
                direct[f][i / 4] = b1 - b0;
            }
        }
        long[] allHr = Arrays.stream(hr).flatMapToLong(Arrays::stream).sorted().toArray();
        long[] allDirect = Arrays.stream(direct).flatMapToLong(Arrays::stream).sorted().toArray();
        for (int f = 0; f < 4; f++) {
            Arrays.sort(hr[f]);
            Arrays.sort(direct[f]);
            System.out.printf("  %-12s Headroom p50 %.2f ms p99 %.2f ms; direct p50 %.2f ms p99 %.2f ms; p99 difference %+.2f ms%n", names[f],
                    ms(pct(hr[f], 50)), ms(pct(hr[f], 99)), ms(pct(direct[f], 50)), ms(pct(direct[f], 99)), ms(pct(hr[f], 99) - pct(direct[f], 99)));
        }
        System.out.printf("query latency, %d queries each side, interleaved: Headroom p50 %.2f ms p99 %.2f ms; direct to Elasticsearch with the tenant filter"
                + " p50 %.2f ms p99 %.2f ms; p99 difference %+.2f ms%n", allHr.length, ms(pct(allHr, 50)), ms(pct(allHr, 99)),
                ms(pct(allDirect, 50)), ms(pct(allDirect, 99)), ms(pct(allHr, 99) - pct(allDirect, 99)));

        // kNN recall@10 against exact search over tenant t00's vectors
        TenantId t0 = ts.get(0);
        int found = 0;
        for (int qn = 0; qn < recallQueries; qn++) {
            float[] q = new float[DIMS];
            List<Float> ql = new ArrayList<>();
            for (int k = 0; k < DIMS; k++) {
                q[k] = (float) r.nextGaussian();
                ql.add(q[k]);
            }
            Set<String> exact = new HashSet<>(vectorsOfT0.entrySet().stream().sorted(Comparator.comparingDouble(e -> l2(e.getValue(), q)))
                    .limit(10).map(Map.Entry::getKey).toList());
            for (QueryHit h : n.search().query("catalog", t0, Map.of("knn", Map.of("field", "v", "vector", ql, "k", 10), "size", 10)).hits()) {
                if (exact.contains(h.id())) {
                    found++;
                }
            }
        }
        System.out.printf("kNN recall@10 (k 10, default candidates 100, float HNSW, l2_norm, %d dims) over %d queries on one tenant's %d documents"
                + " (sharing 4 partitions with %d other tenants): %.3f%n", DIMS, recallQueries, docs, tenants - 1, found / (10.0 * recallQueries));
        System.out.printf("machine: %d cores, %s %s; Elasticsearch 8.19.21 (child JVM, -Xmx512m), elasticsearch-java 8.19.24%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    static double l2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
