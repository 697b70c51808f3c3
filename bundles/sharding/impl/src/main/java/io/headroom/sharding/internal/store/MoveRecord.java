package io.headroom.sharding.internal.store;

import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;

/**
 * A move as its runner reads it from the control schema at every step.
 *
 * @param requested what an operator asked for and the runner has not yet acted on, or null
 * @param fwdPos    the source's GTID position ({@code @@gtid_binlog_pos}, valid on any server of the shard) up to which changes are on the targets
 * @param revPos    after cut-over, per target, the GTID position up to which changes are back on the source
 */
public record MoveRecord(long id, MovePlan plan, MoveState state, MoveRequest requested, String fwdPos, String revPos) {
}
