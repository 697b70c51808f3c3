package io.headroom.search.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.ItemResult;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.QueryHit;
import io.headroom.search.internal.rest.SearchResource;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The bulk paths of the data plane as a bundle uses them (TenantSearchService on a SearchNode over a real MariaDB
 * control schema and a real Elasticsearch node, no Karaf), and the REST resource's answer to a batch over the limit.
 */
public class TenantSearchBulkTest {
    static final String C = "products";
    static final TenantId ACME = TenantId.of("acme");
    static final TenantId GLOBEX = TenantId.of("globex");
    static final String MAPPINGS = "{\"properties\":{\"title\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},"
            + "\"price\":{\"type\":\"double\"},\"at\":{\"type\":\"date\"}}}";
    static MariaDb db;
    static String schema;
    static ElasticsearchProcess es;
    static SearchNode node;
    static TenantSearchService search;
    static SearchAdminService admin;
    static SearchResource rest;

    @BeforeClass
    public static void start() throws Exception {
        db = MariaDb.machineOrEmbedded();
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        es = ElasticsearchProcess.start(Path.of("target", "es-bulk-" + ProcessHandle.current().pid()), 0, "256m");
        node = new SearchNode(new PlainControlStore(db, schema), NO_FLAGS, NO_SIGNALS, config(es.endpoint()));
        // backfill and validation are not used by collection creation
        admin = new SearchAdminService(node, null, null);
        admin.createCollection(C, new LayoutSpec(2, Set.of(), MAPPINGS, null));
        search = new TenantSearchService(node);
        rest = new SearchResource(search, admin);
    }

    @AfterClass
    public static void stop() {
        if (node != null) {
            node.deactivate();
        }
        if (es != null) {
            es.close();
        }
        if (db != null) {
            db.dropSchema(schema);
            db.close();
        }
    }

    static List<DocumentWrite> writes(String prefix, int n) {
        List<DocumentWrite> w = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            w.add(DocumentWrite.index(prefix + i, 1, Map.of("title", "item " + i, "tag", "t" + (i % 7), "price", i / 10.0)));
        }
        return w;
    }

    static long count(TenantId t) throws Exception {
        node.es().refresh(node.layoutIndexes(C, 1));
        return search.query(C, t, Map.of("size", 0)).total();
    }

    /**
     * A node whose snapshot is older than a finished migration whose old layout was already deleted (by another node, a
     * moment ago) writes to the new layout: the write meets the missing index, reloads the snapshot and goes to the
     * layout the control schema names now, instead of refusing the client's document (the game day saw a 400 there).
     */
    @Test
    public void aWriteFromANodeThatMissedAFinishedMigrationGoesToTheNewLayout() throws Exception {
        String c = "moved";
        admin.createCollection(c, new LayoutSpec(1, Set.of(), MAPPINGS, null));
        SearchNode stale = new SearchNode(new PlainControlStore(db, schema), NO_FLAGS, NO_SIGNALS, staleConfig(es.endpoint()));
        try {
            TenantSearchService staleSearch = new TenantSearchService(stale);
            staleSearch.bulk(c, ACME, writes("before-", 1));
            long id = admin.createMigration(c, new LayoutSpec(2, Set.of(), MAPPINGS, null)).id();
            var m = node.store().migration(id).orElseThrow();
            assertTrue(node.store().finish(m)); // what finishing does in the control schema
            node.es().deleteIndexes(node.layoutIndexes(c, m.source())); // and what delete-old does in Elasticsearch
            node.refresh();
            assertEquals("the stale node still writes to the old layout", m.source(), (int) stale.snapshot().current().get(c));

            staleSearch.bulk(c, ACME, writes("after-", 3));
            assertEquals("it reloaded", m.target(), (int) stale.snapshot().current().get(c));
            node.es().refresh(node.layoutIndexes(c, m.target()));
            assertEquals("the three writes are on the new layout", 3, search.query(c, ACME, Map.of("size", 0)).total());
        } finally {
            stale.deactivate();
        }
    }

    @Test
    public void aThousandAndOneWritesAreRefusedWholeAndNothingIsWritten() throws Exception {
        List<DocumentWrite> tooMany = writes("x", 1001);
        IllegalArgumentException bulk = assertThrows(IllegalArgumentException.class, () -> search.bulk(C, GLOBEX, tooMany));
        assertEquals("send 1 to 1000 writes, not 1001", bulk.getMessage());
        IllegalArgumentException items = assertThrows(IllegalArgumentException.class, () -> search.bulkItems(C, GLOBEX, tooMany));
        assertEquals("send 1 to 1000 writes, not 1001", items.getMessage());

        // over REST: a 400 problem with the same reason, before any item is judged
        List<SearchResource.WriteIn> in = tooMany.stream().map(w -> new SearchResource.WriteIn(w.id(), w.version(), w.document())).toList();
        ProblemException p = assertThrows(ProblemException.class, () -> rest.bulk(C, GLOBEX, new SearchResource.BulkIn(in)));
        assertEquals(400, p.status());
        assertEquals("send 1 to 1000 writes, not 1001", p.getMessage());
        assertEquals(400, assertThrows(ProblemException.class, () -> rest.bulk(C, GLOBEX, new SearchResource.BulkIn(List.of()))).status());

        assertEquals("nothing of the refused batches was written", 0, count(GLOBEX));
        assertTrue(admin.outbox(C, false, 10).isEmpty());

        // exactly 1,000 is accepted, each item applied
        List<ItemResult> ok = search.bulkItems(C, GLOBEX, tooMany.subList(0, 1000));
        assertEquals(1000, ok.size());
        assertTrue(ok.stream().allMatch(i -> i.status() == 200 && i.error() == null));
        assertEquals(1000, count(GLOBEX));
    }

    @Test
    public void bulkItemsJudgesEachWriteAndAppliesTheOthers() throws Exception {
        List<DocumentWrite> w = new ArrayList<>(writes("a", 5));
        w.add(DocumentWrite.index("colour", 1, Map.of("title", "x", "colour", "red")));           // undeclared field: schema
        w.add(DocumentWrite.index("cheap", 1, Map.of("price", "cheap")));                         // wrong type: schema
        w.add(DocumentWrite.index("when", 1, Map.of("title", "x", "at", "not a date")));         // Elasticsearch refuses it
        w.add(DocumentWrite.index("zero", 0, Map.of("title", "x")));                              // version not above 0
        w.add(DocumentWrite.index("bad\u0001id", 1, Map.of("title", "x")));                      // control character in the id
        w.add(DocumentWrite.delete("a0", 2));                                                     // a delete in the same batch
        List<ItemResult> items = search.bulkItems(C, ACME, w);
        assertEquals(w.size(), items.size());
        for (int i = 0; i < w.size(); i++) {
            assertEquals("in order", w.get(i).id(), items.get(i).id());
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(items.get(i).toString(), 200, items.get(i).status());
            assertNull(items.get(i).error());
        }
        assertEquals(400, items.get(5).status());
        assertTrue(items.get(5).error(), items.get(5).error().contains("'colour'"));
        assertEquals(400, items.get(6).status());
        assertTrue(items.get(6).error(), items.get(6).error().contains("'price'"));
        assertEquals(400, items.get(7).status());
        assertTrue(items.get(7).error(), items.get(7).error().startsWith("refused: ") && items.get(7).error().contains("[at]"));
        assertEquals(400, items.get(8).status());
        assertTrue(items.get(8).error(), items.get(8).error().contains("version"));
        assertEquals(400, items.get(9).status());
        assertTrue(items.get(9).error(), items.get(9).error().contains("control characters"));
        int last = w.size() - 1;
        assertEquals(items.get(last).toString(), 200, items.get(last).status());

        node.es().refresh(node.layoutIndexes(C, 1));
        Set<String> ids = search.query(C, ACME, Map.of("size", 100)).hits().stream().map(QueryHit::id).collect(Collectors.toSet());
        assertEquals("applied writes only, the delete too", Set.of("a1", "a2", "a3", "a4"), ids);

        // all-or-nothing bulk: one bad write and none is sent
        List<DocumentWrite> mixed = new ArrayList<>(writes("b", 3));
        mixed.add(DocumentWrite.index("b-bad", 1, Map.of("colour", "red")));
        assertThrows(IllegalArgumentException.class, () -> search.bulk(C, ACME, mixed));
        assertFalse(search.query(C, ACME, Map.of("size", 100)).hits().stream().anyMatch(h -> h.id().startsWith("b")));
    }

    static final FeatureFlags NO_FLAGS = new FeatureFlags() {
        @Override
        public boolean isEnabled(String flag, TenantId tenant) {
            return false;
        }

        @Override
        public Optional<FlagDefinition> get(String flag) {
            return Optional.empty();
        }

        @Override
        public List<FlagDefinition> list() {
            return List.of();
        }

        @Override
        public FlagDefinition apply(String flag, FlagChange change) {
            throw new UnsupportedOperationException("no flags in this test");
        }

        @Override
        public boolean delete(String flag) {
            return false;
        }
    };

    static final Signals NO_SIGNALS = new Signals() {
        @Override
        public void outcome(OutcomeEvent event) {
        }

        @Override
        public void load(LoadSample sample) {
        }
    };

    /** The same, with the snapshot reloaded once an hour (only on a miss or a missing index, then). */
    static SearchConfig staleConfig(String endpoint) {
        SearchConfig base = config(endpoint);
        return (SearchConfig) Proxy.newProxyInstance(SearchConfig.class.getClassLoader(), new Class<?>[] {SearchConfig.class},
                (proxy, m, args) -> m.getName().equals("refreshMillis") ? (Object) 3_600_000L : m.invoke(base, args));
    }

    /** The configuration's defaults, with the test node's endpoint. */
    static SearchConfig config(String endpoint) {
        return (SearchConfig) Proxy.newProxyInstance(SearchConfig.class.getClassLoader(), new Class<?>[] {SearchConfig.class}, (proxy, m, args) -> {
            if (m.getName().equals("endpoints")) {
                return endpoint;
            }
            if (m.getName().equals("annotationType")) {
                return SearchConfig.class;
            }
            return m.getDefaultValue();
        });
    }
}
