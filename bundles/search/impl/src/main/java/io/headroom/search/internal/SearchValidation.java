package io.headroom.search.internal;

import io.headroom.core.api.TenantId;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.Schema;
import io.headroom.search.internal.engine.TenantValidation;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import io.headroom.search.internal.store.SearchStore.Verdict;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Validation on this node: several tenants compared at once, the verdicts recorded in the control schema. */
@Component(service = SearchValidation.class)
public final class SearchValidation {
    private static final Logger LOG = LoggerFactory.getLogger(SearchValidation.class);
    private final SearchNode node;
    private final ExecutorService workers;
    private final ExecutorService scanners;
    private final TenantValidation validation;

    @Activate
    public SearchValidation(@Reference SearchNode node) {
        this.node = node;
        int threads = Math.max(1, node.config().backfillThreads());
        this.workers = Executors.newFixedThreadPool(threads, SearchBackfill.daemon("search-validation"));
        this.scanners = Executors.newFixedThreadPool(threads, SearchBackfill.daemon("search-validation-scanner"));
        this.validation = new TenantValidation(node.background(), scanners, node.config().validationSamples());
    }

    @Deactivate
    public void deactivate() {
        workers.shutdownNow();
        scanners.shutdownNow();
    }

    /** Validates the tenants (all have rows) and returns when every verdict is recorded. */
    void validate(MigrationRow m, Map<TenantId, TenantRow> rows, Set<TenantId> which) throws SQLException {
        SearchNode.Snapshot s = node.snapshot();
        Layout source = s.layout(m.collection(), m.source());
        Layout target = s.layout(m.collection(), m.target());
        Schema sourceSchema = node.schema(s, m.collection(), m.source());
        Schema targetSchema = node.schema(s, m.collection(), m.target());
        // one refresh of both layouts for every tenant's first round, instead of one per tenant
        boolean refreshed;
        try {
            List<String> all = new ArrayList<>(source.indexes());
            all.addAll(target.indexes());
            node.background().refresh(all);
            refreshed = true;
        } catch (IOException | RuntimeException e) {
            LOG.debug("search: refresh before validating migration {} failed, each tenant refreshes: {}", m.id(), e.toString());
            refreshed = false;
        }
        boolean first = refreshed;
        // counted once for every tenant before any is scanned; verdicts recorded in one batch at the end
        Map<TenantId, Long> pending = node.store().outboxPendingByTenant(m.collection());
        List<Future<Verdict>> results = new ArrayList<>();
        for (TenantId t : which) {
            results.add(workers.submit(() -> validation.validate(rows.get(t), source, target, sourceSchema, targetSchema,
                    pending.getOrDefault(t, 0L), first)));
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (var f : results) {
            try {
                verdicts.add(f.get());
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.headroom.search.api.SearchUnavailableException("interrupted", e);
            }
        }
        node.store().validations(m.id(), verdicts);
    }
}
