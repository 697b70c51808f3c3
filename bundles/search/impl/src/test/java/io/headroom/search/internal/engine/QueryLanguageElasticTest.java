package io.headroom.search.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.search.api.QueryHit;
import io.headroom.search.api.QueryResult;
import io.headroom.search.internal.core.QueryPlan;
import io.headroom.search.internal.core.Schema;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The query language against a real Elasticsearch node: two tenants share one partition index; every query, filter,
 * sort, aggregation and kNN form is compared with the answer computed here by brute force over the tenant's documents,
 * and nothing a tenant sends reaches the other tenant's documents.
 */
public class QueryLanguageElasticTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String INDEX = "hr-qlt-1-p0";
    static final TenantId ACME = TenantId.of("acme");
    static final TenantId GLOBEX = TenantId.of("globex");
    static final int DOCS = 400;
    static final int DIMS = 8;
    static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
    static final String[] TAGS = {"red", "green", "blue", "amber"};
    static final String MAPPINGS = "{\"properties\":{\"title\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},"
            + "\"price\":{\"type\":\"double\"},\"n\":{\"type\":\"long\"},\"at\":{\"type\":\"date\"},\"ok\":{\"type\":\"boolean\"},"
            + "\"loc\":{\"type\":\"geo_point\"},\"v\":{\"type\":\"dense_vector\",\"dims\":" + DIMS + ",\"similarity\":\"l2_norm\"}}}";
    static ElasticsearchProcess node;
    static Elastic es;
    static Schema schema;
    static final Map<TenantId, List<Map<String, Object>>> docs = new HashMap<>();

    @BeforeClass
    public static void start() throws Exception {
        node = ElasticsearchProcess.start(Path.of("target", "es-qlt-" + ProcessHandle.current().pid()), 0, "320m");
        es = new Elastic(List.of(node.endpoint()), 30_000);
        schema = Schema.parse(MAPPINGS);
        es.createIndex(INDEX, MAPPINGS, "{\"number_of_shards\":2}", Map.of());
        long t0 = LocalDate.of(2026, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        for (TenantId t : List.of(ACME, GLOBEX)) {
            Random r = new Random(t.value().hashCode());
            List<Map<String, Object>> list = new ArrayList<>();
            List<Elastic.Write> writes = new ArrayList<>();
            for (int i = 0; i < DOCS; i++) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("title", WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)] + " " + t.value());
                // the other tenant uses tag values of its own, and a few of the same
                d.put("tag", t == GLOBEX && i % 2 == 0 ? "globex-only" : TAGS[r.nextInt(TAGS.length)]);
                if (i % 10 != 3) {
                    d.put("price", Math.round(r.nextDouble() * 10_000) / 100.0);
                }
                d.put("n", (long) r.nextInt(50));
                d.put("at", Instant.ofEpochMilli(t0 + r.nextInt(20 * 24) * 3_600_000L).toString());
                d.put("ok", r.nextBoolean());
                d.put("loc", Map.of("lat", 48 + r.nextDouble(), "lon", 2 + r.nextDouble()));
                List<Float> v = new ArrayList<>();
                for (int k = 0; k < DIMS; k++) {
                    v.add((float) r.nextGaussian());
                }
                d.put("v", v);
                String id = String.format("d%03d", i);
                schema.check(id, d);
                d.put("id", id);
                list.add(d);
                Map<String, Object> stored = new LinkedHashMap<>(d);
                stored.remove("id");
                writes.add(new Elastic.Write(INDEX, t, id, 1, stored));
            }
            for (Elastic.WriteOutcome o : es.bulk(writes, true)) {
                assertEquals(o.error(), Elastic.Outcome.APPLIED, o.outcome());
            }
            docs.put(t, list);
        }
    }

    @AfterClass
    public static void stop() {
        if (es != null) {
            es.close();
        }
        if (node != null) {
            node.close();
        }
    }

    static QueryResult run(TenantId t, String json) throws Exception {
        QueryPlan plan = QueryPlan.compile(JSON.readTree(json.replace('\'', '"')), schema, t, Elastic.TENANT, Elastic.ID, null);
        return QueryRunner.run(es, INDEX, t, plan, "layout-1");
    }

    static Set<String> ids(QueryResult r) {
        return r.hits().stream().map(QueryHit::id).collect(Collectors.toSet());
    }

    static Set<String> brute(TenantId t, Predicate<Map<String, Object>> p) {
        return docs.get(t).stream().filter(p).map(d -> (String) d.get("id")).collect(Collectors.toSet());
    }

    static double price(Map<String, Object> d) {
        return ((Number) d.get("price")).doubleValue();
    }

    static boolean words(Map<String, Object> d, String w) {
        return List.of(((String) d.get("title")).split(" ")).contains(w);
    }

    @Test
    public void filtersAndFullTextMatchBruteForce() throws Exception {
        Map<String, Predicate<Map<String, Object>>> cases = new LinkedHashMap<>();
        cases.put("{'filter':{'term':{'tag':'red'}}}", d -> d.get("tag").equals("red"));
        cases.put("{'filter':{'terms':{'tag':['red','blue']}}}", d -> Set.of("red", "blue").contains(d.get("tag")));
        cases.put("{'filter':{'range':{'price':{'gte':20,'lt':55.5}}}}", d -> d.containsKey("price") && price(d) >= 20 && price(d) < 55.5);
        cases.put("{'filter':{'range':{'at':{'gte':'2026-01-05T00:00:00Z','lt':'2026-01-09T00:00:00Z'}}}}",
                d -> ((String) d.get("at")).compareTo("2026-01-05T00:00:00Z") >= 0 && ((String) d.get("at")).compareTo("2026-01-09T00:00:00Z") < 0);
        cases.put("{'filter':{'bool':{'must_not':{'exists':'price'}}}}", d -> !d.containsKey("price"));
        cases.put("{'filter':[{'term':{'ok':true}},{'range':{'n':{'gt':10,'lte':30}}}]}",
                d -> (Boolean) d.get("ok") && (Long) d.get("n") > 10 && (Long) d.get("n") <= 30);
        cases.put("{'filter':{'bool':{'should':[{'term':{'tag':'amber'}},{'range':{'n':{'lt':5}}}],'minimum_should_match':1}}}",
                d -> d.get("tag").equals("amber") || (Long) d.get("n") < 5);
        cases.put("{'query':{'match':{'text':'alpha bravo'}}}", d -> words(d, "alpha") || words(d, "bravo"));
        cases.put("{'query':{'match':{'text':'alpha bravo','fields':['title^3'],'operator':'and'}}}", d -> words(d, "alpha") && words(d, "bravo"));
        cases.put("{'query':{'bool':{'must':{'match':{'text':'golf'}},'must_not':{'term':{'tag':'red'}}}}}",
                d -> words(d, "golf") && !d.get("tag").equals("red"));
        cases.put("{'query':{'all':{}},'filter':{'geo_distance':{'field':'loc','lat':48.5,'lon':2.5,'distance':'30km'}}}",
                d -> haversineKm(48.5, 2.5, (Map<?, ?>) d.get("loc")) <= 30);
        cases.put("{}", d -> true);
        for (var c : cases.entrySet()) {
            for (TenantId t : List.of(ACME, GLOBEX)) {
                QueryResult r = run(t, c.getKey().replace("}$", "") .replaceFirst("^\\{", "{'size':1000,").replace(",}", "}"));
                Set<String> expected = brute(t, c.getValue());
                assertEquals(c.getKey() + " for " + t, expected, ids(r));
                assertEquals(c.getKey(), expected.size(), r.total());
            }
        }
        // boosts rank: a document matching the boosted field's word comes first
        QueryResult boosted = run(ACME, "{'query':{'match':{'text':'alpha','fields':['title^5']}},'size':3}");
        assertTrue(boosted.hits().stream().allMatch(h -> ((String) h.document().get("title")).contains("alpha")));
    }

    static double haversineKm(double lat, double lon, Map<?, ?> p) {
        double la2 = ((Number) p.get("lat")).doubleValue();
        double lo2 = ((Number) p.get("lon")).doubleValue();
        double dLat = Math.toRadians(la2 - lat);
        double dLon = Math.toRadians(lo2 - lon);
        double a = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(Math.toRadians(lat)) * Math.cos(Math.toRadians(la2)) * Math.pow(Math.sin(dLon / 2), 2);
        return 6371.0088 * 2 * Math.asin(Math.sqrt(a));
    }

    @Test
    public void sortAndSearchAfterPageThroughInBruteForceOrder() throws Exception {
        List<String> expected = docs.get(ACME).stream().sorted(Comparator
                .comparing((Map<String, Object> d) -> d.containsKey("price") ? 0 : 1)
                .thenComparing(d -> d.containsKey("price") ? -price(d) : 0)
                .thenComparing(d -> (String) d.get("id"))).map(d -> (String) d.get("id")).toList();
        List<String> seen = new ArrayList<>();
        List<Object> after = null;
        while (true) {
            String q = "{'sort':[{'field':'price','order':'desc'}],'size':37,'source':['price']"
                    + (after == null ? "" : ",'search_after':" + JSON.writeValueAsString(after).replace('"', '\'')) + "}";
            QueryResult page = run(ACME, q);
            page.hits().forEach(h -> {
                seen.add(h.id());
                assertTrue("source lists only the fields asked for", h.document().keySet().stream().allMatch("price"::equals));
            });
            if (page.hits().size() < 37) {
                break;
            }
            after = page.hits().get(page.hits().size() - 1).sort();
        }
        assertEquals(expected, seen);
        // two keys: tag asc then n desc
        List<String> byTag = docs.get(ACME).stream().sorted(Comparator.comparing((Map<String, Object> d) -> (String) d.get("tag"))
                .thenComparing(d -> -(Long) d.get("n")).thenComparing(d -> (String) d.get("id"))).map(d -> (String) d.get("id")).limit(50).toList();
        assertEquals(byTag, run(ACME, "{'sort':['tag','-n'],'size':50}").hits().stream().map(QueryHit::id).toList());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aggregationsMatchBruteForce() throws Exception {
        QueryResult r = run(ACME, "{'size':0,'filter':{'range':{'n':{'gte':5}}},'aggs':{"
                + "'tags':{'terms':{'field':'tag','size':10},'aggs':{'p':{'stats':{'field':'price'}}}},"
                + "'prices':{'stats':{'field':'price'}},'kinds':{'cardinality':{'field':'tag'}},"
                + "'bands':{'range':{'field':'price','ranges':[{'to':25},{'from':25,'to':75},{'from':75}]}},"
                + "'days':{'date_histogram':{'field':'at','calendar_interval':'day'}},"
                + "'pct':{'percentiles':{'field':'n','percents':[0,100]}}}}");
        List<Map<String, Object>> in = docs.get(ACME).stream().filter(d -> (Long) d.get("n") >= 5).toList();
        assertEquals(in.size(), r.total());
        assertTrue(r.hits().isEmpty());
        Map<String, Object> aggs = r.aggregations();
        Map<String, Long> tagCounts = in.stream().collect(Collectors.groupingBy(d -> (String) d.get("tag"), TreeMap::new, Collectors.counting()));
        Map<String, Long> got = new TreeMap<>();
        for (Map<String, Object> b : (List<Map<String, Object>>) ((Map<String, Object>) aggs.get("tags")).get("buckets")) {
            got.put((String) b.get("key"), ((Number) b.get("doc_count")).longValue());
            Map<String, Object> p = (Map<String, Object>) b.get("p");
            var prices = in.stream().filter(d -> d.get("tag").equals(b.get("key")) && d.containsKey("price")).mapToDouble(QueryLanguageElasticTest::price).summaryStatistics();
            assertEquals(prices.getCount(), ((Number) p.get("count")).longValue());
            assertEquals(prices.getMax(), ((Number) p.get("max")).doubleValue(), 1e-9);
            assertEquals(prices.getSum(), ((Number) p.get("sum")).doubleValue(), 1e-6);
        }
        assertEquals(tagCounts, got);
        assertFalse("no other tenant's value in a bucket", got.containsKey("globex-only"));
        var all = in.stream().filter(d -> d.containsKey("price")).mapToDouble(QueryLanguageElasticTest::price).summaryStatistics();
        Map<String, Object> stats = (Map<String, Object>) aggs.get("prices");
        assertEquals(all.getCount(), ((Number) stats.get("count")).longValue());
        assertEquals(all.getMin(), ((Number) stats.get("min")).doubleValue(), 1e-9);
        assertEquals(all.getAverage(), ((Number) stats.get("avg")).doubleValue(), 1e-6);
        assertEquals((long) tagCounts.size(), ((Number) ((Map<String, Object>) aggs.get("kinds")).get("value")).longValue());
        List<Map<String, Object>> bands = (List<Map<String, Object>>) ((Map<String, Object>) aggs.get("bands")).get("buckets");
        assertEquals(in.stream().filter(d -> d.containsKey("price") && price(d) < 25).count(), ((Number) bands.get(0).get("doc_count")).longValue());
        assertEquals(in.stream().filter(d -> d.containsKey("price") && price(d) >= 25 && price(d) < 75).count(), ((Number) bands.get(1).get("doc_count")).longValue());
        assertEquals(in.stream().filter(d -> d.containsKey("price") && price(d) >= 75).count(), ((Number) bands.get(2).get("doc_count")).longValue());
        Map<String, Long> perDay = in.stream().collect(Collectors.groupingBy(d -> ((String) d.get("at")).substring(0, 10), TreeMap::new, Collectors.counting()));
        Map<String, Long> gotDays = new TreeMap<>();
        for (Map<String, Object> b : (List<Map<String, Object>>) ((Map<String, Object>) aggs.get("days")).get("buckets")) {
            gotDays.put(((String) b.get("key_as_string")).substring(0, 10), ((Number) b.get("doc_count")).longValue());
        }
        assertEquals(perDay, gotDays);
        Map<String, Object> pct = (Map<String, Object>) ((Map<String, Object>) aggs.get("pct")).get("values");
        assertEquals(in.stream().mapToLong(d -> (Long) d.get("n")).min().orElseThrow(), ((Number) pct.get("0.0")).doubleValue(), 1e-9);
        assertEquals(in.stream().mapToLong(d -> (Long) d.get("n")).max().orElseThrow(), ((Number) pct.get("100.0")).doubleValue(), 1e-9);
    }

    static long epoch(Map<String, Object> d) {
        return Instant.parse((String) d.get("at")).toEpochMilli();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> agg(QueryResult r, String name) {
        return (Map<String, Object>) r.aggregations().get(name);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> buckets(QueryResult r, String name) {
        return (List<Map<String, Object>>) agg(r, name).get("buckets");
    }

    static double value(Map<String, Object> metric) {
        return ((Number) metric.get("value")).doubleValue();
    }

    /** The metric kinds on their own, and date histograms by fixed interval and in a time zone, each against brute force. */
    @Test
    public void singleMetricsAndDateHistogramFormsMatchBruteForce() throws Exception {
        QueryResult r = run(GLOBEX, "{'size':0,'filter':{'term':{'ok':true}},'aggs':{"
                + "'lo':{'min':{'field':'price'}},'hi':{'max':{'field':'price'}},'mean':{'avg':{'field':'price'}},"
                + "'total':{'sum':{'field':'n'}},'latest':{'max':{'field':'at'}},"
                + "'halves':{'date_histogram':{'field':'at','fixed_interval':'12h'}},"
                + "'shifted':{'date_histogram':{'field':'at','fixed_interval':'1d','time_zone':'-05:00'}},"
                + "'paris':{'date_histogram':{'field':'at','calendar_interval':'day','time_zone':'Europe/Paris'}}}}");
        List<Map<String, Object>> in = docs.get(GLOBEX).stream().filter(d -> (Boolean) d.get("ok")).toList();
        assertEquals(in.size(), r.total());
        var prices = in.stream().filter(d -> d.containsKey("price")).mapToDouble(QueryLanguageElasticTest::price).summaryStatistics();
        assertEquals(prices.getMin(), value(agg(r, "lo")), 1e-9);
        assertEquals(prices.getMax(), value(agg(r, "hi")), 1e-9);
        assertEquals(prices.getAverage(), value(agg(r, "mean")), 1e-6);
        assertEquals(in.stream().mapToLong(d -> (Long) d.get("n")).sum(), value(agg(r, "total")), 0);
        assertEquals(in.stream().mapToLong(QueryLanguageElasticTest::epoch).max().orElseThrow(), value(agg(r, "latest")), 0);

        long half = 12 * 3_600_000L;
        assertEquals(in.stream().collect(Collectors.groupingBy(d -> Math.floorDiv(epoch(d), half) * half, TreeMap::new, Collectors.counting())),
                keyCounts(buckets(r, "halves")));
        // a fixed offset: days start at 05:00 UTC
        long day = 24 * 3_600_000L;
        long offset = -5 * 3_600_000L;
        assertEquals(in.stream().collect(Collectors.groupingBy(d -> Math.floorDiv(epoch(d) + offset, day) * day - offset, TreeMap::new, Collectors.counting())),
                keyCounts(buckets(r, "shifted")));
        java.time.ZoneId paris = java.time.ZoneId.of("Europe/Paris");
        assertEquals(in.stream().collect(Collectors.groupingBy(d -> Instant.ofEpochMilli(epoch(d)).atZone(paris).toLocalDate().atStartOfDay(paris)
                .toInstant().toEpochMilli(), TreeMap::new, Collectors.counting())), keyCounts(buckets(r, "paris")));
        assertTrue(buckets(r, "paris").stream().allMatch(b -> ((String) b.get("key_as_string")).endsWith("T00:00:00.000+01:00")));
    }

    static Map<Long, Long> keyCounts(List<Map<String, Object>> buckets) {
        Map<Long, Long> out = new TreeMap<>();
        for (Map<String, Object> b : buckets) {
            out.put(((Number) b.get("key")).longValue(), ((Number) b.get("doc_count")).longValue());
        }
        return out;
    }

    /** Sub-aggregations under a date histogram and under a range, each bucket's metrics against brute force. */
    @Test
    @SuppressWarnings("unchecked")
    public void subAggregationsUnderDateHistogramAndRangeMatchBruteForce() throws Exception {
        QueryResult r = run(ACME, "{'size':0,'aggs':{"
                + "'days':{'date_histogram':{'field':'at','fixed_interval':'2d'},'aggs':{'mean':{'avg':{'field':'price'}},"
                + "'top':{'max':{'field':'n'}},'tags':{'terms':{'field':'tag','size':10}}}},"
                + "'bands':{'range':{'field':'price','ranges':[{'to':30,'key':'low'},{'from':30,'to':60},{'from':60}]},"
                + "'aggs':{'n':{'sum':{'field':'n'}},'kinds':{'cardinality':{'field':'tag'}},'p':{'stats':{'field':'n'}}}}}}");
        List<Map<String, Object>> in = docs.get(ACME);
        long two = 2 * 24 * 3_600_000L;
        Map<Long, List<Map<String, Object>>> byBucket = in.stream().collect(Collectors.groupingBy(d -> Math.floorDiv(epoch(d), two) * two, TreeMap::new, Collectors.toList()));
        List<Map<String, Object>> days = buckets(r, "days");
        assertEquals(byBucket.keySet(), keyCounts(days).keySet());
        for (Map<String, Object> b : days) {
            List<Map<String, Object>> ds = byBucket.get(((Number) b.get("key")).longValue());
            assertEquals(ds.size(), ((Number) b.get("doc_count")).longValue());
            var p = ds.stream().filter(d -> d.containsKey("price")).mapToDouble(QueryLanguageElasticTest::price).average();
            Object mean = ((Map<String, Object>) b.get("mean")).get("value");
            if (p.isPresent()) {
                assertEquals(p.getAsDouble(), ((Number) mean).doubleValue(), 1e-6);
            } else {
                assertNull(mean);
            }
            assertEquals(ds.stream().mapToLong(d -> (Long) d.get("n")).max().orElseThrow(), value((Map<String, Object>) b.get("top")), 0);
            Map<String, Long> tags = new TreeMap<>();
            for (Map<String, Object> t : (List<Map<String, Object>>) ((Map<String, Object>) b.get("tags")).get("buckets")) {
                tags.put((String) t.get("key"), ((Number) t.get("doc_count")).longValue());
            }
            assertEquals(ds.stream().collect(Collectors.groupingBy(d -> (String) d.get("tag"), TreeMap::new, Collectors.counting())), tags);
        }
        List<Map<String, Object>> bands = buckets(r, "bands");
        assertEquals(3, bands.size());
        assertEquals("low", bands.get(0).get("key"));
        double[][] bounds = {{Double.NEGATIVE_INFINITY, 30}, {30, 60}, {60, Double.POSITIVE_INFINITY}};
        for (int i = 0; i < 3; i++) {
            double lo = bounds[i][0];
            double up = bounds[i][1];
            List<Map<String, Object>> ds = in.stream().filter(d -> d.containsKey("price") && price(d) >= lo && price(d) < up).toList();
            Map<String, Object> b = bands.get(i);
            assertEquals(ds.size(), ((Number) b.get("doc_count")).longValue());
            assertEquals(ds.stream().mapToLong(d -> (Long) d.get("n")).sum(), value((Map<String, Object>) b.get("n")), 0);
            assertEquals(ds.stream().map(d -> d.get("tag")).distinct().count(), ((Number) ((Map<String, Object>) b.get("kinds")).get("value")).longValue());
            var st = ds.stream().mapToLong(d -> (Long) d.get("n")).summaryStatistics();
            Map<String, Object> p = (Map<String, Object>) b.get("p");
            assertEquals(st.getCount(), ((Number) p.get("count")).longValue());
            assertEquals(st.getMin(), ((Number) p.get("min")).doubleValue(), 0);
            assertEquals(st.getMax(), ((Number) p.get("max")).doubleValue(), 0);
            assertEquals(st.getAverage(), ((Number) p.get("avg")).doubleValue(), 1e-9);
        }
    }

    static double l2(List<?> a, float[] b) {
        double s = 0;
        for (int i = 0; i < b.length; i++) {
            double d = ((Number) a.get(i)).doubleValue() - b[i];
            s += d * d;
        }
        return s;
    }

    static String vec(float[] v) throws Exception {
        return JSON.writeValueAsString(v);
    }

    @Test
    public void knnWithFiltersMatchesExactSearchWithinTheTenant() throws Exception {
        Random r = new Random(7);
        int hits = 0;
        int total = 0;
        for (int round = 0; round < 10; round++) {
            float[] q = new float[DIMS];
            for (int i = 0; i < DIMS; i++) {
                q[i] = (float) r.nextGaussian();
            }
            boolean filtered = round % 2 == 1;
            List<String> exact = docs.get(ACME).stream().filter(d -> !filtered || d.get("tag").equals("blue"))
                    .sorted(Comparator.comparingDouble(d -> l2((List<?>) d.get("v"), q))).limit(10).map(d -> (String) d.get("id")).toList();
            QueryResult got = run(ACME, "{'knn':{'field':'v','vector':" + vec(q) + ",'k':10,'candidates':200"
                    + (filtered ? ",'filter':{'term':{'tag':'blue'}}" : "") + "},'size':10}");
            assertEquals(10, got.hits().size());
            Set<String> g = ids(got);
            hits += (int) exact.stream().filter(g::contains).count();
            total += 10;
            for (QueryHit h : got.hits()) {
                assertTrue("acme's own documents only", ((String) h.document().get("title")).endsWith("acme"));
                if (filtered) {
                    assertEquals("blue", h.document().get("tag"));
                }
            }
        }
        assertTrue("recall@10 " + hits + "/" + total, hits >= total * 0.95);

        // a globex vector, exactly: acme's nearest neighbours are acme's
        List<?> theirs = (List<?>) docs.get(GLOBEX).get(0).get("v");
        QueryResult near = run(ACME, "{'knn':{'field':'v','vector':" + JSON.writeValueAsString(theirs) + ",'k':50},'size':50}");
        assertTrue(near.hits().stream().allMatch(h -> ((String) h.document().get("title")).endsWith("acme")));
    }

    @Test
    public void hybridIsTheReciprocalRankFusionOfTextAndKnn() throws Exception {
        float[] q = new float[DIMS];
        q[0] = 1;
        String knn = "'knn':{'field':'v','vector':" + vec(q) + ",'k':20}";
        List<String> text = run(ACME, "{'query':{'match':{'text':'delta'}},'size':20}").hits().stream().map(h -> ACME.value() + "/" + h.id()).toList();
        List<String> vector = run(ACME, "{" + knn + ",'size':20}").hits().stream().map(h -> ACME.value() + "/" + h.id()).toList();
        var fused = QueryPlan.fuse(List.of(text, vector), 60);
        QueryResult hybrid = run(ACME, "{'query':{'match':{'text':'delta'}}," + knn + ",'size':20}");
        assertEquals(fused.subList(0, 20).stream().map(e -> e.getKey().substring(5)).toList(), hybrid.hits().stream().map(QueryHit::id).toList());
        assertEquals(1.0 / 61 + (vector.contains(fused.get(0).getKey()) && text.contains(fused.get(0).getKey()) ? 0 : 0) > 0, true);
        assertEquals(fused.get(0).getValue(), hybrid.hits().get(0).score(), 1e-12);
    }

    @Test
    public void highlightingMarksTheMatchedWords() throws Exception {
        QueryResult r = run(ACME, "{'query':{'match':{'text':'echo'}},'highlight':['title'],'size':5}");
        assertFalse(r.hits().isEmpty());
        for (QueryHit h : r.hits()) {
            assertTrue(h.highlight().toString(), h.highlight().get("title").get(0).contains("<em>echo</em>"));
        }
    }

    @Test
    public void nothingATenantSendsReachesAnotherTenantsDocuments() throws Exception {
        // the other tenant's values, every clause form, nested bools that try to OR their way out
        for (String q : List.of("{'filter':{'term':{'tag':'globex-only'}}}",
                "{'query':{'match':{'text':'globex'}}}",
                "{'query':{'bool':{'should':[{'all':{}},{'term':{'tag':'globex-only'}}]}},'size':1000}",
                "{'query':{'bool':{'must_not':{'term':{'tag':'red'}}}},'size':1000}",
                "{'filter':{'bool':{'should':[{'bool':{'must_not':{'all':{}}}},{'all':{}}]}},'size':1000}",
                "{'size':1000,'aggs':{'t':{'terms':{'field':'tag','size':100}}}}")) {
            QueryResult r = run(ACME, q);
            for (QueryHit h : r.hits()) {
                assertTrue(q, ((String) h.document().get("title")).endsWith("acme"));
            }
            assertFalse(q, JSON.writeValueAsString(r.aggregations()).contains("globex"));
            assertTrue(q, r.total() <= DOCS);
        }
        // the platform's fields, raw DSL, huge sizes: refused before Elasticsearch sees them
        for (String bad : List.of("{'filter':{'term':{'_hr_tenant':'globex'}}}", "{'query':{'query_string':{'query':'*'}}}",
                "{'size':100000}", "{'from':9990,'size':100}", "{'index':'hr-qlt-1-p0'}",
                "{'aggs':{'t':{'terms':{'field':'tag','size':100000}}}}",
                "{'knn':{'field':'v','vector':[1,2],'k':10}}", "{'knn':{'field':'v','vector':[1,2,3,4,5,6,7,8],'k':5000}}",
                "{'filter':{'term':{'title':'x'}}}", "{'sort':['title']}", "{'source':['_hr_tenant']}",
                "{'query':{'match':{'text':'x','fields':['_hr_tenant']}}}", "{'highlight':['nope']}")) {
            IllegalArgumentException e = assertThrows(bad, IllegalArgumentException.class, () -> run(ACME, bad));
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void badInputNamesTheProblem() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{'filter':{'term':{'colour':'red'}}}", "colour");
        cases.put("{'query':{'fuzzy':{'title':'x'}}}", "fuzzy");
        cases.put("{'size':-1}", "size");
        cases.put("{'sort':['price'],'search_after':[1]}", "search_after");
        cases.put("{'aggs':{'d':{'date_histogram':{'field':'at'}}}}", "calendar_interval");
        cases.put("{'aggs':{'a':{'terms':{'field':'tag'},'aggs':{'b':{'terms':{'field':'tag'},'aggs':{'c':{'max':{'field':'n'}}}}}}}}", "one level");
        cases.put("{'knn':{'field':'title','vector':[1]}}", "dense_vector");
        cases.put("{'knn':{'field':'v','text':'hello','embed':'small'}}", "no embeddings provider");
        cases.put("{'filter':{'range':{'price':{'near':3}}}}", "near");
        cases.put("{'bogus':1}", "bogus");
        for (var c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(c.getKey(), IllegalArgumentException.class, () -> run(ACME, c.getKey()));
            assertTrue(c.getKey() + " -> " + e.getMessage(), e.getMessage().contains(c.getValue()));
        }
    }

    @Test
    public void strictSchemasRefuseUnknownFieldsAndLooseOnesStoreThemUnindexed() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> schema.check("x1", Map.of("colour", "red")));
        assertTrue(e.getMessage(), e.getMessage().contains("'colour'"));
        assertThrows(IllegalArgumentException.class, () -> schema.check("x1", Map.of("price", "cheap")));
        assertThrows(IllegalArgumentException.class, () -> schema.check("x1", Map.of("v", List.of(1, 2))));
        // Elasticsearch refuses it too: the index is strict, so no document can add a field for the others
        var outcome = es.bulk(List.of(new Elastic.Write(INDEX, ACME, "x1", 1, Map.of("colour", "red"))), true).get(0);
        assertEquals(Elastic.Outcome.REJECTED, outcome.outcome());
        assertTrue(outcome.error(), outcome.error().contains("strict"));
        assertEquals(0, run(ACME, "{'filter':{'term':{'tag':'x'}}}").total());

        String loose = "{\"dynamic\":false,\"properties\":{\"tag\":{\"type\":\"keyword\"}}}";
        Schema l = Schema.parse(loose);
        l.check("y1", Map.of("colour", "red"));
        es.createIndex("hr-qlt-loose-1-p0", loose, "{}", Map.of());
        assertEquals(Elastic.Outcome.APPLIED, es.bulk(List.of(new Elastic.Write("hr-qlt-loose-1-p0", ACME, "y1", 1,
                Map.of("colour", "red", "tag", "t"))), true).get(0).outcome());
        JsonNode mapping = JSON.readTree(new java.net.URL(node.endpoint() + "/hr-qlt-loose-1-p0/_mapping").openStream());
        assertTrue("stored, not indexed: no mapping for it", mapping.findPath("colour").isMissingNode());
        assertNull(Schema.parse(loose).field("colour"));

        for (String bad : List.of("{\"dynamic\":true}", "{\"properties\":{\"v\":{\"type\":\"dense_vector\"}}}",
                "{\"properties\":{\"t\":{\"type\":\"text\",\"analyzer\":\"english\"}}}", "{\"properties\":{\"o\":{\"type\":\"nested\"}}}",
                "{\"properties\":{\"_hr_tenant\":{\"type\":\"keyword\"}}}")) {
            assertThrows(bad, IllegalArgumentException.class, () -> Schema.parse(bad));
        }
    }

    @Test
    public void validationProbesSeeAMappingChangeThatAltersResults() throws Exception {
        // the same documents in a layout of another partitioning (same schema) and in one where title became a keyword
        String keywordTitle = MAPPINGS.replace("\"title\":{\"type\":\"text\"}", "\"title\":{\"type\":\"keyword\"}");
        es.createIndex("hr-qlt-2-p0", MAPPINGS, "{\"number_of_shards\":3}", Map.of());
        es.createIndex("hr-qlt-3-p0", keywordTitle, "{}", Map.of());
        List<Elastic.Write> copy = new ArrayList<>();
        for (Map<String, Object> d : docs.get(ACME)) {
            Map<String, Object> stored = new LinkedHashMap<>(d);
            stored.remove("id");
            copy.add(new Elastic.Write("hr-qlt-2-p0", ACME, (String) d.get("id"), 1, stored));
            copy.add(new Elastic.Write("hr-qlt-3-p0", ACME, (String) d.get("id"), 1, stored));
        }
        es.bulk(copy, true);
        List<String> ids = docs.get(ACME).stream().map(d -> (String) d.get("id")).limit(40).toList();
        List<Elastic.Doc> sample = new ArrayList<>(es.get(INDEX, ACME, ids).values());
        Schema changed = Schema.parse(keywordTitle);
        List<String> same = QueryProbes.build(schema, schema, sample, 60);
        assertTrue(same.toString(), same.size() > 20);
        Map<String, Long> verified = new HashMap<>();
        es.scanVersions(INDEX, ACME, verified::put);
        assertEquals(List.of(), QueryProbes.compare(es, ACME, INDEX, "hr-qlt-2-p0", schema, schema, same, verified));
        // a document written after the scan, so far only on the new layout, changes the totals without being a difference
        Map<String, Object> late = new LinkedHashMap<>(docs.get(ACME).get(0));
        late.remove("id");
        es.bulk(List.of(new Elastic.Write("hr-qlt-2-p0", ACME, "written-late", 1, late)), true);
        assertEquals(List.of(), QueryProbes.compare(es, ACME, INDEX, "hr-qlt-2-p0", schema, schema, same, verified));
        List<String> differ = QueryProbes.compare(es, ACME, INDEX, "hr-qlt-3-p0", schema, changed, QueryProbes.build(schema, changed, sample, 60),
                verified);
        assertFalse("title as keyword matches only whole titles", differ.isEmpty());
        assertTrue(differ.toString(), differ.stream().allMatch(d -> d.contains("title")));
    }
}
