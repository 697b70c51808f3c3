package io.headroom.sharding.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Replicas of each shard's primary (MariaDB/MySQL replication with GTIDs, row-based) and the maintenance they allow
 * without downtime. A planned {@link #switchover} fences the shard's statements (they are held, not failed, up to the
 * sharding config's {@code writeBufferMillis}), waits until every live node drained what it admitted, makes the old
 * primary read-only, waits until the replica applied its last GTID, promotes the replica, makes the old primary
 * replicate from it and flips routing in one control-schema transaction that also lifts the fence. A switchover that
 * cannot finish within {@code switchoverBudgetMillis} before the promotion rolls back: the old primary takes writes
 * again, nothing is lost. Progress lives in the control schema, so a node that dies in the middle leaves the next
 * node to finish or roll back. Bad input (unknown shard or replica, a replica of another shard) throws
 * IllegalArgumentException; a move or another switchover of the shard in progress IllegalStateException; either way
 * nothing changes.
 */
@ProviderType
public interface ShardReplicas {
    /** Registers {@code jdbcUrl} (a running GTID replica of the shard's primary) as a replica of {@code shard}. */
    ReplicaInfo addReplica(String shard, String jdbcUrl);

    /** Removes a replica from the shard's list (replication itself is left alone). */
    void removeReplica(String shard, String jdbcUrl);

    /** The shard's replicas as last checked. */
    List<ReplicaInfo> replicas(String shard);

    /** A planned switchover to {@code replicaUrl} (null: the replica with the least lag); returns once it is over. */
    SwitchoverStatus switchover(String shard, String replicaUrl);

    /**
     * An unplanned failover of a dead primary: the most advanced replica is promoted, the old primary is fenced (never
     * routed to again; made read-only if it returns) and the transactions it may have held that no replica applied are
     * reported as a GTID gap in the record's detail.
     */
    SwitchoverStatus failover(String shard);

    Optional<SwitchoverStatus> status(long id);

    /** Switchovers and failovers, newest first. */
    List<SwitchoverStatus> history(int limit);
}
