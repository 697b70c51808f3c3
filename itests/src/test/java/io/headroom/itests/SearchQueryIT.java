package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.embed.Embeddings;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.QueryHit;
import io.headroom.search.api.QueryResult;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.TenantSearch;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

/**
 * The search query language over REST in the distribution, against a real Elasticsearch node: declared schemas refuse
 * what they do not declare, per-item bulk results, filters, sort and aggregations compared with the documents the test
 * wrote, kNN with vectors from an embeddings route (a test provider registered here), a tenant's queries confined to
 * its own documents, and a migration that adds a vector field: reads follow the tenant's flag, validation compares
 * queries on both layouts.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SearchQueryIT extends HeadroomTestSupport {
    @Inject
    private ApiTokens tokens;
    @Inject
    private TenantSearch search;
    @Inject
    private SearchAdmin admin;

    @Configuration
    public Option[] config() {
        var es = TestDatabases.elasticsearch();
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "endpoints", es.endpoint()),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "startGraceMillis", "500"),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "timeoutMillis", "5000"));
    }

    private static String json(String s) {
        return s.replace('\'', '"');
    }

    /** A test embeddings route: four letter counts of the text, so equal texts give equal vectors. */
    static final class LetterEmbeddings implements Embeddings {
        @Override
        public List<float[]> embed(TenantId tenant, String route, List<String> inputs) {
            if (!route.equals("letters")) {
                throw new IllegalArgumentException("no embeddings route '" + route + "'");
            }
            List<float[]> out = new ArrayList<>();
            for (String s : inputs) {
                float[] v = new float[4];
                for (char c : s.toCharArray()) {
                    switch (c) {
                        case 'a' -> v[0]++;
                        case 'e' -> v[1]++;
                        case 'o' -> v[2]++;
                        case 'i' -> v[3]++;
                        default -> { }
                    }
                }
                out.add(v);
            }
            return out;
        }
    }

    static final String[] WORDS = {"apple", "banana", "cherry", "melon", "kiwi", "orange", "grape", "lemon"};

    @Test
    public void queryLanguageOverRest() throws Exception {
        awaitStatus("/search/collections", OPERATOR, 200);
        ServiceRegistration<Embeddings> reg = bundleContext.registerService(Embeddings.class, new LetterEmbeddings(),
                org.osgi.framework.FrameworkUtil.asDictionary(Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 1000)));
        try {
            HttpResponse<String> created = call("POST", "/search/collections", OPERATOR, json("{'name':'products','partitions':2,'mappings':{"
                    + "'properties':{'title':{'type':'text'},'tag':{'type':'keyword'},'price':{'type':'double'},'at':{'type':'date'},"
                    + "'v':{'type':'dense_vector','dims':4,'similarity':'l2_norm','meta':{'embed_route':'letters','embed_from':'title'}}}}}"));
            assertEquals(created.body(), 201, created.statusCode());
            HttpResponse<String> loose = call("POST", "/search/collections", OPERATOR, json("{'name':'bad','mappings':{'dynamic':true}}"));
            assertEquals(loose.body(), 400, loose.statusCode());
            assertTrue(loose.body(), loose.body().contains("dynamic"));

            String acme = bearer(tokens.create("acme-q", TenantId.of("acme")).token());
            String globex = bearer(tokens.create("globex-q", TenantId.of("globex")).token());
            List<Map<String, Object>> docs = new ArrayList<>();
            StringBuilder writes = new StringBuilder();
            for (int i = 0; i < 60; i++) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("id", "p" + i);
                d.put("title", WORDS[i % 8] + " " + WORDS[(i * 3) % 8]);
                d.put("tag", i % 3 == 0 ? "fresh" : "dry");
                d.put("price", (double) ((i * 37) % 100));
                docs.add(d);
                writes.append(String.format("{'id':'p%d','version':1,'document':{'title':'%s','tag':'%s','price':%s,'at':'2026-03-%02dT10:00:00Z'}},",
                        i, d.get("title"), d.get("tag"), d.get("price"), 1 + i % 28));
            }
            writes.append("{'id':'bad1','version':1,'document':{'title':'x','colour':'red'}},");
            writes.append("{'id':'bad2','version':1,'document':{'title':'x','price':'cheap'}}");
            HttpResponse<String> bulk = call("POST", "/search/collections/products/tenants/acme/bulk", acme, json("{'writes':[" + writes + "]}"));
            assertEquals(bulk.body(), 200, bulk.statusCode());
            assertTrue(bulk.body(), bulk.body().contains("\"errors\":true") && bulk.body().contains("'colour'") && bulk.body().contains("'price'"));
            assertEquals(bulk.body(), 60, bulk.body().split("\"status\":200", -1).length - 1);
            assertEquals(200, call("POST", "/search/collections/products/tenants/globex/bulk", globex,
                    json("{'writes':[{'id':'g1','version':1,'document':{'title':'apple secret','tag':'globex-only','price':1}}]}")).statusCode());
            // strict: an undeclared field is a 400 naming it, and nothing is written
            HttpResponse<String> strict = call("PUT", "/search/collections/products/tenants/acme/documents/p1", acme,
                    json("{'version':2,'document':{'title':'x','colour':'red'}}"));
            assertEquals(strict.body(), 400, strict.statusCode());
            assertTrue(strict.body(), strict.body().contains("colour"));
            assertTrue(eventually(() -> search.query("products", TenantId.of("acme"), Map.of()).total() == 60));
            assertEquals("p1", search.query("products", TenantId.of("acme"), Map.of("filter", Map.of("term", Map.of("price", 37.0))))
                    .hits().get(0).id());

            // filters, sort and aggregations against the documents written
            QueryResult fresh = search.query("products", TenantId.of("acme"), Map.of("filter", Map.of("term", Map.of("tag", "fresh")),
                    "sort", List.of("-price"), "size", 100, "aggs", Map.of("p", Map.of("stats", Map.of("field", "price")))));
            List<String> expected = docs.stream().filter(d -> d.get("tag").equals("fresh"))
                    .sorted(Comparator.comparing((Map<String, Object> d) -> -(Double) d.get("price")).thenComparing(d -> (String) d.get("id")))
                    .map(d -> (String) d.get("id")).toList();
            assertEquals(expected, fresh.hits().stream().map(QueryHit::id).toList());
            assertEquals(20.0, ((Number) ((Map<?, ?>) fresh.aggregations().get("p")).get("count")).doubleValue(), 0);
            HttpResponse<String> rest = call("POST", "/search/collections/products/tenants/acme/search", acme,
                    json("{'query':{'match':{'text':'apple'}},'highlight':['title'],'aggs':{'tags':{'terms':{'field':'tag'}}},'size':50}"));
            assertEquals(rest.body(), 200, rest.statusCode());
            long apples = docs.stream().filter(d -> ((String) d.get("title")).contains("apple")).count();
            assertTrue(rest.body(), rest.body().contains("\"total\":" + apples) && rest.body().contains("<em>apple</em>"));
            assertFalse("another tenant's documents and values never show", rest.body().contains("secret") || rest.body().contains("globex"));

            // kNN from text through the embeddings route, at write and at query time: the same title is nearest
            QueryResult near = search.query("products", TenantId.of("acme"), Map.of("knn", Map.of("field", "v", "text", "kiwi kiwi"), "size", 3));
            assertEquals("kiwi kiwi", near.hits().get(0).document().get("title"));
            QueryResult hybrid = search.query("products", TenantId.of("acme"), Map.of("query", Map.of("match", Map.of("text", "kiwi")),
                    "knn", Map.of("field", "v", "text", "kiwi kiwi"), "size", 5));
            assertEquals("kiwi kiwi", hybrid.hits().get(0).document().get("title"));
            assertTrue(hybrid.hits().stream().allMatch(h -> !h.document().get("title").toString().contains("secret")));

            // the tenant boundary over REST: another tenant's path, its values, the platform's fields, huge sizes
            assertEquals(403, call("POST", "/search/collections/products/tenants/globex/search", acme, "{}").statusCode());
            assertTrue(call("POST", "/search/collections/products/tenants/acme/search", acme,
                    json("{'filter':{'term':{'tag':'globex-only'}}}")).body().contains("\"total\":0"));
            for (String bad : List.of("{'filter':{'term':{'_hr_tenant':'globex'}}}", "{'size':100000}", "{'query':{'query_string':{'query':'*'}}}",
                    "{'filter':{'term':{'colour':'red'}}}", "{'aggs':{'t':{'terms':{'field':'tag','size':5000}}}}")) {
                HttpResponse<String> r = call("POST", "/search/collections/products/tenants/acme/search", acme, json(bad));
                assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
                assertFalse(r.body(), r.body().contains("globex"));
            }
        } finally {
            reg.unregister();
        }
        QueryResult noProvider = null;
        try {
            noProvider = search.query("products", TenantId.of("acme"), Map.of("knn", Map.of("field", "v", "text", "kiwi")));
        } catch (IllegalArgumentException e) {
            // no provider at all, or the gateway's own one without this test route
            assertTrue(e.getMessage(), e.getMessage().contains("embeddings") || e.getMessage().contains("letters"));
        }
        assertEquals("without the test provider a text kNN on its route is refused", null, noProvider);
    }

    @Test
    public void aMigrationAddingAVectorFieldBackfillsValidatesAndReadsFollowTheFlag() throws Exception {
        String c = "articles";
        // vectors are kept unindexed in the source until a layout declares them
        admin.createCollection(c, new LayoutSpec(1, Set.of(), "{\"dynamic\":false,\"properties\":{\"title\":{\"type\":\"text\"},"
                + "\"tag\":{\"type\":\"keyword\"}}}", null));
        List<TenantId> tenants = List.of(TenantId.of("acme"), TenantId.of("globex"));
        for (TenantId t : tenants) {
            List<DocumentWrite> w = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                w.add(DocumentWrite.index("a" + i, 1, Map.of("title", "article " + i + " by " + t.value(), "tag", "t" + (i % 5),
                        "v", List.of((float) i, (float) (i % 7), 1f))));
            }
            assertEquals(200, search.bulk(c, t, w).applied());
        }
        MigrationStatus m = admin.createMigration(c, new LayoutSpec(2, Set.of(), "{\"dynamic\":false,\"properties\":{\"title\":{\"type\":\"text\"},"
                + "\"tag\":{\"type\":\"keyword\"},\"v\":{\"type\":\"dense_vector\",\"dims\":3,\"similarity\":\"l2_norm\"}}}", null));
        admin.start(m.id());
        admin.backfill(m.id());
        assertTrue(eventually(() -> admin.status(m.id()).tenants().stream().allMatch(p -> "COPIED".equals(p.backfill()))));
        MigrationStatus v = admin.validate(m.id(), Set.of());
        assertTrue(v.tenants().toString(), v.tenants().stream().allMatch(p -> "PASSED".equals(p.validation()) && p.detail().contains("queries compared")));

        Map<String, Object> knn = Map.of("knn", Map.of("field", "v", "vector", List.of(42, 0, 1), "k", 5), "size", 5);
        TenantId acme = TenantId.of("acme");
        try {
            search.query(c, acme, knn);
            throw new AssertionError("the old layout has no vector field to search");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("'v'"));
        }
        admin.advance(m.id(), null, Set.of(acme));
        assertTrue(eventually(() -> search.query(c, acme, Map.of()).layout().equals("layout-2")));
        QueryResult r = search.query(c, acme, knn);
        assertEquals("a42", r.hits().get(0).id());
        assertTrue(r.hits().stream().allMatch(h -> h.document().get("title").toString().endsWith("acme")));
        assertEquals("globex still reads the old layout", "layout-1", search.query(c, TenantId.of("globex"), Map.of()).layout());
        Set<String> tags = ((List<?>) ((Map<?, ?>) search.query(c, acme, Map.of("size", 0, "aggs", Map.of("t", Map.of("terms",
                Map.of("field", "tag"))))).aggregations().get("t")).get("buckets")).stream().map(b -> (String) ((Map<?, ?>) b).get("key"))
                .collect(Collectors.toSet());
        assertEquals(Set.of("t0", "t1", "t2", "t3", "t4"), tags);
        admin.cancel(m.id());
    }
}
