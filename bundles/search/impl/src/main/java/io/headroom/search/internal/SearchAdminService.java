package io.headroom.search.internal;

import static io.headroom.search.internal.SearchNode.sql;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.OutboxEntry;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.SearchConflictException;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.TenantProgress;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.internal.SearchNode.Snapshot;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.MigrationState;
import io.headroom.search.internal.core.MigrationState.Step;
import io.headroom.search.internal.core.Names;
import io.headroom.search.internal.engine.Elastic;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.LayoutRow;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's side (control plane): collections, and each migration step as a compare-and-set of the migration's
 * state through {@link MigrationState}; the backfill and validation themselves run in {@link SearchBackfill} and
 * {@link SearchValidation}.
 */
@Component(service = SearchAdmin.class)
public final class SearchAdminService implements SearchAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(SearchAdminService.class);
    private static final String FLAG_PREFIX = "search.";

    private final SearchNode node;
    private final SearchStore store;
    private final FeatureFlags flags;
    private final Elastic es;
    private final SearchBackfill backfill;
    private final SearchValidation validation;

    @Activate
    public SearchAdminService(@Reference SearchNode node, @Reference SearchBackfill backfill, @Reference SearchValidation validation) {
        this.node = node;
        this.store = node.store();
        this.flags = node.flags();
        this.es = node.es();
        this.backfill = backfill;
        this.validation = validation;
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
                node.refresh(); // this node's snapshot may have picked the reserved name up meanwhile
                throw e;
            }
            node.refresh();
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
        node.refreshQuietly();
        return node.snapshot().current().keySet().stream().sorted().map(n -> collection(n).orElseThrow()).toList();
    }

    @Override
    public Optional<CollectionInfo> collection(String name) {
        Snapshot s = node.snapshot();
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

    @Override
    public MigrationStatus createMigration(String collection, LayoutSpec requested) {
        Names.collection(collection);
        Snapshot s = node.snapshotWith(collection);
        int source = s.current().get(collection);
        // a migration that names no mappings ("{}", what LayoutSpec makes of none) keeps the collection's schema (a
        // change of partitions or dedicated indexes)
        LayoutRow from = s.layouts().getOrDefault(collection, Map.of()).get(source);
        LayoutSpec target = !"{}".equals(requested.mappings().replace(" ", "")) || from == null ? requested
                : new LayoutSpec(requested.partitions(), requested.dedicated(), from.spec().mappings(), requested.settings());
        checkSpec(target);
        try {
            MigrationRow m = store.insertMigration(collection, source, target, FLAG_PREFIX + collection + ".m")
                    .orElseThrow(() -> new SearchConflictException("collection '" + collection + "' already has an open migration"));
            try {
                createIndexes(new Layout(collection, m.target(), target.partitions(), target.dedicated()), target,
                        Map.of("index.gc_deletes", node.config().migrationGcDeletes()));
            } catch (RuntimeException | IOException e) {
                store.dropMigration(m.id());
                node.refresh();
                throw e;
            }
            node.refresh();
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

    /** The migration after the step's compare-and-set (as it was before it); a conflict if the step is not allowed now. */
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
            node.refresh();
            return status(id);
        });
    }

    @Override
    public MigrationStatus backfill(long id) {
        return sql(() -> {
            MigrationRow m = step(id, Step.BACKFILL);
            store.syncTenants(id, m.collection());
            node.refresh();
            if (m.state() != MigrationState.BACKFILLED) {
                node.bulkLoading(m, true);
            }
            backfill.kick(); // start now rather than at the next tick
            return status(id);
        });
    }

    @Override
    public MigrationStatus validate(long id, Set<TenantId> tenants) {
        return sql(() -> {
            MigrationRow m = step(id, Step.VALIDATE);
            node.bulkLoadingOff(m);
            store.syncTenants(id, m.collection());
            Map<TenantId, TenantRow> rows = store.tenants(id).stream().collect(Collectors.toMap(TenantRow::tenant, t -> t));
            checkTenants(m, rows, tenants);
            Set<TenantId> which = tenants == null || tenants.isEmpty() ? rows.keySet() : tenants;
            validation.validate(m, rows, which);
            node.refresh();
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
            node.refresh();
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
            node.refresh();
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
            node.refresh();
            try {
                es.putSetting(node.snapshot().layout(m.collection(), m.target()).indexes(), "gc_deletes", SearchNode.GC_DELETES_DEFAULT);
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
            Layout old = node.snapshot().layout(m.collection(), m.source());
            try {
                es.deleteIndexes(old.indexes());
            } catch (IOException e) {
                throw new SearchUnavailableException("Elasticsearch is unreachable; nothing was deleted: " + e.getMessage(), e);
            }
            store.setLayoutState(m.collection(), m.source(), "DELETED");
            store.dropOutbox(m.collection(), m.source());
            step(id, Step.DELETE_OLD);
            node.refresh();
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
            node.refresh();
            try {
                es.deleteIndexes(node.snapshot().layout(m.collection(), m.target()).indexes());
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
        node.snapshotWith(collection);
        return sql(() -> store.outboxEntries(collection, deadOnly, limit));
    }

    @Override
    public int retryOutbox(String collection) {
        node.snapshotWith(collection);
        return sql(() -> store.reviveOutbox(collection));
    }

    @Override
    public List<MigrationStatus> migrations(String collection) {
        node.snapshotWith(collection);
        return sql(() -> {
            List<MigrationStatus> out = new ArrayList<>();
            for (MigrationRow m : store.migrationsOf(collection)) {
                out.add(status(m.id()));
            }
            return out;
        });
    }
}
