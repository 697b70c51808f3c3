package io.headroom.search.internal;

import io.headroom.core.api.metrics.Metrics;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.TenantProgress;
import io.headroom.search.internal.core.MigrationState;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Search's meters, read when scraped: for each migration that is not finished, its outbox depth, documents copied by
 * the backfill, and tenants by backfill and validation state; the number of collections; requests naming an unknown
 * collection and the reloads they caused.
 */
@Component(immediate = true)
public final class SearchMeters {
    @Activate
    public SearchMeters(@Reference Metrics metrics, @Reference SearchAdmin search, @Reference SearchNode node) {
        metrics.gauge("headroom_search_collections", "Collections", List.of(), s -> s.sample(search.collections().size()));
        metrics.counter("headroom_search_collection_misses", "Requests naming a collection this node did not know",
                List.of(), s -> s.sample(node.misses()));
        metrics.counter("headroom_search_collection_miss_reloads", "Reloads of the collections from the control schema"
                + " caused by those requests (at most one per 250 ms however many)", List.of(), s -> s.sample(node.missReloads()));
        List<String> migration = List.of("collection", "migration", "state");
        metrics.gauge("headroom_search_outbox_pending", "Dual writes waiting in the outbox of each unfinished migration",
                migration, s -> active(search).forEach(m -> s.sample(m.outboxPending(), labels(m))));
        metrics.gauge("headroom_search_backfill_copied_documents", "Documents copied by each unfinished migration's backfill",
                migration, s -> active(search).forEach(m -> s.sample(m.tenants().stream().mapToLong(TenantProgress::copied).sum(), labels(m))));
        metrics.gauge("headroom_search_migration_tenants", "Tenants of each unfinished migration by backfill state and"
                + " whether their reads are on the new layout", List.of("collection", "migration", "backfill", "reads"),
                s -> active(search).forEach(m -> m.tenants().stream()
                        .collect(java.util.stream.Collectors.groupingBy(t -> t.backfill() + "|" + (t.readsOnTarget() ? "target" : "source"),
                                java.util.stream.Collectors.counting()))
                        .forEach((k, n) -> s.sample(n, m.collection(), Long.toString(m.id()), k.split("\\|")[0], k.split("\\|")[1]))));
    }

    private static List<MigrationStatus> active(SearchAdmin search) {
        return search.collections().stream().map(CollectionInfo::name).flatMap(c -> search.migrations(c).stream())
                .filter(m -> MigrationState.valueOf(m.state()).open()).toList();
    }

    private static String[] labels(MigrationStatus m) {
        return new String[] {m.collection(), Long.toString(m.id()), m.state()};
    }
}
