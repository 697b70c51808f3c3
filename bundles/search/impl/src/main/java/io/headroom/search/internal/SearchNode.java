package io.headroom.search.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.search.api.SearchConflictException;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.Schema;
import io.headroom.search.internal.engine.Elastic;
import io.headroom.search.internal.engine.Loop;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.LayoutRow;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every search component of this node shares: the configuration, the control-schema store, the Elasticsearch
 * client, and the snapshot of collections, layouts and open migrations (reloaded every {@code refreshMillis}; all
 * state is in the control schema, the snapshot is a cache). Also forgets old tombstones every ten minutes.
 */
@Component(service = SearchNode.class, configurationPid = SearchNode.PID)
@Designate(ocd = SearchConfig.class)
public final class SearchNode {
    public static final String PID = "io.headroom.search";
    private static final Logger LOG = LoggerFactory.getLogger(SearchNode.class);
    /** Elasticsearch's own index.gc_deletes, put back on a layout once its migration is finished. */
    static final String GC_DELETES_DEFAULT = "60s";

    /** What this node knows of the control schema, replaced whole on each refresh. */
    public record Snapshot(Map<String, Integer> current, Map<String, Map<Integer, LayoutRow>> layouts, Map<String, MigrationRow> open,
            Map<Long, Set<TenantId>> validated) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), Map.of());

        /** A layout of a collection; an IllegalStateException if the control schema lacks it. */
        public Layout layout(String collection, int number) {
            LayoutRow row = layouts.getOrDefault(collection, Map.of()).get(number);
            if (row == null) {
                throw new IllegalStateException("layout " + number + " of " + collection + " is missing from the control schema");
            }
            return row.layout();
        }
    }

    private final SearchStore store;
    private final FeatureFlags flags;
    private final Signals signals;
    private final SearchConfig config;
    private final Elastic es;
    private final Elastic background;
    private final Set<String> knownTenants = ConcurrentHashMap.newKeySet();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final Loop refresher;
    private final Loop purger;

    @Activate
    public SearchNode(@Reference ControlStore controlStore, @Reference FeatureFlags flags, @Reference Signals signals, SearchConfig config) {
        controlStore.migrate("search", SearchStore.MIGRATIONS);
        this.store = new SearchStore(controlStore.dataSource());
        this.flags = flags;
        this.signals = signals;
        this.config = config;
        List<String> endpoints = Arrays.stream(config.endpoints().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        this.es = new Elastic(endpoints, config.timeoutMillis());
        // the backfill and the validation scan and copy whole tenants while tenants' requests keep the node busy: a slow
        // answer is worth waiting for there, where a tenant's request should rather fail fast
        this.background = new Elastic(endpoints, config.backgroundTimeoutMillis());
        refreshQuietly();
        this.refresher = new Loop("search-refresh", config.refreshMillis(), this::refreshQuietly);
        this.purger = new Loop("search-tombstones", 600_000, this::purgeTombstones);
    }

    @Deactivate
    public void deactivate() {
        refresher.close();
        purger.close();
        es.close();
        background.close();
    }

    public SearchStore store() {
        return store;
    }

    public Elastic es() {
        return es;
    }

    /** The client of the backfill and the validation: the same nodes, with {@code backgroundTimeoutMillis}. */
    public Elastic background() {
        return background;
    }

    public FeatureFlags flags() {
        return flags;
    }

    public SearchConfig config() {
        return config;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    void refreshQuietly() {
        try {
            refresh();
        } catch (SQLException e) {
            LOG.warn("search: control schema unreachable, keeping the last snapshot: {}", e.toString());
        }
    }

    private static final long MISS_RELOAD_SPACING_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** Held by the one request that reloads the snapshot for a miss; the others wait for it. */
    private final Object missReload = new Object();
    /** When the last reload for a miss started (System.nanoTime), under missReload. */
    private long missReloadStarted = System.nanoTime() - 2 * MISS_RELOAD_SPACING_NANOS;
    /** Requests that named a collection the snapshot did not know, and the reloads they caused. */
    private final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder missReloads = new java.util.concurrent.atomic.LongAdder();

    /** Reloads the snapshot now (after this node changed the control schema, so it sees its own change at once). */
    public synchronized void refresh() throws SQLException {
        Map<String, Integer> current = store.collections();
        Map<String, Map<Integer, LayoutRow>> layouts = new HashMap<>();
        for (LayoutRow l : store.layouts()) {
            layouts.computeIfAbsent(l.layout().collection(), k -> new HashMap<>()).put(l.layout().number(), l);
        }
        Map<String, MigrationRow> open = new HashMap<>();
        Map<Long, Set<TenantId>> validated = new HashMap<>();
        for (MigrationRow m : store.openMigrations()) {
            open.put(m.collection(), m);
            Set<TenantId> ok = new HashSet<>();
            for (TenantRow t : store.tenants(m.id())) {
                if ("PASSED".equals(t.validation())) {
                    ok.add(t.tenant());
                }
            }
            validated.put(m.id(), Set.copyOf(ok));
        }
        snapshot = new Snapshot(Map.copyOf(current), layouts, Map.copyOf(open), Map.copyOf(validated));
    }

    /**
     * The snapshot, reloaded if it does not know the collection (one made on another node a moment ago);
     * UnknownCollectionException if it still does not. A miss waits for a reload that started after it arrived, so a
     * collection created anywhere before the request is always found. Reloads for misses run one at a time and at least
     * 250 ms apart: misses arriving together share one, and requests for names that do not exist cost no control-schema
     * queries each (they wait instead, up to 250 ms).
     */
    public Snapshot snapshotWith(String collection) {
        Snapshot s = snapshot;
        if (!s.current().containsKey(collection)) {
            misses.increment();
            long arrived = System.nanoTime();
            synchronized (missReload) {
                if (missReloadStarted - arrived < 0) { // no reload started since this request arrived
                    long wait = missReloadStarted + MISS_RELOAD_SPACING_NANOS - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new UnknownCollectionException("no collection '" + collection + "'");
                        }
                    }
                    missReloadStarted = System.nanoTime();
                    missReloads.increment();
                    refreshQuietly();
                }
            }
            s = snapshot;
            if (!s.current().containsKey(collection)) {
                throw new UnknownCollectionException("no collection '" + collection + "'");
            }
        }
        return s;
    }

    /** Requests so far that named a collection this node's snapshot did not know. */
    public long misses() {
        return misses.sum();
    }

    /** Reloads of the snapshot those requests caused (at most one per 250 ms). */
    public long missReloads() {
        return missReloads.sum();
    }

    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /**
     * The declared schema of one of a collection's layouts (parsed once per distinct mappings); null for a layout created
     * before schemas were declared whose mappings are not a schema (its writes go unchecked; queries need a schema).
     */
    public Schema schema(Snapshot s, String collection, int number) {
        LayoutRow row = s.layouts().getOrDefault(collection, Map.of()).get(number);
        if (row == null) {
            throw new IllegalStateException("layout " + number + " of " + collection + " is missing from the control schema");
        }
        String mappings = row.spec().mappings();
        Schema schema = schemas.get(mappings);
        if (schema == null) {
            if (schemas.size() > 256) {
                schemas.clear();
            }
            try {
                schema = Schema.parse(mappings);
            } catch (IllegalArgumentException e) {
                return null;
            }
            schemas.put(mappings, schema);
        }
        return schema;
    }

    /** The index names of one of a collection's layouts (benchmarks and diagnostics). */
    public List<String> layoutIndexes(String collection, int number) {
        return snapshotWith(collection).layout(collection, number).indexes();
    }

    /** Records that the tenant has documents in the collection (once per node and tenant). */
    void registerTenant(String collection, TenantId tenant) throws SQLException {
        String key = collection + "/" + tenant.value();
        if (!knownTenants.contains(key)) {
            store.registerTenant(collection, tenant);
            knownTenants.add(key);
        }
    }

    /** The outcome and load signals of one tenant call (load: a query, or indexing for a write of documents). */
    void report(TenantId tenant, String job, boolean ok, long startedNanos, String collection) {
        Instant now = Instant.now();
        signals.outcome(new OutcomeEvent(tenant, job, ok, (System.nanoTime() - startedNanos) / 1_000_000, now));
        signals.load(new LoadSample(tenant, "search", collection, "search.query".equals(job) ? "queries" : "indexing", 1, now));
    }

    /**
     * A target layout being backfilled is not read by anyone (reads move only after validation, which refreshes
     * explicitly), so its periodic refresh is switched off for the copy, as Elasticsearch advises for bulk loads (the
     * copy took 5.7 s instead of 7.9 s in bench/search.sh), and put back when the copy is done or validation starts:
     * to an explicit 1 s, not to "unset", because an unset interval lets a shard that saw no search for 30 s go
     * search-idle, and the itest then read the new layout a refresh behind (one document off, twice in a row).
     * Layouts whose settings choose their own refresh_interval are left alone.
     */
    public void bulkLoading(MigrationRow m, boolean on) {
        LayoutRow row = snapshot.layouts().getOrDefault(m.collection(), Map.of()).get(m.target());
        if (row == null || (row.spec().settings() != null && row.spec().settings().contains("refresh_interval"))) {
            return;
        }
        try {
            es.putSetting(row.layout().indexes(), "refresh_interval", on ? "-1" : "1s");
        } catch (IOException | RuntimeException e) {
            LOG.warn("search: could not {} the periodic refresh of {}'s target layout: {}", on ? "pause" : "restore", m.collection(), e.toString());
        }
    }

    /**
     * Puts the target's periodic refresh back unless it already is (the backfill does so when it is done; a settings
     * update is a cluster-state change, a look is a read).
     */
    public void bulkLoadingOff(MigrationRow m) {
        LayoutRow row = snapshot.layouts().getOrDefault(m.collection(), Map.of()).get(m.target());
        try {
            if (row != null && !es.anySetting(row.layout().indexes(), "refresh_interval", "-1")) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            // put it back anyway
        }
        bulkLoading(m, false);
    }

    private void purgeTombstones() {
        try {
            store.purgeTombstones(config.tombstoneRetentionHours());
        } catch (SQLException e) {
            // next time
        }
    }

    /** A control-schema call from an operator or tenant request: unreachable is a 503, a changed state a 409. */
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    static <T> T sql(SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new SearchConflictException(e.getMessage());
        }
    }
}
