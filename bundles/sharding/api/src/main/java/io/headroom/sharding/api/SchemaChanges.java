package io.headroom.sharding.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Online schema changes on every shard: one {@code ALTER TABLE} on a sharded table per version (or a
 * {@code CREATE TABLE} / {@code DROP TABLE}, see {@link #apply(int, String, String)}), applied to a canary
 * shard first and then to the rest with bounded concurrency, as MySQL's native online DDL
 * ({@code ALGORITHM=INSTANT}, else {@code ALGORITHM=INPLACE, LOCK=NONE}), so writes continue. A change MySQL can only
 * do by copying the table goes through a shadow table copied in chunks while the binlog keeps it in step, then swapped
 * in. Progress is in the control schema: a change resumes after a node restart, on whichever node takes over its
 * lease. Bad DDL, a table that is not sharded or a version that is not new: IllegalArgumentException /
 * IllegalStateException, nothing applied.
 */
@ProviderType
public interface SchemaChanges {
    SchemaChangeStatus apply(int version, String ddl);

    /**
     * Applies {@code ALTER TABLE}, {@code CREATE TABLE} (the tenant column and a primary key required; the table joins
     * the sharded schema once every shard has it) or {@code DROP TABLE} (leaves the sharded schema at once; only with
     * {@code confirm} equal to the table's name). The sharded tables follow from the applied changes.
     */
    SchemaChangeStatus apply(int version, String ddl, String confirm);

    /** Every shard whose definition of a sharded table differs from the recorded schema (empty: no drift). */
    java.util.List<SchemaDrift> diff();

    Optional<SchemaChangeStatus> status(int version);

    List<SchemaChangeStatus> changes();

    /** Stops starting the change on more shards (shards being altered finish). */
    SchemaChangeStatus pause(int version);

    SchemaChangeStatus resume(int version);

    /** Stops for good; shards already altered keep the change (native DDL is not rolled back). */
    SchemaChangeStatus cancel(int version);
}
