package io.headroom.sharding.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Online schema changes on every shard: one {@code ALTER TABLE} on a sharded table per version, applied to a canary
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

    Optional<SchemaChangeStatus> status(int version);

    List<SchemaChangeStatus> changes();

    /** Stops starting the change on more shards (shards being altered finish). */
    SchemaChangeStatus pause(int version);

    SchemaChangeStatus resume(int version);

    /** Stops for good; shards already altered keep the change (native DDL is not rolled back). */
    SchemaChangeStatus cancel(int version);
}
