package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.SearchConflictException;
import io.headroom.search.api.SearchHit;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.SearchResult;
import io.headroom.search.api.TenantProgress;
import io.headroom.search.api.TenantSearch;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.api.WriteResult;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Search migration against a real Elasticsearch 8.19 node (a child JVM of the test driver): the tenant boundary and bad
 * input over REST, and a whole layout migration of 50 tenants under concurrent upserts and deletes, with Elasticsearch
 * killed and restarted during the backfill, then the search bundle restarted (a node restart), a tenant's reads rolled back, and the final state compared with the ground
 * truth the writers kept.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SearchMigrationIT extends HeadroomTestSupport {
    private static final String ES_PORT = "headroom.it.es.port";
    private static final String ES_PID = "headroom.it.es.pid";
    private static final String ES_DATA = "headroom.it.es.data";
    private static final String ES_MODULE = "headroom.it.es.module";
    static final int TENANTS = 50;
    static final int DOCS_PER_TENANT = 300;

    @Inject
    private ApiTokens tokens;

    @Configuration
    public Option[] config() {
        var es = TestDatabases.elasticsearch();
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "endpoints", es.endpoint()),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "backfillBatch", "200"),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "backfillDocsPerSecond", "2500"),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "startGraceMillis", "1000"),
                // Elasticsearch forgets deletes at once: only the control schema's tombstones stand between a backfill and a resurrection
                editConfigurationFilePut("etc/io.headroom.search.cfg", "migrationGcDeletes", "0s"),
                editConfigurationFilePut("etc/io.headroom.search.cfg", "timeoutMillis", "3000"),
                systemProperty(ES_PORT).value(String.valueOf(es.port())),
                systemProperty(ES_PID).value(String.valueOf(es.pid())),
                systemProperty(ES_DATA).value(es.dataDir().toString()),
                systemProperty(ES_MODULE).value(io.headroom.fixtures.ElasticsearchProcess.moduleDir().toString()));
    }

    private HttpResponse<String> es(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + System.getProperty(ES_PORT) + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String json(String s) {
        return s.replace('\'', '"');
    }

    @Test
    public void tenantBoundaryAndBadInputOverRest() throws Exception {
        awaitStatus("/search/collections", OPERATOR, 200);
        HttpResponse<String> created = call("POST", "/search/collections", OPERATOR,
                json("{'name':'notes','partitions':2,'mappings':{'properties':{'title':{'type':'text'}}}}"));
        assertEquals(created.body(), 201, created.statusCode());

        // bad input: a clear 4xx and nothing created
        HttpResponse<String> badMapping = call("POST", "/search/collections", OPERATOR,
                json("{'name':'broken','partitions':2,'mappings':{'properties':{'title':{'type':'no_such_type'}}}}"));
        assertEquals(badMapping.body(), 400, badMapping.statusCode());
        assertTrue(badMapping.body(), badMapping.body().contains("no_such_type"));
        assertEquals(404, get("/search/collections/broken", OPERATOR).statusCode());
        assertEquals("no index of the refused collection is left behind", 404, es("GET", "/hr-broken-1-p0").statusCode());
        assertEquals(400, call("POST", "/search/collections", OPERATOR, json("{'name':'Bad-Name'}")).statusCode());
        assertEquals(409, call("POST", "/search/collections", OPERATOR, json("{'name':'notes'}")).statusCode());
        assertEquals(400, call("POST", "/search/collections", OPERATOR, json("{'name':'toomany','partitions':65}")).statusCode());
        assertEquals(404, call("PUT", "/search/collections/nosuch/tenants/acme/documents/1", OPERATOR,
                json("{'version':1,'document':{'title':'x'}}")).statusCode());
        assertEquals(404, call("POST", "/search/collections/nosuch/migrations", OPERATOR, json("{'partitions':2}")).statusCode());
        assertEquals(400, call("PUT", "/search/collections/notes/tenants/acme/documents/1", OPERATOR,
                json("{'version':1,'document':{'_hr_tenant':'globex'}}")).statusCode());
        assertEquals(400, call("PUT", "/search/collections/notes/tenants/acme/documents/1", OPERATOR,
                json("{'version':0,'document':{'title':'x'}}")).statusCode());
        assertEquals(400, call("PUT", "/search/collections/notes/tenants/Not_Valid!/documents/1", OPERATOR,
                json("{'version':1,'document':{'title':'x'}}")).statusCode());

        String acme = bearer(tokens.create("acme-search", TenantId.of("acme")).token());
        String globex = bearer(tokens.create("globex-search", TenantId.of("globex")).token());
        assertEquals(200, call("PUT", "/search/collections/notes/tenants/acme/documents/1", acme,
                json("{'version':1,'document':{'title':'secret plan of acme'}}")).statusCode());
        assertEquals(200, call("PUT", "/search/collections/notes/tenants/globex/documents/1", globex,
                json("{'version':5,'document':{'title':'secret plan of globex'}}")).statusCode());
        assertEquals("a tenant token cannot write another tenant's documents", 403,
                call("PUT", "/search/collections/notes/tenants/globex/documents/2", acme, json("{'version':1,'document':{'title':'x'}}")).statusCode());
        assertEquals("nor search them", 403, call("POST", "/search/collections/notes/tenants/globex/search", acme, "{}").statusCode());
        assertEquals(403, call("POST", "/search/collections", acme, json("{'name':'mine'}")).statusCode());

        // the same id in two tenants: two documents; a query matching the other tenant's text finds nothing
        assertTrue(eventually(() -> total(search().search("notes", TenantId.of("acme"), SearchQuery.of("secret", 10))) == 1));
        assertTrue(eventually(() -> total(search().search("notes", TenantId.of("globex"), SearchQuery.of("secret", 10))) == 1));
        SearchResult acmeSecret = search().search("notes", TenantId.of("acme"), SearchQuery.of("secret", 10));
        assertEquals("secret plan of acme", acmeSecret.hits().get(0).document().get("title"));
        assertEquals(0, search().search("notes", TenantId.of("acme"), SearchQuery.of("globex", 10)).total());
        assertEquals(0, search().search("notes", TenantId.of("globex"), SearchQuery.of("acme", 10)).total());
        HttpResponse<String> viaRest = call("POST", "/search/collections/notes/tenants/globex/search", globex, json("{'query':'secret'}"));
        assertEquals(viaRest.body(), 200, viaRest.statusCode());
        assertTrue(viaRest.body().contains("globex") && !viaRest.body().contains("of acme"));

        // an older version never overwrites a newer one
        search().index("notes", TenantId.of("globex"), "1", 4, Map.of("title", "stale"));
        Thread.sleep(1200);
        SearchHit g = search().search("notes", TenantId.of("globex"), SearchQuery.of(null, 10)).hits().get(0);
        assertEquals(5, g.version());
        assertEquals("secret plan of globex", g.document().get("title"));

        // migration steps out of order or for unknown tenants change nothing
        HttpResponse<String> m = call("POST", "/search/collections/notes/migrations", OPERATOR, json("{'partitions':3}"));
        assertEquals(m.body(), 201, m.statusCode());
        String id = m.body().replaceAll("(?s).*?\"id\"\\s*:\\s*(\\d+).*", "$1");
        assertEquals(409, call("POST", "/search/migrations/" + id + "/finish", OPERATOR, "{}").statusCode());
        assertEquals(409, call("POST", "/search/migrations/" + id + "/backfill", OPERATOR, "{}").statusCode());
        assertEquals(409, call("POST", "/search/collections/notes/migrations", OPERATOR, json("{'partitions':2}")).statusCode());
        assertEquals(404, call("POST", "/search/migrations/" + id + "/nonsense", OPERATOR, "{}").statusCode());
        assertEquals(404, call("POST", "/search/migrations/999999/start", OPERATOR, "{}").statusCode());
        assertEquals(200, call("POST", "/search/migrations/" + id + "/start", OPERATOR, "{}").statusCode());
        assertEquals(200, call("POST", "/search/migrations/" + id + "/backfill", OPERATOR, "{}").statusCode());
        assertEquals(404, call("POST", "/search/migrations/" + id + "/validate", OPERATOR, json("{'tenants':['nobody']}")).statusCode());
        assertEquals(409, call("POST", "/search/migrations/" + id + "/advance", OPERATOR, json("{'tenants':['acme']}")).statusCode());
        assertEquals(400, call("POST", "/search/migrations/" + id + "/advance", OPERATOR, json("{'percent':150}")).statusCode());
        assertEquals(400, call("POST", "/search/migrations/" + id + "/delete-old", OPERATOR, json("{'confirm':'wrong'}")).statusCode());
        assertEquals(200, call("POST", "/search/migrations/" + id + "/cancel", OPERATOR, "{}").statusCode());
        assertEquals("a cancelled migration's indexes are deleted", 404, es("GET", "/hr-notes-2-p0").statusCode());
        assertEquals(1, admin().collection("notes").orElseThrow().layout());
        assertTrue(shell("search:collections").contains("notes"));
        String made = shell("search:collection-create --partitions 2 --dedicated big1 shellmade");
        assertTrue(made, made.contains("hr-shellmade-1-p1") && made.contains("hr-shellmade-1-t-big1"));
        String target = shell("search:migration-create -p 3 shellmade");
        assertTrue(target, target.contains("layout 1 -> 2"));
        assertEquals(200, es("GET", "/hr-shellmade-2-p2").statusCode());

        // a write the target layout refuses (a mapping conflict) is kept as dead in the outbox, listed and retried
        assertEquals(201, call("POST", "/search/collections", OPERATOR, json("{'name':'strict','mappings':{'dynamic':false}}")).statusCode());
        HttpResponse<String> strict = call("POST", "/search/collections/strict/migrations", OPERATOR,
                json("{'partitions':1,'mappings':{'properties':{'n':{'type':'integer'}}}}"));
        String strictId = strict.body().replaceAll("(?s).*?\"id\"\\s*:\\s*(\\d+).*", "$1");
        assertEquals(200, call("POST", "/search/migrations/" + strictId + "/start", OPERATOR, "{}").statusCode());
        assertEquals(200, call("PUT", "/search/collections/strict/tenants/acme/documents/7", OPERATOR,
                json("{'version':1,'document':{'n':'not a number'}}")).statusCode());
        assertTrue(eventually(() -> deadOutboxContains("strict", "\"dead\":true")));
        String dead = get("/search/collections/strict/outbox?dead=true", OPERATOR).body();
        assertTrue(dead, dead.contains("\"documentId\":\"7\"") && dead.contains("\"tenant\":\"acme\""));
        String listed = shell("search:outbox --dead strict");
        assertTrue(listed, listed.contains("acme") && listed.contains("yes"));
        assertTrue(call("POST", "/search/collections/strict/outbox/retry", OPERATOR, "{}").body().contains("\"retried\":1"));
        assertTrue("refused again, so dead again (and revived again)", eventually(() -> {
            try {
                return call("POST", "/search/collections/strict/outbox/retry", OPERATOR, "{}").body().contains("\"retried\":1");
            } catch (Exception e) {
                return false;
            }
        }));
        assertEquals(404, get("/search/collections/nosuch/outbox", OPERATOR).statusCode());
        assertEquals(400, get("/search/collections/strict/outbox?limit=0", OPERATOR).statusCode());
        assertEquals(200, call("POST", "/search/migrations/" + strictId + "/cancel", OPERATOR, "{}").statusCode());
    }

    private boolean deadOutboxContains(String collection, String text) {
        try {
            return get("/search/collections/" + collection + "/outbox?dead=true", OPERATOR).body().contains(text);
        } catch (Exception e) {
            return false;
        }
    }

    private static long total(SearchResult r) {
        return r.total();
    }

    /** What the writers know each tenant holds: live ids at their version, and deleted ids with their delete version. */
    static final class Truth {
        final Map<String, Long> live = new ConcurrentHashMap<>();
        final Map<String, Long> deleted = new ConcurrentHashMap<>();
        int next;
    }

    @Test
    public void migrationUnderConcurrentWritesMatchesTheGroundTruth() throws Exception {
        String c = "orders";
        // fields it does not declare (tag, tenant) are kept in the source unindexed
        admin().createCollection(c, new LayoutSpec(2, Set.of(), "{\"dynamic\":false,\"properties\":{\"title\":{\"type\":\"text\"},\"n\":{\"type\":\"long\"}}}", null));
        AtomicLong versions = new AtomicLong(1);
        List<TenantId> tenants = new ArrayList<>();
        Map<TenantId, Truth> truth = new HashMap<>();
        for (int i = 0; i < TENANTS; i++) {
            TenantId t = TenantId.of(String.format("t%02d", i));
            tenants.add(t);
            Truth tr = new Truth();
            truth.put(t, tr);
            List<DocumentWrite> batch = new ArrayList<>();
            for (int d = 0; d < DOCS_PER_TENANT; d++) {
                long v = versions.getAndIncrement();
                String id = "d" + d;
                batch.add(DocumentWrite.index(id, v, doc(t, id, v)));
                tr.live.put(id, v);
            }
            tr.next = DOCS_PER_TENANT;
            WriteResult w = search().bulk(c, t, batch);
            assertEquals(DOCS_PER_TENANT, w.applied());
        }

        // two writers, each owning half the tenants: ~100 upserts and deletes per second
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ops = new AtomicInteger();
        AtomicInteger queuedWrites = new AtomicInteger();
        AtomicInteger failedWrites = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int half = w;
            Thread th = new Thread(() -> {
                Random rnd = new Random(42 + half);
                while (!stop.get()) {
                    TenantId t = tenants.get(half + 2 * rnd.nextInt(TENANTS / 2));
                    Truth tr = truth.get(t);
                    long v = versions.getAndIncrement();
                    double r = rnd.nextDouble();
                    try {
                        WriteResult res;
                        if (r < 0.25 || tr.live.isEmpty()) {
                            String id = "d" + tr.next++;
                            res = search().index(c, t, id, v, doc(t, id, v));
                            tr.live.put(id, v);
                        } else {
                            List<String> ids = new ArrayList<>(tr.live.keySet());
                            String id = ids.get(rnd.nextInt(ids.size()));
                            if (r < 0.7) {
                                res = search().index(c, t, id, v, doc(t, id, v));
                                tr.live.put(id, v);
                            } else {
                                res = search().delete(c, t, id, v);
                                tr.live.remove(id);
                                tr.deleted.put(id, v);
                            }
                        }
                        if (res.queued() > 0) {
                            queuedWrites.incrementAndGet();
                        }
                        ops.incrementAndGet();
                    } catch (RuntimeException e) {
                        failedWrites.incrementAndGet();
                    }
                    try {
                        Thread.sleep(18);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "it-writer-" + w);
            th.start();
            writers.add(th);
        }
        try {
            // target: 4 partitions, a dedicated index for t00, and a new field in the mappings
            MigrationStatus m = admin().createMigration(c, new LayoutSpec(4, Set.of(TenantId.of("t00")),
                    "{\"dynamic\":false,\"properties\":{\"title\":{\"type\":\"text\"},\"n\":{\"type\":\"long\"},\"tag\":{\"type\":\"keyword\"}}}", null));
            long id = m.id();
            assertEquals("CREATED", m.state());
            admin().start(id);
            Thread.sleep(500);
            admin().backfill(id);

            // Elasticsearch dies during the backfill and comes back on the same data and port
            assertTrue("the backfill got going", eventually(() -> copied(admin().status(id)) > 2000));
            assertEquals("killed mid-backfill", "BACKFILLING", admin().status(id).state());
            killElasticsearch();
            Thread.sleep(3000);
            int queuedDuringOutage = queuedWrites.get();
            restartElasticsearch();
            // and the Headroom node restarts too, mid-backfill: the workflow resumes from the control schema
            long before = copied(admin().status(id));
            bundle("io.headroom.search").stop();
            bundle("io.headroom.search").start();
            assertTrue(eventually(() -> trackedSearch.getService() != null && trackedAdmin.getService() != null));
            System.out.println("search IT: search bundle restarted with " + before + " documents copied");
            System.out.println("search IT: " + queuedDuringOutage + " writes went to the outbox during the outage");
            assertTrue("writes during the outage went to the outbox", queuedDuringOutage > 0);

            long deadline = System.currentTimeMillis() + 180_000;
            while (!"BACKFILLED".equals(admin().status(id).state()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
            }
            MigrationStatus s = admin().status(id);
            assertEquals("backfill finished after the outage: " + s.tenants(), "BACKFILLED", s.state());
            assertEquals(TENANTS, s.tenants().size());
            awaitOutboxDrained(id);

            // validate every tenant while the writers keep going; a tenant caught with a write in flight is validated again
            Set<TenantId> pending = Set.copyOf(tenants);
            for (int round = 0; round < 6 && !pending.isEmpty(); round++) {
                s = admin().validate(id, pending);
                pending = s.tenants().stream().filter(t -> !"PASSED".equals(t.validation())).map(t -> TenantId.of(t.tenant()))
                        .collect(Collectors.toSet());
                if (!pending.isEmpty()) {
                    Thread.sleep(500);
                }
            }
            assertTrue("every tenant validated: " + failures(s), pending.isEmpty());
            for (TenantProgress t : s.tenants()) {
                assertEquals(t.tenant(), t.sourceHash(), t.targetHash());
                assertEquals(t.tenant(), t.sourceCount(), t.targetCount());
            }

            // move half the tenants' reads, roll one back, then everyone
            admin().advance(id, 50.0, null);
            s = admin().status(id);
            List<TenantProgress> moved = s.tenants().stream().filter(TenantProgress::readsOnTarget).toList();
            assertTrue("some but not all tenants moved: " + moved.size(), moved.size() > 5 && moved.size() < 45);
            TenantId x = TenantId.of(moved.get(0).tenant());
            assertTrue(eventually(() -> layoutOf(c, x).equals("layout-2")));
            admin().rollback(id, Set.of(x));
            assertTrue("rollback is immediate on this node", eventually(() -> layoutOf(c, x).equals("layout-1")));
            TenantId other = TenantId.of(moved.get(1).tenant());
            assertEquals("others stay moved", "layout-2", layoutOf(c, other));
            assertThrows("finish needs every tenant on the new layout", SearchConflictException.class, () -> admin().finish(id));
            admin().advance(id, 100.0, Set.of(x));
            assertTrue(eventually(() -> layoutOf(c, x).equals("layout-2")));
            s = admin().finish(id);
            assertEquals("FINISHED", s.state());
            assertEquals(2, admin().collection(c).orElseThrow().layout());
            assertTrue(admin().collection(c).orElseThrow().indexes().contains("hr-orders-2-t-t00"));
            Thread.sleep(1500);
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
        }
        System.out.println("search IT: " + ops.get() + " concurrent writes, " + queuedWrites.get() + " queued, " + failedWrites.get() + " failed");
        assertEquals("no write failed outright (the outbox took what Elasticsearch could not)", 0, failedWrites.get());
        assertTrue("the writers ran through the migration: " + ops.get(), ops.get() > 500);
        long id = admin().migrations(c).get(0).id();
        awaitOutboxDrained(id);

        // the new layout holds exactly the ground truth: no lost write, no resurrected delete
        Thread.sleep(1500);
        int resurrected = 0;
        int lost = 0;
        for (TenantId t : tenants) {
            Truth tr = truth.get(t);
            Map<String, Long> seen = new TreeMap<>();
            for (SearchHit h : search().search(c, t, new SearchQuery(null, 0, 1000)).hits()) {
                seen.put(h.id(), h.version());
                assertEquals("tenant boundary: " + h.document(), t.value(), h.document().get("tenant"));
            }
            for (String d : tr.deleted.keySet()) {
                if (seen.containsKey(d) && !tr.live.containsKey(d)) {
                    resurrected++;
                }
            }
            for (Map.Entry<String, Long> e : tr.live.entrySet()) {
                if (!e.getValue().equals(seen.get(e.getKey()))) {
                    lost++;
                }
            }
            assertEquals("tenant " + t + " count", tr.live.size(), seen.size());
            assertEquals("tenant " + t + " (id, version) hash", hash(new TreeMap<>(tr.live)), hash(seen));
        }
        assertEquals("resurrected deletes", 0, resurrected);
        assertEquals("lost or stale writes", 0, lost);

        // the old layout goes only with the operator's confirmation
        assertThrows(IllegalArgumentException.class, () -> admin().deleteOld(id, "wrong"));
        assertEquals(200, es("GET", "/hr-orders-1-p0").statusCode());
        assertEquals("OLD_DELETED", admin().deleteOld(id, c).state());
        assertEquals(404, es("GET", "/hr-orders-1-p0").statusCode());
        String status = shell("search:status " + id);
        assertTrue(status, status.contains("OLD_DELETED"));
        assertThrows(UnknownCollectionException.class, () -> admin().status(987654));
    }

    private String layoutOf(String c, TenantId t) {
        return search().search(c, t, SearchQuery.of(null, 1)).layout();
    }

    private ServiceTracker<TenantSearch, TenantSearch> trackedSearch;
    private ServiceTracker<SearchAdmin, SearchAdmin> trackedAdmin;

    @Before
    public void trackServices() {
        trackedSearch = new ServiceTracker<>(bundleContext, TenantSearch.class, null);
        trackedSearch.open();
        trackedAdmin = new ServiceTracker<>(bundleContext, SearchAdmin.class, null);
        trackedAdmin.open();
    }

    @After
    public void closeTrackers() {
        trackedSearch.close();
        trackedAdmin.close();
    }

    /** The current service: the bundle may be restarted during the test (a node restart). */
    private TenantSearch search() {
        try {
            TenantSearch s = trackedSearch.waitForService(30_000);
            if (s == null) {
                throw new IllegalStateException("no TenantSearch service");
            }
            return s;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private SearchAdmin admin() {
        try {
            SearchAdmin s = trackedAdmin.waitForService(30_000);
            if (s == null) {
                throw new IllegalStateException("no SearchAdmin service");
            }
            return s;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String failures(MigrationStatus s) {
        return s.tenants().stream().filter(t -> !"PASSED".equals(t.validation())).map(t -> t.tenant() + ": " + t.detail()).toList().toString();
    }

    /**
     * The outbox empties while the writers keep writing: Elasticsearch has just restarted and the backfill is busy,
     * so on a loaded machine the retries can take longer than the usual 40 s.
     */
    private void awaitOutboxDrained(long id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 150_000;
        long pending;
        while ((pending = admin().status(id).outboxPending()) > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertEquals("writes still waiting in the outbox", 0, pending);
    }

    private static long copied(MigrationStatus s) {
        return s.tenants().stream().mapToLong(TenantProgress::copied).sum();
    }

    private static String hash(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "@" + e.getValue()).collect(Collectors.joining(",")).hashCode() + ":" + m.size();
    }

    private static Map<String, Object> doc(TenantId t, String id, long v) {
        return Map.of("title", "order " + id + " of " + t.value(), "n", v, "tenant", t.value(), "tag", v % 2 == 0 ? "even" : "odd");
    }

    private void killElasticsearch() throws Exception {
        long pid = Long.parseLong(System.getProperty(ES_PID + ".current", System.getProperty(ES_PID)));
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no Elasticsearch process " + pid));
        p.destroyForcibly();
        p.onExit().get(30, TimeUnit.SECONDS);
        assertFalse(p.isAlive());
    }

    /** Starts the node again on the same data and port, as a child of this JVM (it exits with it: its stdin closes). */
    private void restartElasticsearch() throws Exception {
        Path module = Path.of(System.getProperty(ES_MODULE));
        Path data = Path.of(System.getProperty(ES_DATA));
        Files.deleteIfExists(data.resolve("http.port"));
        String classpath = module.resolve("target/classes") + File.pathSeparator + Files.readString(module.resolve("target/classpath.txt")).trim();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms384m", "-Xmx384m",
                "-XX:+UseSerialGC", "-cp", classpath, "io.headroom.fixtures.es.ElasticsearchMain", data.toString(), System.getProperty(ES_PORT))
                .redirectErrorStream(true).redirectOutput(data.resolve("node-restarted.log").toFile()).start();
        System.setProperty(ES_PID + ".current", String.valueOf(p.pid()));
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.exists(data.resolve("http.port"))) {
            assertTrue("Elasticsearch restarted; see " + data.resolve("node-restarted.log"), p.isAlive() && System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
        assertNotEquals(0, p.pid());
    }
}
