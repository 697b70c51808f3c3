package io.headroom.search.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.OutboxEntry;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.SearchConflictException;
import io.headroom.search.api.SearchHit;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.SearchResult;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.TenantProgress;
import io.headroom.search.api.TenantSearch;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.api.WriteResult;
import io.headroom.search.internal.SearchStore.LayoutRow;
import io.headroom.search.internal.SearchStore.MigrationRow;
import io.headroom.search.internal.SearchStore.OutboxRow;
import io.headroom.search.internal.SearchStore.TenantRow;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.MigrationState;
import io.headroom.search.internal.core.MigrationState.Step;
import io.headroom.search.internal.core.Names;
import io.headroom.search.internal.core.Throttle;
import io.headroom.search.internal.core.VersionDiff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The search capability on one node: tenant-scoped writes and reads routed by the collection's layouts and its open
 * migration, and the migration workflow. All state is in the control schema; this node keeps a snapshot refreshed
 * every {@code refreshMillis} and three background loops (snapshot refresh, outbox retries, backfill under a lease).
 */
@Component(service = {TenantSearch.class, SearchAdmin.class}, configurationPid = SearchService.PID)
@Designate(ocd = SearchService.Config.class)
public final class SearchService implements TenantSearch, SearchAdmin {
    public static final String PID = "io.headroom.search";
    private static final Logger LOG = LoggerFactory.getLogger(SearchService.class);
    static final String GC_DELETES_DEFAULT = "60s";

    @ObjectClassDefinition(name = "Headroom search migration")
    public @interface Config {
        @AttributeDefinition(description = "Elasticsearch HTTP endpoints, comma-separated")
        String endpoints() default "http://127.0.0.1:9200";

        @AttributeDefinition(description = "How often this node reloads collections, layouts and migrations from the control schema, ms")
        long refreshMillis() default 500;

        @AttributeDefinition(description = "Elasticsearch request timeout, ms")
        int timeoutMillis() default 10_000;

        @AttributeDefinition(description = "Documents per backfill batch (one PIT page, one bulk)")
        int backfillBatch() default 1000;

        @AttributeDefinition(description = "Tenants copied at once by this node's backfill")
        int backfillThreads() default 2;

        @AttributeDefinition(description = "Backfill pace, documents per second per node, all copiers together (0: unpaced)")
        double backfillDocsPerSecond() default 20_000;

        @AttributeDefinition(description = "Documents compared in full per tenant at validation")
        int validationSamples() default 20;

        @AttributeDefinition(description = "index.gc_deletes on target indexes while a migration runs (delete tombstones kept that long)")
        String migrationGcDeletes() default "12h";

        @AttributeDefinition(description = "Wait after dual-write starts before the backfill scans, ms (every node must see dual-write first)")
        long startGraceMillis() default 2000;

        @AttributeDefinition(description = "Deletes are remembered in the control schema this long (and while a migration is open), hours")
        long tombstoneRetentionHours() default 24;

        @AttributeDefinition(description = "This node's name for backfill leases (empty: a random one)")
        String nodeId() default "";
    }

    /** What this node knows of the control schema, replaced whole on each refresh. */
    record Snapshot(Map<String, Integer> current, Map<String, Map<Integer, LayoutRow>> layouts, Map<String, MigrationRow> open,
            Map<Long, Set<TenantId>> validated) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), Map.of());
    }

    private final SearchStore store;
    private final FeatureFlags flags;
    private final Signals signals;
    private final Config config;
    private final Elastic es;
    private final String nodeId;
    private final Set<String> knownTenants = ConcurrentHashMap.newKeySet();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile boolean running = true;
    private final List<Thread> loops = new ArrayList<>();
    private final ExecutorService copiers;
    private final ExecutorService scanners;
    private final Throttle throttle;
    private Thread backfillLoop;

    @Activate
    public SearchService(@Reference ControlStore controlStore, @Reference FeatureFlags flags, @Reference Signals signals, Config config) {
        controlStore.migrate("search", SearchStore.MIGRATIONS);
        this.store = new SearchStore(controlStore.dataSource());
        this.flags = flags;
        this.signals = signals;
        this.config = config;
        this.nodeId = config.nodeId().isBlank() ? "node-" + UUID.randomUUID().toString().substring(0, 8) : config.nodeId();
        this.es = new Elastic(Arrays.stream(config.endpoints().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                config.timeoutMillis());
        this.throttle = new Throttle(config.backfillDocsPerSecond(), System::nanoTime);
        this.copiers = Executors.newFixedThreadPool(Math.max(1, config.backfillThreads()), daemon("search-backfill-copier"));
        this.scanners = Executors.newFixedThreadPool(Math.max(1, config.backfillThreads()), daemon("search-validation-scanner"));
        refreshQuietly();
        loop("search-refresh", config.refreshMillis(), this::refreshQuietly);
        loop("search-outbox", 500, this::drainOutbox);
        loop("search-tombstones", 600_000, this::purgeTombstones);
        backfillLoop = loop("search-backfill", 500, this::backfillPass);
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        for (Thread t : loops) {
            t.interrupt();
        }
        copiers.shutdownNow();
        scanners.shutdownNow();
        for (Thread t : loops) {
            t.join(5000);
        }
        es.close();
    }

    private Thread loop(String name, long periodMillis, Runnable body) {
        Thread t = new Thread(() -> {
            while (running) {
                try {
                    body.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: {}", name, e.toString());
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    if (!running) {
                        return;
                    }
                    // woken early: run the body now
                }
            }
        }, name);
        t.setDaemon(true);
        loops.add(t);
        t.start();
        return t;
    }

    // ------------------------------------------------------------------ snapshot

    private void refreshQuietly() {
        try {
            refresh();
        } catch (SQLException e) {
            LOG.warn("search: control schema unreachable, keeping the last snapshot: {}", e.toString());
        }
    }

    synchronized void refresh() throws SQLException {
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

    private Snapshot snapshotWith(String collection) {
        Snapshot s = snapshot;
        if (!s.current().containsKey(collection)) {
            refreshQuietly();
            s = snapshot;
            if (!s.current().containsKey(collection)) {
                throw new UnknownCollectionException("no collection '" + collection + "'");
            }
        }
        return s;
    }

    /**
     * A target layout being backfilled is not read by anyone (reads move only after validation, which refreshes
     * explicitly), so its periodic refresh is switched off for the copy, as Elasticsearch advises for bulk loads (the
     * copy took 5.7 s instead of 7.9 s in bench/search.sh), and put back when the copy is done or validation starts:
     * to an explicit 1 s, not to "unset", because an unset interval lets a shard that saw no search for 30 s go
     * search-idle, and the itest then read the new layout a refresh behind (one document off, twice in a row).
     * Layouts whose settings choose their own refresh_interval are left alone.
     */
    private void bulkLoading(Snapshot s, MigrationRow m, boolean on) {
        LayoutRow row = s.layouts().getOrDefault(m.collection(), Map.of()).get(m.target());
        if (row == null || (row.spec().settings() != null && row.spec().settings().contains("refresh_interval"))) {
            return;
        }
        try {
            es.putSetting(row.layout().indexes(), "refresh_interval", on ? "-1" : "1s");
        } catch (IOException | RuntimeException e) {
            LOG.warn("search: could not {} the periodic refresh of {}'s target layout: {}", on ? "pause" : "restore", m.collection(), e.toString());
        }
    }

    private static Layout layout(Snapshot s, String collection, int number) {
        LayoutRow row = s.layouts().getOrDefault(collection, Map.of()).get(number);
        if (row == null) {
            throw new IllegalStateException("layout " + number + " of " + collection + " is missing from the control schema");
        }
        return row.layout();
    }

    // ------------------------------------------------------------------ tenant writes and reads

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

    static final int MAX_BATCH = 1000;

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
        Snapshot s = snapshotWith(collection);
        MigrationRow m = s.open().get(collection);
        List<Layout> targets = new ArrayList<>();
        targets.add(layout(s, collection, s.current().get(collection)));
        if (m != null && m.state().dualWrite()) {
            targets.add(layout(s, collection, m.target()));
        }
        boolean ok = false;
        String job = writes.size() == 1 && writes.get(0).document() == null ? "search.delete" : "search.index";
        try {
            registerTenant(collection, tenant);
            for (DocumentWrite w : writes) {
                if (w.document() == null) {
                    // recorded before Elasticsearch sees the delete: a copy (backfill, outbox retry) of an older version is
                    // never applied after it, whatever Elasticsearch has forgotten (index.gc_deletes)
                    store.tombstone(collection, tenant, w.id(), w.version());
                }
            }
            // one bulk request for every layout: dual-write costs one round trip, not two
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
            if (outcomes.subList(0, n).stream().allMatch(o -> o.outcome() == Elastic.Outcome.REJECTED)) {
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
                switch (o.outcome()) {
                    case APPLIED -> applied++;
                    case RETRY, REJECTED -> {
                        // kept in the control schema and retried until applied (a refusal is kept as dead, shown in status)
                        store.outbox(collection, targets.get(k / n).number(), tenant, w.id(), w.version(),
                                w.document() == null ? null : Elastic.toJson(w.document()), o.error());
                        queued++;
                    }
                    default -> throw new IllegalStateException();
                }
            }
            ok = true;
            return new WriteResult(applied, queued);
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } finally {
            report(tenant, job, ok, started, collection);
        }
    }

    /**
     * Copies documents into a layout without ever bringing back a deleted one: versions at or below a recorded delete
     * are skipped, and deletes recorded while the copy was in flight are applied again afterwards.
     */
    private List<Elastic.WriteOutcome> copyRespectingDeletes(String collection, TenantId tenant, List<Elastic.Write> writes)
            throws IOException, SQLException {
        List<String> ids = writes.stream().map(Elastic.Write::id).toList();
        Map<String, Long> before = store.tombstones(collection, tenant, ids);
        List<Elastic.Write> send = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        List<Elastic.WriteOutcome> out = new ArrayList<>(Collections.nCopies(writes.size(), new Elastic.WriteOutcome(Elastic.Outcome.APPLIED, null)));
        for (int i = 0; i < writes.size(); i++) {
            Elastic.Write w = writes.get(i);
            Long deleted = before.get(w.id());
            if (w.document() == null || deleted == null || deleted < w.version()) {
                send.add(w);
                at.add(i);
            }
        }
        if (send.isEmpty()) {
            return out;
        }
        List<Elastic.WriteOutcome> res = es.bulk(send, false);
        for (int i = 0; i < res.size(); i++) {
            out.set(at.get(i), res.get(i));
        }
        Map<String, Long> after = store.tombstones(collection, tenant, send.stream().filter(w -> w.document() != null).map(Elastic.Write::id).toList());
        List<Elastic.Write> redelete = new ArrayList<>();
        for (Elastic.Write w : send) {
            Long deleted = after.get(w.id());
            if (w.document() != null && deleted != null && deleted >= w.version()) {
                redelete.add(new Elastic.Write(w.index(), tenant, w.id(), deleted, null));
            }
        }
        if (!redelete.isEmpty()) {
            for (Elastic.WriteOutcome o : es.bulk(redelete, false)) {
                if (o.outcome() == Elastic.Outcome.RETRY) {
                    throw new IOException("re-applying a delete failed: " + o.error());
                }
            }
        }
        return out;
    }

    private void registerTenant(String collection, TenantId tenant) throws SQLException {
        String key = collection + "/" + tenant.value();
        if (!knownTenants.contains(key)) {
            store.registerTenant(collection, tenant);
            knownTenants.add(key);
        }
    }

    private void report(TenantId tenant, String job, boolean ok, long startedNanos, String collection) {
        Instant now = Instant.now();
        signals.outcome(new OutcomeEvent(tenant, job, ok, (System.nanoTime() - startedNanos) / 1_000_000, now));
        signals.load(new LoadSample(tenant, "search", collection, 1, now));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public SearchResult search(String collection, TenantId tenant, SearchQuery query) {
        long started = System.nanoTime();
        boolean ok = false;
        try {
            Layout l = readLayout(collection, tenant);
            var r = es.search(l.indexFor(tenant), tenant, query.text(), query.from(), query.size());
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
            report(tenant, "search.query", ok, started, collection);
        }
    }

    /** The layout a tenant's reads go to now: the target once the tenant is validated and its flag is on. */
    Layout readLayout(String collection, TenantId tenant) {
        Snapshot s = snapshotWith(collection);
        MigrationRow m = s.open().get(collection);
        if (m != null && m.state().readsOnTarget(s.validated().getOrDefault(m.id(), Set.of()).contains(tenant),
                flags.isEnabled(m.readFlag(), tenant))) {
            return layout(s, collection, m.target());
        }
        return layout(s, collection, s.current().get(collection));
    }

    // ------------------------------------------------------------------ collections

    private static void checkSpec(LayoutSpec spec) {
        Elastic.mappingsWithOwnFields(spec.mappings());
        Elastic.object(spec.settings(), "settings");
    }

    @Override
    public CollectionInfo createCollection(String name, LayoutSpec spec) {
        Names.collection(name);
        checkSpec(spec);
        try {
            if (!store.insertCollection(name, spec)) {
                throw new SearchConflictException("collection '" + name + "' exists");
            }
            Layout layout = new Layout(name, 1, spec.partitions(), spec.dedicated());
            try {
                createIndexes(layout, spec, Map.of());
            } catch (RuntimeException | IOException e) {
                store.deleteCollection(name);
                refresh(); // this node's snapshot may have picked the reserved name up meanwhile
                throw e;
            }
            refresh();
            return collection(name).orElseThrow();
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SearchUnavailableException("Elasticsearch is unreachable; nothing was created: " + e.getMessage(), e);
        }
    }

    /** Creates every index of the layout, or none: on a failure the ones already created are deleted. */
    private void createIndexes(Layout layout, LayoutSpec spec, Map<String, String> extra) throws IOException {
        List<String> created = new ArrayList<>();
        try {
            for (String index : layout.indexes()) {
                es.createIndex(index, spec.mappings(), spec.settings(), extra);
                created.add(index);
            }
        } catch (IOException | RuntimeException e) {
            try {
                es.deleteIndexes(created);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    @Override
    public List<CollectionInfo> collections() {
        refreshQuietly();
        return snapshot.current().keySet().stream().sorted().map(n -> collection(n).orElseThrow()).toList();
    }

    @Override
    public Optional<CollectionInfo> collection(String name) {
        Snapshot s = snapshot;
        Integer current = s.current().get(name);
        if (current == null) {
            return Optional.empty();
        }
        LayoutRow row = s.layouts().get(name).get(current);
        try {
            return Optional.of(new CollectionInfo(name, current, row.spec(), row.layout().indexes(), store.tenantCount(name)));
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ migrations

    private static final String FLAG_PREFIX = "search.";

    @Override
    public MigrationStatus createMigration(String collection, LayoutSpec target) {
        Names.collection(collection);
        checkSpec(target);
        Snapshot s = snapshotWith(collection);
        int source = s.current().get(collection);
        try {
            MigrationRow m = store.insertMigration(collection, source, target, FLAG_PREFIX + collection + ".m")
                    .orElseThrow(() -> new SearchConflictException("collection '" + collection + "' already has an open migration"));
            try {
                createIndexes(new Layout(collection, m.target(), target.partitions(), target.dedicated()), target,
                        Map.of("index.gc_deletes", config.migrationGcDeletes()));
            } catch (RuntimeException | IOException e) {
                store.dropMigration(m.id());
                refresh();
                throw e;
            }
            refresh();
            return status(m.id());
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SearchUnavailableException("Elasticsearch is unreachable; nothing was created: " + e.getMessage(), e);
        }
    }

    private MigrationRow migration(long id) throws SQLException {
        return store.migration(id).orElseThrow(() -> new UnknownCollectionException("no migration " + id));
    }

    private MigrationRow step(long id, Step step) throws SQLException {
        MigrationRow m = migration(id);
        MigrationState next;
        try {
            next = m.state().next(step);
        } catch (IllegalStateException e) {
            throw new SearchConflictException("migration " + id + ": " + e.getMessage());
        }
        if (next != m.state() && !store.transition(id, m.state(), next)) {
            throw new SearchConflictException("migration " + id + " changed meanwhile; look at its status and try again");
        }
        return m;
    }

    @Override
    public MigrationStatus start(long id) {
        return sql(() -> {
            MigrationRow m = migration(id);
            m.state().next(Step.START);
            flags.apply(m.readFlag(), new FlagChange("reads of " + m.collection() + " from layout " + m.target()
                    + " (search migration " + id + ")", 0.0, null, null, null));
            step(id, Step.START);
            refresh();
            return status(id);
        });
    }

    @Override
    public MigrationStatus backfill(long id) {
        return sql(() -> {
            MigrationRow m = step(id, Step.BACKFILL);
            store.syncTenants(id, m.collection());
            refresh();
            if (m.state() != MigrationState.BACKFILLED) {
                bulkLoading(snapshot, m, true);
            }
            backfillLoop.interrupt(); // start now rather than at the next tick
            return status(id);
        });
    }

    @Override
    public MigrationStatus validate(long id, Set<TenantId> tenants) {
        return sql(() -> {
            MigrationRow m = step(id, Step.VALIDATE);
            bulkLoading(snapshot, m, false);
            store.syncTenants(id, m.collection());
            Map<TenantId, TenantRow> rows = store.tenants(id).stream().collect(Collectors.toMap(TenantRow::tenant, t -> t));
            checkTenants(m, rows, tenants);
            Set<TenantId> which = tenants == null || tenants.isEmpty() ? rows.keySet() : tenants;
            Snapshot s = snapshot;
            Layout source = layout(s, m.collection(), m.source());
            Layout target = layout(s, m.collection(), m.target());
            // tenants are independent: compare several at once
            List<Future<?>> results = new ArrayList<>();
            for (TenantId t : which) {
                results.add(copiers.submit(() -> {
                    validateTenant(m, rows.get(t), source, target);
                    return null;
                }));
            }
            for (var f : results) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SQLException sql) {
                        throw sql;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SearchUnavailableException("interrupted", e);
                }
            }
            refresh();
            return status(id);
        });
    }

    private static void checkTenants(MigrationRow m, Map<TenantId, TenantRow> rows, Set<TenantId> tenants) {
        if (tenants == null) {
            return;
        }
        List<String> unknown = tenants.stream().filter(t -> !rows.containsKey(t)).map(TenantId::value).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new UnknownCollectionException("collection '" + m.collection() + "' has no tenant " + String.join(", ", unknown));
        }
    }

    /** Both sides' (id, version) at once: the target is scanned on a pool thread while this one scans the source. */
    private void scanBoth(String src, String dst, TenantId t, Map<String, Long> a, Map<String, Long> b) throws IOException {
        CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
            try {
                es.scanVersions(dst, t, d -> b.put(d.id(), d.version()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, scanners);
        es.scanVersions(src, t, d -> a.put(d.id(), d.version()));
        try {
            target.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
    }

    private void validateTenant(MigrationRow m, TenantRow row, Layout source, Layout target) throws SQLException {
        TenantId t = row.tenant();
        if (!"COPIED".equals(row.backfill())) {
            store.validation(m.id(), t, "FAILED", 0, 0, null, null, "backfill not finished (" + row.backfill() + ")");
            return;
        }
        try {
            long pending = store.outboxPending(m.collection(), t);
            if (pending > 0) {
                store.validation(m.id(), t, "FAILED", 0, 0, null, null, pending + " writes still in the outbox; validate again when they are applied");
                return;
            }
            String src = source.indexFor(t);
            String dst = target.indexFor(t);
            Map<String, Long> a = new TreeMap<>();
            Map<String, Long> b = new TreeMap<>();
            List<String> differing = List.of();
            // writes keep arriving on both sides: a difference must persist across rounds to count
            for (int round = 0; round < 5; round++) {
                es.refresh(List.of(src, dst));
                a.clear();
                b.clear();
                scanBoth(src, dst, t, a, b);
                differing = VersionDiff.differing(a, b);
                if (differing.isEmpty()) {
                    break;
                }
                Thread.sleep(200L * (round + 1));
            }
            String ha = VersionDiff.hash(a);
            String hb = VersionDiff.hash(b);
            if (!differing.isEmpty()) {
                store.validation(m.id(), t, "FAILED", a.size(), b.size(), ha, hb, differing.size() + " ids differ in (id, version), e.g. "
                        + differing.subList(0, Math.min(5, differing.size())));
                return;
            }
            List<String> ids = new ArrayList<>(a.keySet());
            Collections.shuffle(ids, ThreadLocalRandom.current());
            List<String> sample = ids.subList(0, Math.min(config.validationSamples(), ids.size()));
            Map<String, Elastic.Doc> sa = es.get(src, t, sample);
            Map<String, Elastic.Doc> sb = es.get(dst, t, sample);
            List<String> bad = new ArrayList<>();
            for (String id : sample) {
                Elastic.Doc x = sa.get(id);
                Elastic.Doc y = sb.get(id);
                // a document rewritten between the two gets shows as a version change, not a content mismatch
                if (x != null && y != null && x.version() == y.version() && !x.source().equals(y.source())) {
                    bad.add(id);
                }
            }
            if (!bad.isEmpty()) {
                store.validation(m.id(), t, "FAILED", a.size(), b.size(), ha, hb, "documents differ in content: " + bad);
                return;
            }
            store.validation(m.id(), t, "PASSED", a.size(), b.size(), ha, hb, sample.size() + " documents compared in full");
        } catch (IOException | RuntimeException e) {
            store.validation(m.id(), t, "FAILED", 0, 0, null, null, "could not compare: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public MigrationStatus advance(long id, Double percent, Set<TenantId> tenants) {
        if (percent == null && (tenants == null || tenants.isEmpty())) {
            throw new IllegalArgumentException("give a percentage and/or tenants");
        }
        if (percent != null && (percent.isNaN() || percent < 0 || percent > 100)) {
            throw new IllegalArgumentException("percent must be 0-100, not " + percent);
        }
        return sql(() -> {
            MigrationRow m = step(id, Step.ADVANCE);
            Map<TenantId, TenantRow> rows = store.tenants(id).stream().collect(Collectors.toMap(TenantRow::tenant, t -> t));
            checkTenants(m, rows, tenants);
            if (tenants != null) {
                List<String> notValidated = tenants.stream().filter(t -> !"PASSED".equals(rows.get(t).validation()))
                        .map(TenantId::value).sorted().toList();
                if (!notValidated.isEmpty()) {
                    throw new SearchConflictException("not validated (validate them first): " + String.join(", ", notValidated));
                }
            }
            flags.apply(m.readFlag(), new FlagChange(null, percent, tenants, null, null));
            refresh();
            return status(id);
        });
    }

    @Override
    public MigrationStatus rollback(long id, Set<TenantId> tenants) {
        return sql(() -> {
            MigrationRow m = step(id, Step.ROLLBACK);
            if (tenants == null || tenants.isEmpty()) {
                FlagDefinition f = flags.get(m.readFlag()).orElse(null);
                Set<TenantId> allowed = f == null ? Set.of() : new HashSet<>(f.allowed());
                flags.apply(m.readFlag(), new FlagChange(null, 0.0, null, null, allowed));
            } else {
                Map<TenantId, TenantRow> rows = store.tenants(id).stream().collect(Collectors.toMap(TenantRow::tenant, t -> t));
                checkTenants(m, rows, tenants);
                flags.apply(m.readFlag(), FlagChange.deny(tenants));
            }
            refresh();
            return status(id);
        });
    }

    @Override
    public MigrationStatus finish(long id) {
        return sql(() -> {
            MigrationRow m = migration(id);
            try {
                m.state().next(Step.FINISH);
            } catch (IllegalStateException e) {
                throw new SearchConflictException("migration " + id + ": " + e.getMessage());
            }
            store.syncTenants(id, m.collection());
            List<String> notReady = new ArrayList<>();
            for (TenantRow t : store.tenants(id)) {
                if (!"PASSED".equals(t.validation()) || !flags.isEnabled(m.readFlag(), t.tenant())) {
                    notReady.add(t.tenant().value());
                }
            }
            if (!notReady.isEmpty()) {
                throw new SearchConflictException(notReady.size() + " tenants are not validated and reading the target yet, e.g. "
                        + notReady.subList(0, Math.min(10, notReady.size())));
            }
            if (!store.finish(m)) {
                throw new SearchConflictException("migration " + id + " changed meanwhile; look at its status and try again");
            }
            refresh();
            Snapshot s = snapshot;
            try {
                es.putSetting(layout(s, m.collection(), m.target()).indexes(), "gc_deletes", GC_DELETES_DEFAULT);
            } catch (IOException | RuntimeException e) {
                LOG.warn("search: could not put gc_deletes back on the new layout of {}: {}", m.collection(), e.toString());
            }
            flags.delete(m.readFlag());
            return status(id);
        });
    }

    @Override
    public MigrationStatus deleteOld(long id, String confirm) {
        return sql(() -> {
            MigrationRow m = migration(id);
            if (!m.collection().equals(confirm)) {
                throw new IllegalArgumentException("to delete the old layout, confirm with the collection's name ('" + m.collection() + "')");
            }
            try {
                m.state().next(Step.DELETE_OLD);
            } catch (IllegalStateException e) {
                throw new SearchConflictException("migration " + id + ": " + e.getMessage());
            }
            Layout old = layout(snapshot, m.collection(), m.source());
            try {
                es.deleteIndexes(old.indexes());
            } catch (IOException e) {
                throw new SearchUnavailableException("Elasticsearch is unreachable; nothing was deleted: " + e.getMessage(), e);
            }
            store.setLayoutState(m.collection(), m.source(), "DELETED");
            store.dropOutbox(m.collection(), m.source());
            step(id, Step.DELETE_OLD);
            refresh();
            return status(id);
        });
    }

    @Override
    public MigrationStatus cancel(long id) {
        return sql(() -> {
            MigrationRow m = step(id, Step.CANCEL);
            flags.delete(m.readFlag());
            store.setLayoutState(m.collection(), m.target(), "DELETED");
            store.dropOutbox(m.collection(), m.target());
            refresh();
            try {
                es.deleteIndexes(layout(snapshot, m.collection(), m.target()).indexes());
            } catch (IOException | RuntimeException e) {
                LOG.warn("search: migration {} cancelled but its indexes could not be deleted now: {}", id, e.toString());
            }
            return status(id);
        });
    }

    @Override
    public MigrationStatus status(long id) {
        return sql(() -> {
            MigrationRow m = migration(id);
            Set<TenantId> validated = new HashSet<>();
            List<TenantRow> rows = store.tenants(id);
            rows.stream().filter(r -> "PASSED".equals(r.validation())).forEach(r -> validated.add(r.tenant()));
            List<TenantProgress> tenants = new ArrayList<>();
            for (TenantRow r : rows) {
                boolean onTarget = m.state() == MigrationState.FINISHED || m.state() == MigrationState.OLD_DELETED
                        || m.state().readsOnTarget(validated.contains(r.tenant()), flags.isEnabled(m.readFlag(), r.tenant()));
                tenants.add(new TenantProgress(r.tenant().value(), r.backfill(), r.copied(), r.validation(), r.sourceCount(), r.targetCount(),
                        r.sourceHash(), r.targetHash(), r.detail(), onTarget));
            }
            return new MigrationStatus(m.id(), m.collection(), m.source(), m.target(), m.state().name(), m.readFlag(),
                    store.outboxPending(m.collection(), null), tenants, m.updatedAt());
        });
    }

    @Override
    public List<OutboxEntry> outbox(String collection, boolean deadOnly, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1-1000, was " + limit);
        }
        snapshotWith(collection);
        return sql(() -> store.outboxEntries(collection, deadOnly, limit));
    }

    @Override
    public int retryOutbox(String collection) {
        snapshotWith(collection);
        return sql(() -> store.reviveOutbox(collection));
    }

    @Override
    public List<MigrationStatus> migrations(String collection) {
        snapshotWith(collection);
        return sql(() -> {
            List<MigrationStatus> out = new ArrayList<>();
            for (MigrationRow m : store.migrationsOf(collection)) {
                out.add(status(m.id()));
            }
            return out;
        });
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> T sql(SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            throw new SearchUnavailableException("the control schema is unreachable: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new SearchConflictException(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ background: outbox

    private void purgeTombstones() {
        try {
            store.purgeTombstones(config.tombstoneRetentionHours());
        } catch (SQLException e) {
            // next time
        }
    }

    private void drainOutbox() {
        List<OutboxRow> rows;
        try {
            rows = store.dueOutbox(200);
        } catch (SQLException e) {
            return;
        }
        if (rows.isEmpty()) {
            return;
        }
        Snapshot s = snapshot;
        List<OutboxRow> live = new ArrayList<>();
        List<Elastic.Write> writes = new ArrayList<>();
        for (OutboxRow r : rows) {
            LayoutRow l = s.layouts().getOrDefault(r.collection(), Map.of()).get(r.layout());
            try {
                if (l == null || "DELETED".equals(l.state())) {
                    store.outboxDone(r.id());
                    continue;
                }
            } catch (SQLException e) {
                return;
            }
            live.add(r);
            writes.add(new Elastic.Write(l.layout().indexFor(r.tenant()), r.tenant(), r.docId(), r.version(),
                    r.body() == null ? null : Elastic.fromJson(r.body())));
        }
        List<Elastic.WriteOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            OutboxRow r = live.get(i);
            try {
                outcomes.add(copyRespectingDeletes(r.collection(), r.tenant(), List.of(writes.get(i))).get(0));
            } catch (IOException | SQLException | RuntimeException e) {
                outcomes.add(new Elastic.WriteOutcome(Elastic.Outcome.RETRY, e.toString()));
            }
        }
        try {
            for (int i = 0; i < live.size(); i++) {
                OutboxRow r = live.get(i);
                Elastic.WriteOutcome o = outcomes.get(i);
                switch (o.outcome()) {
                    case APPLIED -> store.outboxDone(r.id());
                    case RETRY -> store.outboxRetry(r.id(), r.attempts() + 1, Math.min(30_000, 250L << Math.min(r.attempts(), 7)), o.error(), false);
                    case REJECTED -> store.outboxRetry(r.id(), r.attempts() + 1, 0, o.error(), true);
                    default -> throw new IllegalStateException();
                }
            }
        } catch (SQLException e) {
            // rows stay due and are tried again; versions make the repeat harmless
        }
    }

    // ------------------------------------------------------------------ background: backfill

    private void backfillPass() {
        for (MigrationRow m : snapshot.open().values()) {
            if (m.state() != MigrationState.BACKFILLING && m.state() != MigrationState.BACKFILLED) {
                continue;
            }
            if (m.dualWriteSince() != null && m.dualWriteSince().plusMillis(config.startGraceMillis()).isAfter(Instant.now())) {
                continue;
            }
            try {
                if (!store.lease(m.id(), nodeId)) {
                    continue;
                }
                store.syncTenants(m.id(), m.collection());
                List<TenantRow> todo = store.tenants(m.id()).stream().filter(t -> !"COPIED".equals(t.backfill())).toList();
                boolean all = true;
                if (!todo.isEmpty()) {
                    // tenants are independent: copy several at once
                    List<Future<Boolean>> results = new ArrayList<>();
                    for (TenantRow t : todo) {
                        results.add(copiers.submit(() -> running && copyTenant(m, t)));
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
                if (all && m.state() == MigrationState.BACKFILLING) {
                    bulkLoading(snapshot, m, false);
                    store.transition(m.id(), MigrationState.BACKFILLING, MigrationState.BACKFILLED);
                    refresh();
                }
            } catch (SQLException e) {
                LOG.warn("search: backfill of migration {} paused, control schema unreachable: {}", m.id(), e.toString());
            }
        }
    }

    /** Copies one tenant from its cursor on; false when interrupted by an error (it resumes from the saved cursor). */
    private boolean copyTenant(MigrationRow m, TenantRow row) throws SQLException {
        Snapshot s = snapshot;
        Layout source = layout(s, m.collection(), m.source());
        Layout target = layout(s, m.collection(), m.target());
        TenantId t = row.tenant();
        String cursor = row.cursor();
        long copied = row.copied();
        String pit = null;
        try {
            pit = es.openPit(source.indexFor(t));
            store.backfillProgress(m.id(), t, "COPYING", cursor, copied, null);
            while (running) {
                long wait;
                synchronized (throttle) {
                    wait = throttle.acquire(config.backfillBatch());
                }
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                List<Elastic.Doc> docs = es.page(pit, t, cursor, config.backfillBatch(), true);
                if (docs.isEmpty()) {
                    store.backfillProgress(m.id(), t, "COPIED", cursor, copied, null);
                    return true;
                }
                List<Elastic.Write> writes = new ArrayList<>();
                for (Elastic.Doc d : docs) {
                    writes.add(new Elastic.Write(target.indexFor(t), t, d.id(), d.version(), d.source()));
                }
                List<Elastic.WriteOutcome> outcomes = copyRespectingDeletes(m.collection(), t, writes);
                for (int i = 0; i < outcomes.size(); i++) {
                    Elastic.WriteOutcome o = outcomes.get(i);
                    if (o.outcome() == Elastic.Outcome.RETRY) {
                        throw new IOException("bulk item failed: " + o.error());
                    }
                    if (o.outcome() == Elastic.Outcome.REJECTED) {
                        Elastic.Write w = writes.get(i);
                        store.outbox(m.collection(), target.number(), t, w.id(), w.version(), Elastic.toJson(w.document()),
                                "refused by the target: " + o.error());
                    }
                }
                cursor = docs.get(docs.size() - 1).id();
                copied += writes.size();
                store.backfillProgress(m.id(), t, "COPYING", cursor, copied, null);
                if (!store.lease(m.id(), nodeId)) {
                    return false;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            store.backfillProgress(m.id(), t, "COPYING", cursor, copied, "paused: " + e);
            LOG.info("search: backfill of {} in migration {} paused at {}: {}", t, m.id(), cursor, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (pit != null) {
                es.closePit(pit);
            }
        }
    }

    /** The index names of one of a collection's layouts (benchmarks and diagnostics). */
    List<String> layoutIndexes(String collection, int number) {
        return layout(snapshotWith(collection), collection, number).indexes();
    }
}
