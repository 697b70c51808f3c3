package io.headroom.search.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's side: collections and online layout migrations. The whole workflow's state lives in the control
 * schema: any node can carry on a migration another started, and a restart or an Elasticsearch outage only pauses it.
 * Bad input throws IllegalArgumentException (unknown names: UnknownCollectionException) before anything is written.
 */
@ProviderType
public interface SearchAdmin {
    CollectionInfo createCollection(String name, LayoutSpec layout);

    List<CollectionInfo> collections();

    Optional<CollectionInfo> collection(String name);

    /** Defines the target layout and creates its indexes (dual-write not on yet). One open migration per collection. */
    MigrationStatus createMigration(String collection, LayoutSpec target);

    /** Turns dual-write on: every write goes to the current and the target layout. */
    MigrationStatus start(long migration);

    /** Starts (or resumes) copying every tenant's documents into the target, tenant by tenant, throttled. */
    MigrationStatus backfill(long migration);

    /** Compares each tenant (or the given ones) on both sides: counts, (id, version) hash, sampled documents. */
    MigrationStatus validate(long migration, Set<TenantId> tenants);

    /** Moves reads to the target for a percentage of tenants and/or the listed ones (validated tenants only). */
    MigrationStatus advance(long migration, Double percent, Set<TenantId> tenants);

    /** Moves reads back to the old layout for the listed tenants, or for all when empty. Instant. */
    MigrationStatus rollback(long migration, Set<TenantId> tenants);

    /** Every tenant validated and reading the target: the target becomes current, the old layout is no longer written. */
    MigrationStatus finish(long migration);

    /** Deletes the old layout's indexes; {@code confirm} must repeat the collection name. */
    MigrationStatus deleteOld(long migration, String confirm);

    /** Abandons a migration before finish: reads back on the old layout, target indexes deleted. */
    MigrationStatus cancel(long migration);

    MigrationStatus status(long migration);

    /** The writes of a collection that a layout has not taken yet, oldest first (only the dead ones if asked), at most {@code limit} (1-1000). */
    List<OutboxEntry> outbox(String collection, boolean deadOnly, int limit);

    /** Retries a collection's dead writes now (after the cause was fixed); returns how many were revived. */
    int retryOutbox(String collection);

    List<MigrationStatus> migrations(String collection);
}
