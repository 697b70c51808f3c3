package io.headroom.search.internal;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRunner;
import io.headroom.core.api.fleet.LeasedWork;
import io.headroom.core.api.fleet.Leases;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.MigrationState;
import io.headroom.search.internal.core.Throttle;
import io.headroom.search.internal.engine.TenantCopy;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backfill on this node: every 500 ms (or at once when an operator asks), for each migration that is backfilling,
 * take its lease ({@code search.backfill.<id>}, through the core's {@link LeasedWork}) and copy the tenants not copied
 * yet, several at once, each from its saved cursor. A node that dies mid-copy stops renewing; another takes the lease and
 * resumes.
 */
@Component(service = SearchBackfill.class, immediate = true)
public final class SearchBackfill {
    private static final Logger LOG = LoggerFactory.getLogger(SearchBackfill.class);

    private final SearchNode node;
    private final ExecutorService copiers;
    private final ExecutorService readers;
    private final TenantCopy copy;
    private final LeasedWork<Long> work;

    @Activate
    public SearchBackfill(@Reference SearchNode node, @Reference Leases leases) {
        this.node = node;
        SearchConfig config = node.config();
        int threads = Math.max(1, config.backfillThreads());
        this.copiers = Executors.newFixedThreadPool(threads, daemon("search-backfill-copier"));
        // each copier has a page read and a cursor save under way beside its bulk request
        this.readers = Executors.newFixedThreadPool(2 * threads, daemon("search-backfill-reader"));
        this.copy = new TenantCopy(node.store(), node.background(), new Throttle(config.backfillDocsPerSecond(), System::nanoTime), readers,
                config.backfillBatch());
        this.work = new LeasedWork<>("search.backfill", leases, LeasedWork.LEASE_TTL, Duration.ofMillis(500), this::open,
                (id, lease) -> new Runner(id, lease));
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Deactivate
    public void deactivate() {
        work.close();
        copiers.shutdownNow();
        readers.shutdownNow();
    }

    /** Looks for backfill work now rather than at the next tick. */
    public void kick() {
        work.wake();
    }

    /** The migrations to copy: backfilling (or backfilled, for tenants that appeared since) and past the start grace. */
    private List<Long> open() {
        List<Long> out = new ArrayList<>();
        for (MigrationRow m : node.snapshot().open().values()) {
            boolean copying = m.state() == MigrationState.BACKFILLING || m.state() == MigrationState.BACKFILLED;
            if (copying && (m.dualWriteSince() == null
                    || !m.dualWriteSince().plusMillis(node.config().startGraceMillis()).isAfter(Instant.now()))) {
                out.add(m.id());
            }
        }
        return out;
    }

    /** One pass over one migration while holding its lease: the tenants not copied yet, then BACKFILLED once all are. */
    private final class Runner extends LeasedRunner {
        private final long id;

        Runner(long id, Lease lease) {
            super(lease, "search-backfill-" + id);
            this.id = id;
        }

        @Override
        protected void work() {
            MigrationRow m = node.snapshot().open().values().stream().filter(r -> r.id() == id).findFirst().orElse(null);
            if (m == null) {
                return; // finished or rolled back meanwhile
            }
            SearchStore store = node.store();
            try {
                store.syncTenants(m.id(), m.collection());
                List<TenantRow> todo = store.tenants(m.id()).stream().filter(t -> !"COPIED".equals(t.backfill())).toList();
                if (!todo.isEmpty() && !copyAll(m, todo)) {
                    return;
                }
                if (m.state() == MigrationState.BACKFILLING && !halted()) {
                    node.bulkLoading(m, false);
                    store.transition(m.id(), MigrationState.BACKFILLING, MigrationState.BACKFILLED);
                    node.refresh();
                }
            } catch (SQLException e) {
                LOG.warn("search: backfill of migration {} paused, control schema unreachable: {}", m.id(), e.toString());
            }
        }

        /** Copies the tenants, several at once (they are independent); whether every one is copied. */
        private boolean copyAll(MigrationRow m, List<TenantRow> todo) {
            SearchNode.Snapshot s = node.snapshot();
            Layout source = s.layout(m.collection(), m.source());
            Layout target = s.layout(m.collection(), m.target());
            // a point in time sees refreshed documents only: one written before dual-write began and not yet
            // refreshed (the index's refresh interval may outlast the start grace) would never be copied
            try {
                node.background().refresh(source.indexes());
            } catch (IOException | RuntimeException e) {
                LOG.info("search: backfill of migration {} waits, the source could not be refreshed: {}", m.id(), e.toString());
                return false;
            }
            List<Future<Boolean>> results = new ArrayList<>();
            for (TenantRow t : todo) {
                results.add(copiers.submit(() -> !halted() && copy.copy(m, t, source, target, this::halted)));
            }
            boolean all = true;
            for (var f : results) {
                try {
                    all &= f.get();
                } catch (ExecutionException e) {
                    all = false;
                    LOG.warn("search: backfill of migration {}: {}", m.id(), e.getCause().toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return all;
        }
    }
}
