package io.headroom.search.internal;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.core.internal.flags.JdbcFeatureFlags;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.TenantProgress;
import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

/**
 * Search migration figures, baseline and Headroom in the same run, against a real Elasticsearch 8.19 node (child JVM)
 * and MariaDB (the machine's, or embedded), with two Headroom "nodes" (two services, each with its own flag cache) on
 * one control schema:
 * <ol>
 * <li>dual-write overhead: single-document index latency on a collection in dual-write vs one that is not, interleaved;</li>
 * <li>backfill throughput: Headroom's backfill plus validation of every tenant vs a plain PIT/search_after + bulk copy loop;</li>
 * <li>read move visibility: time from advancing (or rolling back) one tenant on node A until node B's searches follow.</li>
 * </ol>
 * Usage: SearchMigrationBench [tenants] [docs per tenant] [latency samples]   (defaults: 20 2500 3000)
 */
public final class SearchMigrationBench {

    public static void main(String[] args) throws Exception {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int docs = args.length > 1 ? Integer.parseInt(args[1]) : 2500;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        Path data = Path.of("bench", "driver", "target", "es-bench-" + ProcessHandle.current().pid());
        try (MariaDb db = MariaDb.machineOrEmbedded(); ElasticsearchProcess es = ElasticsearchProcess.start(data, 0, "512m")) {
            String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
            PlainControlStore store = new PlainControlStore(db, schema);
            store.migrate("core", io.headroom.core.internal.store.ControlVersions.MIGRATIONS);
            JdbcFeatureFlags flagsA = new JdbcFeatureFlags(store, flagsConfig(1000));
            JdbcFeatureFlags flagsB = new JdbcFeatureFlags(store, flagsConfig(1000));
            JdbcFeatureFlags flagsC = new JdbcFeatureFlags(store, flagsConfig(500));
            Node a = Node.start(store, flagsA, config(es.endpoint()), "node-a");
            Node b = Node.start(store, flagsB, config(es.endpoint()), "node-b");
            Node c = Node.start(store, flagsC, config(es.endpoint()), "node-c");
            try {
                run(a, b, c, es, tenants, docs, samples);
            } finally {
                a.close();
                b.close();
                c.close();
                db.dropSchema(schema);
            }
        }
        System.exit(0); // the flag caches' refresh threads
    }

    /** The search components of one node, built and wired outside OSGi as Declarative Services wires them. */
    record Node(JdbcFleet fleet, JdbcLeases leases, SearchNode node, SearchBackfill backfill, SearchValidation validation,
            SearchOutboxDrain outbox, TenantSearchService search, SearchAdminService admin) implements AutoCloseable {
        static Node start(PlainControlStore control, FeatureFlags flags, SearchConfig config, String id) {
            JdbcFleet fleet = new JdbcFleet(control, fleetConfig(id), null);
            JdbcLeases leases = new JdbcLeases(control, fleet);
            SearchNode node = new SearchNode(control, flags, NO_SIGNALS, config);
            SearchBackfill backfill = new SearchBackfill(node, leases);
            SearchValidation validation = new SearchValidation(node);
            return new Node(fleet, leases, node, backfill, validation, new SearchOutboxDrain(node), new TenantSearchService(node),
                    new SearchAdminService(node, backfill, validation));
        }

        @Override
        public void close() {
            outbox.deactivate();
            validation.deactivate();
            backfill.deactivate();
            node.deactivate();
            leases.deactivate();
            fleet.deactivate();
        }
    }

    private static void run(Node na, Node nb, Node nc, ElasticsearchProcess es, int tenants, int docs, int samples) throws Exception {
        SearchAdminService a = na.admin();
        TenantSearchService as = na.search();
        String mappings = "{\"properties\":{\"title\":{\"type\":\"text\"},\"n\":{\"type\":\"long\"}}}";
        List<TenantId> ts = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
            ts.add(TenantId.of(String.format("t%02d", i)));
        }
        long version = 1;
        for (String c : List.of("plain", "moving")) {
            a.createCollection(c, new LayoutSpec(4, Set.of(), mappings, null));
            for (TenantId t : ts) {
                for (int from = 0; from < docs; from += 1000) {
                    List<DocumentWrite> batch = new ArrayList<>();
                    for (int d = from; d < Math.min(docs, from + 1000); d++) {
                        batch.add(DocumentWrite.index("d" + d, version++, doc(t, d)));
                    }
                    as.bulk(c, t, batch);
                }
            }
        }
        System.out.printf("seeded 2 collections x %d tenants x %d documents%n", tenants, docs);

        // 1. dual-write overhead, interleaved: the same call on a collection in dual-write and on one that is not
        MigrationStatus m = a.createMigration("moving", new LayoutSpec(8, Set.of(ts.get(0)), mappings, null));
        a.start(m.id());
        Thread.sleep(1500);
        long[] single = new long[samples];
        long[] dual = new long[samples];
        for (int i = -500; i < samples; i++) {
            TenantId t = ts.get(Math.floorMod(i, tenants));
            int d = Math.floorMod(i * 7, docs);
            long t0 = System.nanoTime();
            as.index("plain", t, "d" + d, version++, doc(t, d));
            long t1 = System.nanoTime();
            as.index("moving", t, "d" + d, version++, doc(t, d));
            long t2 = System.nanoTime();
            if (i >= 0) {
                single[i] = t1 - t0;
                dual[i] = t2 - t1;
            }
        }
        Arrays.sort(single);
        Arrays.sort(dual);
        System.out.printf("index latency, %d calls each, interleaved: one layout p50 %.2f ms p99 %.2f ms; dual-write p50 %.2f ms p99 %.2f ms;"
                + " dual-write overhead p99 %+.2f ms%n", samples, ms(pct(single, 50)), ms(pct(single, 99)), ms(pct(dual, 50)), ms(pct(dual, 99)),
                ms(pct(dual, 99) - pct(single, 99)));

        // 2. backfill throughput with validation vs a plain scan-and-bulk copy loop of the same documents
        long total = (long) tenants * docs;
        double plain1 = plainCopy(es.endpoint(), na.node().layoutIndexes("moving", 1), "plain-copy-1");
        long t0 = System.nanoTime();
        a.backfill(m.id());
        while (!"BACKFILLED".equals(a.status(m.id()).state())) {
            Thread.sleep(20);
        }
        long t1 = System.nanoTime();
        MigrationStatus v = a.validate(m.id(), Set.of());
        long t2 = System.nanoTime();
        long passed = v.tenants().stream().filter(p -> "PASSED".equals(p.validation())).count();
        long copied = v.tenants().stream().mapToLong(TenantProgress::copied).sum();
        double plain2 = plainCopy(es.endpoint(), na.node().layoutIndexes("moving", 1), "plain-copy-2");
        double plain = (plain1 + plain2) / 2;
        double headroom = total / ((t2 - t0) / 1e9);
        System.out.printf("backfill: %d documents (%d copied), %d/%d tenants validated; Headroom backfill %.1f s + validation %.1f s = %.0f docs/s;"
                + " plain scan-and-bulk copy %.0f and %.0f docs/s (mean %.0f); ratio %.2f%n", total, copied, passed, tenants, (t1 - t0) / 1e9,
                (t2 - t1) / 1e9, headroom, plain1, plain2, plain, headroom / plain);
        if (passed != tenants) {
            throw new IllegalStateException("validation failed: " + v.tenants());
        }

        // 3. a tenant's reads moved (and rolled back) on node A, seen by node B (flags refreshMillis 1000, the former default)
        // and node C (refreshMillis 500, the default)
        for (Node follower : List.of(nb, nc)) {
            List<Double> lags = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                TenantId t = ts.get(i % tenants);
                a.advance(m.id(), null, Set.of(t));
                lags.add(awaitLayout(follower.search(), t, "layout-2"));
                a.rollback(m.id(), Set.of(t));
                lags.add(awaitLayout(follower.search(), t, "layout-1"));
            }
            double[] l = lags.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("read move seen by node %s (flags refreshMillis %d; %d flag changes, advance and rollback): median %.0f ms, max %.0f ms%n",
                    follower == nb ? "B" : "C", follower == nb ? 1000 : 500, l.length, l[l.length / 2], l[l.length - 1]);
        }
        System.out.printf("machine: %d cores, %s %s; Elasticsearch 8.19.21 (child JVM, -Xmx512m), elasticsearch-java 8.19.24%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    private static double awaitLayout(TenantSearchService node, TenantId t, String layout) throws InterruptedException {
        long t0 = System.nanoTime();
        while (!node.search("moving", t, SearchQuery.of(null, 1)).layout().equals(layout)) {
            if (System.nanoTime() - t0 > 30_000_000_000L) {
                throw new IllegalStateException("node B never saw " + layout + " for " + t);
            }
            Thread.sleep(5);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Documents per batch and copy loops at once, for Headroom's backfill and the baseline alike. */
    static final int BATCH = 1000;
    static final int THREADS = 2;

    /**
     * The baseline: each source index scanned on a point in time with search_after (pages of {@link #BATCH}) and
     * bulk-indexed into one new index, {@link #THREADS} indexes at once.
     */
    private static double plainCopy(String endpoint, List<String> sources, String dest) throws Exception {
        try (RestClient rest = RestClient.builder(HttpHost.create(endpoint)).build()) {
            ElasticsearchClient client = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
            client.indices().create(c -> c.index(dest));
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long t0 = System.nanoTime();
            List<Future<Long>> copied = new ArrayList<>();
            for (String source : sources) {
                copied.add(pool.submit(() -> copyIndex(client, source, dest)));
            }
            long n = 0;
            for (Future<Long> f : copied) {
                n += f.get();
            }
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            pool.shutdown();
            client.indices().delete(d -> d.index(dest));
            return rate;
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static long copyIndex(ElasticsearchClient client, String source, String dest) throws Exception {
        long n = 0;
        String pit = client.openPointInTime(p -> p.index(source).keepAlive(k -> k.time("2m"))).id();
        List<FieldValue> after = null;
        while (true) {
            List<FieldValue> sa = after;
            SearchResponse<Map> r = client.search(s -> {
                s.pit(p -> p.id(pit).keepAlive(k -> k.time("2m"))).size(BATCH).sort(o -> o.field(f -> f.field("_shard_doc").order(SortOrder.Asc)));
                if (sa != null) {
                    s.searchAfter(sa);
                }
                return s;
            }, Map.class);
            List<Hit<Map>> hits = r.hits().hits();
            if (hits.isEmpty()) {
                break;
            }
            List<BulkOperation> ops = new ArrayList<>();
            for (Hit<Map> h : hits) {
                ops.add(BulkOperation.of(o -> o.index(i -> i.index(dest).id(h.id()).document(h.source()))));
            }
            client.bulk(bk -> bk.operations(ops));
            n += hits.size();
            after = hits.get(hits.size() - 1).sort();
        }
        client.closePointInTime(c -> c.id(pit));
        return n;
    }

    private static Map<String, Object> doc(TenantId t, int d) {
        return Map.of("title", "order " + d + " of " + t.value() + " with a few words of text", "n", d);
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static final Signals NO_SIGNALS = new Signals() {
        public void outcome(OutcomeEvent event) {
        }

        public void load(LoadSample sample) {
        }
    };

    static JdbcFeatureFlags.Config flagsConfig(long refreshMillis) {
        return new JdbcFeatureFlags.Config() {
            public long refreshMillis() { return refreshMillis; }
            public Class<? extends Annotation> annotationType() { return JdbcFeatureFlags.Config.class; }
        };
    }

    private static JdbcFleet.Config fleetConfig(String id) {
        return new JdbcFleet.Config() {
            public String nodeId() { return id; }
            public long heartbeatMillis() { return 1000; }
            public long liveMillis() { return 10_000; }
            public Class<? extends Annotation> annotationType() { return JdbcFleet.Config.class; }
        };
    }

    static SearchConfig config(String endpoint) {
        return new SearchConfig() {
            public String endpoints() { return endpoint; }
            public long refreshMillis() { return 500; }
            public int timeoutMillis() { return 10_000; }
            public int backgroundTimeoutMillis() { return 60_000; }
            public int backfillBatch() { return BATCH; }
            public int backfillThreads() { return THREADS; }
            public double backfillDocsPerSecond() { return 0; }
            public int validationSamples() { return 20; }
            public String migrationGcDeletes() { return "12h"; }
            public long startGraceMillis() { return 1000; }
            public long tombstoneRetentionHours() { return 24; }
            public Class<? extends Annotation> annotationType() { return SearchConfig.class; }
        };
    }
}
