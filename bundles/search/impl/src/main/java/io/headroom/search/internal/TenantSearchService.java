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

    private final SearchNode node;

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
        if (writes == null || writes.isEmpty() || writes.size() > MAX_BATCH) {
            throw new IllegalArgumentException("send 1 to " + MAX_BATCH + " writes, not " + (writes == null ? 0 : writes.size()));
        }
        for (DocumentWrite w : writes) {
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
        long started = System.nanoTime();
        Snapshot s = node.snapshotWith(collection);
        MigrationRow m = s.open().get(collection);
        List<Layout> targets = new ArrayList<>();
        for (int number : WritePlan.layouts(s.current().get(collection), m == null ? null : m.state(), m == null ? 0 : m.target())) {
            targets.add(s.layout(collection, number));
        }
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
            List<Elastic.Write> batch = new ArrayList<>(writes.size() * targets.size());
            for (Layout l : targets) {
                for (DocumentWrite w : writes) {
                    batch.add(new Elastic.Write(l.indexFor(tenant), tenant, w.id(), w.version(), w.document()));
                }
            }
            List<Elastic.WriteOutcome> outcomes;
            try {
                outcomes = es.bulk(batch, false);
            } catch (IOException | RuntimeException e) {
                outcomes = Collections.nCopies(batch.size(), new Elastic.WriteOutcome(Elastic.Outcome.RETRY, e.toString()));
            }
            int n = writes.size();
            if (WritePlan.refusedByCurrent(outcomes.subList(0, n).stream().map(o -> WritePlan.Answer.valueOf(o.outcome().name())).toList())) {
                // the layout clients read refused every document: a bad request; undo what another layout took
                for (int k = n; k < batch.size(); k++) {
                    if (outcomes.get(k).outcome() == Elastic.Outcome.APPLIED && batch.get(k).document() != null) {
                        try {
                            es.deleteAtOrAbove(batch.get(k).index(), tenant, batch.get(k).id(), batch.get(k).version());
                        } catch (IOException | RuntimeException e) {
                            // left for validation to report: the tenant's layouts differ in this id
                            LOG.warn("search: could not undo {}/{} v{} in {}: {}", tenant, batch.get(k).id(), batch.get(k).version(),
                                    batch.get(k).index(), e.toString());
                        }
                    }
                }
                List<String> refused = new ArrayList<>();
                for (int j = 0; j < Math.min(3, n); j++) {
                    refused.add(writes.get(j).id() + ": " + outcomes.get(j).error());
                }
                throw new IllegalArgumentException("refused: " + String.join("; ", refused));
            }
            int applied = 0;
            int queued = 0;
            for (int k = 0; k < batch.size(); k++) {
                Elastic.WriteOutcome o = outcomes.get(k);
                Elastic.Write w = batch.get(k);
                if (WritePlan.action(WritePlan.Answer.valueOf(o.outcome().name())) == WritePlan.Action.DONE) {
                    applied++;
                } else {
                    // kept in the control schema and retried until applied (a refusal is kept as dead, shown in status)
                    store.outbox(collection, targets.get(k / n).number(), tenant, w.id(), w.version(),
                            w.document() == null ? null : Elastic.toJson(w.document()), o.error());
                    queued++;
                }
            }
            ok = true;
            return new WriteResult(applied, queued);
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

    /** The layout a tenant's reads go to now: the target once the tenant is validated and its flag is on. */
    Layout readLayout(String collection, TenantId tenant) {
        Snapshot s = node.snapshotWith(collection);
        MigrationRow m = s.open().get(collection);
        if (m != null && m.state().readsOnTarget(s.validated().getOrDefault(m.id(), Set.of()).contains(tenant),
                node.flags().isEnabled(m.readFlag(), tenant))) {
            return s.layout(collection, m.target());
        }
        return s.layout(collection, s.current().get(collection));
    }
}
