package io.headroom.search.internal;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.MigrationState;
import io.headroom.search.internal.core.Throttle;
import io.headroom.search.internal.engine.Loop;
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
import java.util.Optional;
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
 * take its lease ({@code search.backfill.<id>}, the core's) and copy the tenants not copied yet, several at once, each
 * from its saved cursor. A node that dies mid-copy stops renewing; another takes the lease and resumes.
 */
@Component(service = SearchBackfill.class, immediate = true)
public final class SearchBackfill {
    private static final Logger LOG = LoggerFactory.getLogger(SearchBackfill.class);
    /** How long a backfill lease outlives its holder's last renewal. */
    static final Duration LEASE_TTL = Duration.ofSeconds(10);

    private final SearchNode node;
    private final Leases leases;
    private final ExecutorService copiers;
    private final ExecutorService readers;
    private final TenantCopy copy;
    private final Loop loop;

    @Activate
    public SearchBackfill(@Reference SearchNode node, @Reference Leases leases) {
        this.node = node;
        this.leases = leases;
        SearchConfig config = node.config();
        int threads = Math.max(1, config.backfillThreads());
        this.copiers = Executors.newFixedThreadPool(threads, daemon("search-backfill-copier"));
        // each copier has a page read and a cursor save under way beside its bulk request
        this.readers = Executors.newFixedThreadPool(2 * threads, daemon("search-backfill-reader"));
        this.copy = new TenantCopy(node.store(), node.es(), new Throttle(config.backfillDocsPerSecond(), System::nanoTime), readers,
                config.backfillBatch());
        this.loop = new Loop("search-backfill", 500, this::pass);
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
        loop.close();
        copiers.shutdownNow();
        readers.shutdownNow();
    }

    /** Looks for backfill work now rather than at the next tick. */
    public void kick() {
        loop.wake();
    }

    static String leaseName(long migration) {
        return "search.backfill." + migration;
    }

    private void pass() {
        SearchStore store = node.store();
        for (MigrationRow m : node.snapshot().open().values()) {
            if (m.state() != MigrationState.BACKFILLING && m.state() != MigrationState.BACKFILLED) {
                continue;
            }
            if (m.dualWriteSince() != null && m.dualWriteSince().plusMillis(node.config().startGraceMillis()).isAfter(Instant.now())) {
                continue;
            }
            Optional<Lease> held = leases.tryAcquire(leaseName(m.id()), LEASE_TTL);
            if (held.isEmpty()) {
                continue; // another node copies it, or the control schema is unreachable
            }
            try (Lease lease = held.get()) {
                store.syncTenants(m.id(), m.collection());
                List<TenantRow> todo = store.tenants(m.id()).stream().filter(t -> !"COPIED".equals(t.backfill())).toList();
                boolean all = true;
                if (!todo.isEmpty()) {
                    SearchNode.Snapshot s = node.snapshot();
                    Layout source = s.layout(m.collection(), m.source());
                    Layout target = s.layout(m.collection(), m.target());
                    // a point in time sees refreshed documents only: one written before dual-write began and not yet
                    // refreshed (the index's refresh interval may outlast the start grace) would never be copied
                    try {
                        node.es().refresh(source.indexes());
                    } catch (IOException | RuntimeException e) {
                        LOG.info("search: backfill of migration {} waits, the source could not be refreshed: {}", m.id(), e.toString());
                        continue;
                    }
                    // tenants are independent: copy several at once
                    List<Future<Boolean>> results = new ArrayList<>();
                    for (TenantRow t : todo) {
                        results.add(copiers.submit(() -> loop.running() && lease.held()
                                && copy.copy(m, t, source, target, () -> !loop.running() || !lease.held())));
                    }
                    for (var f : results) {
                        try {
                            all &= f.get();
                        } catch (ExecutionException e) {
                            all = false;
                            LOG.warn("search: backfill of migration {}: {}", m.id(), e.getCause().toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
                if (all && m.state() == MigrationState.BACKFILLING && lease.held()) {
                    node.bulkLoading(m, false);
                    store.transition(m.id(), MigrationState.BACKFILLING, MigrationState.BACKFILLED);
                    node.refresh();
                }
            } catch (SQLException e) {
                LOG.warn("search: backfill of migration {} paused, control schema unreachable: {}", m.id(), e.toString());
            }
        }
    }
}
