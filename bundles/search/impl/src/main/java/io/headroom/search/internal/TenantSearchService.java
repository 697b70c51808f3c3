package io.headroom.search.internal;

import io.headroom.core.api.TenantId;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.SearchHit;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.SearchResult;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.TenantSearch;
import io.headroom.search.api.WriteResult;
import io.headroom.search.internal.SearchNode.Snapshot;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.Names;
import io.headroom.search.internal.core.WritePlan;
import io.headroom.search.internal.engine.Elastic;
import io.headroom.search.internal.engine.QueryRunner;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.embed.EmbeddingException;
import io.headroom.core.api.embed.Embeddings;
import io.headroom.search.api.ItemResult;
import io.headroom.search.api.QueryResult;
import io.headroom.search.internal.core.QueryPlan;
import io.headroom.search.internal.core.Schema;
import java.util.LinkedHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant data plane: writes go to the layouts {@link WritePlan} names for the collection's migration state, in
 * one bulk request; reads go to the layout the tenant reads now (the target once it is validated and its flag is on).
 */
@Component(service = TenantSearch.class)
public final class TenantSearchService implements TenantSearch {
    private static final Logger LOG = LoggerFactory.getLogger(TenantSearchService.class);
    static final int MAX_BATCH = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SearchNode node;
    /** The LLM gateway's embeddings, when installed: vectors for fields and kNN clauses that name a route. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Embeddings embeddings;

    @Activate
    public TenantSearchService(@Reference SearchNode node) {
        this.node = node;
    }

    @Override
    public WriteResult index(String collection, TenantId tenant, String id, long version, Map<String, Object> document) {
        if (document == null) {
            throw new IllegalArgumentException("a document is required");
        }
        return bulk(collection, tenant, List.of(DocumentWrite.index(id, version, document)));
    }

    @Override
    public WriteResult delete(String collection, TenantId tenant, String id, long version) {
        return bulk(collection, tenant, List.of(DocumentWrite.delete(id, version)));
    }

    @Override
    public WriteResult bulk(String collection, TenantId tenant, List<DocumentWrite> writes) {
        checkBatch(writes);
        for (DocumentWrite w : writes) {
            checkWrite(w);
        }
        Snapshot s = node.snapshotWith(collection);
        Schema schema = node.schema(s, collection, s.current().get(collection));
        if (schema != null) {
            for (DocumentWrite w : writes) {
                if (w.document() != null) {
                    schema.check(w.id(), w.document());
                }
            }
        }
        int[] status = apply(s, collection, tenant, embedded(schema, tenant, writes), false, new String[writes.size()]);
        int applied = 0;
        int queued = 0;
        for (int st : status) {
            applied += st >> 16;
            queued += st & 0xffff;
        }
        return new WriteResult(applied, queued);
    }

    @Override
    public List<ItemResult> bulkItems(String collection, TenantId tenant, List<DocumentWrite> writes) {
        checkBatch(writes);
        Snapshot s = node.snapshotWith(collection);
        Schema schema = node.schema(s, collection, s.current().get(collection));
        ItemResult[] items = new ItemResult[writes.size()];
        List<DocumentWrite> good = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            DocumentWrite w = writes.get(i);
            try {
                checkWrite(w);
                if (schema != null && w.document() != null) {
                    schema.check(w.id(), w.document());
                }
                good.add(w);
                where.add(i);
            } catch (IllegalArgumentException e) {
                items[i] = new ItemResult(w == null ? null : w.id(), 400, e.getMessage());
            }
        }
        if (!good.isEmpty()) {
            String[] errors = new String[good.size()];
            int[] status = apply(s, collection, tenant, embedded(schema, tenant, good), true, errors);
            for (int j = 0; j < good.size(); j++) {
                int st = status[j];
                items[where.get(j)] = errors[j] != null ? new ItemResult(good.get(j).id(), 400, errors[j])
                        : new ItemResult(good.get(j).id(), (st & 0xffff) > 0 ? 202 : 200, null);
            }
        }
        return List.of(items);
    }

    private static void checkBatch(List<DocumentWrite> writes) {
        if (writes == null || writes.isEmpty() || writes.size() > MAX_BATCH) {
            throw new IllegalArgumentException("send 1 to " + MAX_BATCH + " writes, not " + (writes == null ? 0 : writes.size()));
        }
    }

    private static void checkWrite(DocumentWrite w) {
        if (w == null) {
            throw new IllegalArgumentException("a write is an object with id, version and document (null: delete)");
        }
        Names.documentId(w.id());
        Names.version(w.version());
        if (w.document() != null) {
            for (String key : w.document().keySet()) {
                if (key == null || key.isEmpty() || key.startsWith("_")) {
                    throw new IllegalArgumentException("document " + w.id() + ", field '" + key + "': field names must not be empty or start with '_'");
                }
            }
        }
    }

    /**
     * Fills the vector fields whose schema names an embeddings route ({@code meta.embed_route}, from the text field
     * {@code meta.embed_from}) where a document has the text and not the vector: one embeddings call per field and batch.
     */
    private List<DocumentWrite> embedded(Schema schema, TenantId tenant, List<DocumentWrite> writes) {
        if (schema == null) {
            return writes;
        }
        List<DocumentWrite> out = new ArrayList<>(writes);
        for (Schema.Field f : schema.fields().values()) {
            if (f.embedRoute() == null) {
                continue;
            }
            List<Integer> which = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                Map<String, Object> d = out.get(i).document();
                if (d != null && !d.containsKey(f.name()) && d.get(f.embedFrom()) instanceof String text && !text.isBlank()) {
                    which.add(i);
                    texts.add(text);
                }
            }
            if (which.isEmpty()) {
                continue;
            }
            List<float[]> vectors = embed(tenant, f.embedRoute(), texts);
            for (int j = 0; j < which.size(); j++) {
                float[] v = vectors.get(j);
                if (v.length != f.dims()) {
                    throw new IllegalArgumentException("embeddings route '" + f.embedRoute() + "' gives " + v.length + " dimensions, field '"
                            + f.name() + "' has " + f.dims());
                }
                DocumentWrite w = out.get(which.get(j));
                Map<String, Object> d = new LinkedHashMap<>(w.document());
                List<Float> list = new ArrayList<>(v.length);
                for (float x : v) {
                    list.add(x);
                }
                d.put(f.name(), list);
                out.set(which.get(j), DocumentWrite.index(w.id(), w.version(), d));
            }
        }
        return out;
    }

    private List<float[]> embed(TenantId tenant, String route, List<String> texts) {
        Embeddings e = embeddings;
        if (e == null) {
            throw new IllegalArgumentException("embeddings route '" + route + "' is named but no embeddings provider is installed");
        }
        try {
            return e.embed(tenant, route, texts);
        } catch (EmbeddingException ex) {
            throw new SearchUnavailableException("embeddings route '" + route + "' could not answer: " + ex.getMessage(), ex);
        }
    }

    /** The layouts a write to the collection goes to: the current one first, then a migration's target while it dual-writes. */
    private static List<Layout> targets(Snapshot s, String collection) {
        MigrationRow m = s.open().get(collection);
        List<Layout> targets = new ArrayList<>();
        for (int number : WritePlan.layouts(s.current().get(collection), m == null ? null : m.state(), m == null ? 0 : m.target())) {
            targets.add(s.layout(collection, number));
        }
        return targets;
    }

    /**
     * Sends the writes to every layout the collection is written to, in one bulk request. Returns per write
     * (applied layouts &lt;&lt; 16 | queued layouts). Unless {@code perItem}, a batch the current layout refuses entirely is
     * an IllegalArgumentException; with {@code perItem}, each write the current layout refuses gets its reason in
     * {@code errors}, and what other layouts took of it is undone.
     */
    private int[] apply(Snapshot s, String collection, TenantId tenant, List<DocumentWrite> writes, boolean perItem, String[] errors) {
        long started = System.nanoTime();
        List<Layout> targets = targets(s, collection);
        boolean ok = false;
        String job = writes.size() == 1 && writes.get(0).document() == null ? "search.delete" : "search.index";
        SearchStore store = node.store();
        Elastic es = node.es();
        try {
            node.registerTenant(collection, tenant);
            for (DocumentWrite w : writes) {
                if (w.document() == null) {
                    // recorded before Elasticsearch sees the delete: a copy (backfill, outbox retry) of an older version is
                    // never applied after it, whatever Elasticsearch has forgotten (index.gc_deletes)
                    store.tombstone(collection, tenant, w.id(), w.version());
                }
            }
            List<Elastic.Write> batch;
            List<Elastic.WriteOutcome> outcomes;
            for (int attempt = 0; ; attempt++) {
                batch = new ArrayList<>(writes.size() * targets.size());
                for (Layout l : targets) {
                    for (DocumentWrite w : writes) {
                        batch.add(new Elastic.Write(l.indexFor(tenant), tenant, w.id(), w.version(), w.document()));
                    }
                }
                try {
                    outcomes = es.bulk(batch, false);
                } catch (IOException | RuntimeException e) {
                    outcomes = Collections.nCopies(batch.size(), new Elastic.WriteOutcome(Elastic.Outcome.RETRY, e.toString()));
                }
                // an index gone since this node's snapshot (the old layout of a migration another node finished and deleted
                // a moment ago): reload the snapshot and write once more to the layouts it names now (writes are versioned:
                // what the first attempt applied is a no-op the second time)
                if (attempt > 0 || outcomes.stream().noneMatch(Elastic::indexGone)) {
                    break;
                }
                List<Layout> before = targets;
                node.refreshQuietly();
                targets = targets(node.snapshot(), collection);
                if (targets.equals(before)) {
                    break;
                }
            }
            int n = writes.size();
            boolean[] undo = new boolean[n];
            if (perItem) {
                for (int j = 0; j < n; j++) {
                    if (outcomes.get(j).outcome() == Elastic.Outcome.REJECTED) {
                        undo[j] = true;
                        errors[j] = "refused: " + outcomes.get(j).error();
                    }
                }
            } else if (WritePlan.refusedByCurrent(outcomes.subList(0, n).stream().map(o -> WritePlan.Answer.valueOf(o.outcome().name())).toList())) {
                java.util.Arrays.fill(undo, true);
            }
            // the layout clients read refused these documents: bad requests; undo what another layout took of them
            for (int k = n; k < batch.size(); k++) {
                if (undo[k % n] && outcomes.get(k).outcome() == Elastic.Outcome.APPLIED && batch.get(k).document() != null) {
                    try {
                        es.deleteAtOrAbove(batch.get(k).index(), tenant, batch.get(k).id(), batch.get(k).version());
                    } catch (IOException | RuntimeException e) {
                        // left for validation to report: the tenant's layouts differ in this id
                        LOG.warn("search: could not undo {}/{} v{} in {}: {}", tenant, batch.get(k).id(), batch.get(k).version(),
                                batch.get(k).index(), e.toString());
                    }
                }
            }
            if (!perItem && undo.length > 0 && undo[0]) {
                List<String> refused = new ArrayList<>();
                for (int j = 0; j < Math.min(3, n); j++) {
                    refused.add(writes.get(j).id() + ": " + outcomes.get(j).error());
                }
                throw new IllegalArgumentException("refused: " + String.join("; ", refused));
            }
            int[] status = new int[n];
            for (int k = 0; k < batch.size(); k++) {
                if (undo[k % n]) {
                    continue;
                }
                Elastic.WriteOutcome o = outcomes.get(k);
                Elastic.Write w = batch.get(k);
                if (WritePlan.action(WritePlan.Answer.valueOf(o.outcome().name())) == WritePlan.Action.DONE) {
                    status[k % n] += 1 << 16;
                } else {
                    // kept in the control schema and retried until applied (a refusal is kept as dead, shown in status)
                    store.outbox(collection, targets.get(k / n).number(), tenant, w.id(), w.version(),
                            w.document() == null ? null : Elastic.toJson(w.document()), o.error());
                    status[k % n] += 1;
                }
            }
            ok = true;
            return status;
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } finally {
            node.report(tenant, job, ok, started, collection);
        }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public SearchResult search(String collection, TenantId tenant, SearchQuery query) {
        long started = System.nanoTime();
        boolean ok = false;
        try {
            Layout l = readLayout(collection, tenant);
            var r = node.es().search(l.indexFor(tenant), tenant, query.text(), query.from(), query.size());
            List<SearchHit> hits = new ArrayList<>();
            for (var h : r.hits().hits()) {
                String id = h.id().substring(h.id().indexOf('/') + 1);
                Map<String, Object> src = h.source() == null ? Map.of() : Elastic.stripOwnFields((Map<String, Object>) h.source());
                hits.add(new SearchHit(id, h.version() == null ? 0 : h.version(), h.score() == null ? 0 : h.score(), src));
            }
            long total = r.hits().total() == null ? hits.size() : r.hits().total().value();
            ok = true;
            return new SearchResult(total, hits, "layout-" + l.number());
        } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
            if (e.status() == 400) {
                throw new IllegalArgumentException("query refused: " + Elastic.reason(e));
            }
            throw new SearchUnavailableException("Elasticsearch failed the search: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SearchUnavailableException("Elasticsearch is unreachable: " + e.getMessage(), e);
        } finally {
            node.report(tenant, "search.query", ok, started, collection);
        }
    }

    @Override
    public QueryResult query(String collection, TenantId tenant, Map<String, Object> request) {
        long started = System.nanoTime();
        boolean ok = false;
        try {
            Snapshot s = node.snapshotWith(collection);
            int number = readLayoutNumber(s, collection, tenant);
            Layout l = s.layout(collection, number);
            Schema schema = node.schema(s, collection, number);
            if (schema == null) {
                throw new IllegalArgumentException("collection '" + collection + "' has no declared schema; migrate it to a layout that declares one");
            }
            QueryPlan plan = QueryPlan.compile(JSON.valueToTree(request == null ? Map.of() : request), schema, tenant, Elastic.TENANT, Elastic.ID,
                    embeddings == null ? null : (route, text) -> embed(tenant, route, List.of(text)).get(0));
            QueryResult result = QueryRunner.run(node.es(), l.indexFor(tenant), tenant, plan, "layout-" + number);
            ok = true;
            return result;
        } catch (IOException e) {
            throw new SearchUnavailableException("Elasticsearch is unreachable: " + e.getMessage(), e);
        } finally {
            node.report(tenant, "search.query", ok, started, collection);
        }
    }

    /** The layout a tenant's reads go to now: the target once the tenant is validated and its flag is on. */
    Layout readLayout(String collection, TenantId tenant) {
        Snapshot s = node.snapshotWith(collection);
        return s.layout(collection, readLayoutNumber(s, collection, tenant));
    }

    int readLayoutNumber(Snapshot s, String collection, TenantId tenant) {
        MigrationRow m = s.open().get(collection);
        if (m != null && m.state().readsOnTarget(s.validated().getOrDefault(m.id(), Set.of()).contains(tenant),
                node.flags().isEnabled(m.readFlag(), tenant))) {
            return m.target();
        }
        return s.current().get(collection);
    }
}
