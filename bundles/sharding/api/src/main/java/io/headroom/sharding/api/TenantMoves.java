package io.headroom.sharding.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Online tenant moves and shard splits (Vitess MoveTables/Reshard style): rows are copied in chunks while the
 * source keeps serving, changes made meanwhile are replayed from the source's binlog, both sides are verified
 * (row counts and checksums per table), then the moving tenants' statements are held for a short write fence while
 * routing flips in one control-schema transaction. The source copy stays (kept in step by reverse replication) until
 * the grace period ends or {@link #cleanup} runs; until then {@link #cancel} routes back. Progress lives in the control
 * schema, so a move resumes after a node restart. Invalid requests throw IllegalArgumentException (unknown tenant or
 * shard) or IllegalStateException (a move already running for them) and start nothing.
 */
@ProviderType
public interface TenantMoves {
    /** Starts moving one tenant's rows to {@code targetShard}; afterwards the tenant is pinned there. */
    MoveStatus move(TenantId tenant, String targetShard);

    /**
     * Splits {@code shard}'s key range in two halves onto {@code lowShard} and {@code highShard} (existing dedicated
     * shards with no range), carrying every tenant of the range that is not pinned.
     */
    MoveStatus split(String shard, String lowShard, String highShard);

    Optional<MoveStatus> status(long id);

    List<MoveStatus> list();

    /** Before cut-over: stops and deletes the copies. After cut-over, within the grace period: routes back. */
    MoveStatus cancel(long id);

    /** Ends the grace period now: deletes the moved rows from the source; the move can no longer be reversed. */
    MoveStatus cleanup(long id);
}
