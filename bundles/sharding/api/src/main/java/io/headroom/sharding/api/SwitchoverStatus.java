package io.headroom.sharding.api;

/**
 * A planned switchover or an unplanned failover of one shard's primary, as recorded in the control schema: the old
 * and new primary (JDBC URLs), its state (FENCING, CATCHING_UP, PROMOTING, DONE, ROLLED_BACK), the old primary's last
 * GTID the new one had to apply, how long the shard's statements were held, and what happened (the reason of a
 * roll-back, or for a failover the transactions that may be lost: the GTID gap).
 */
public record SwitchoverStatus(long id, String shard, String kind, String fromUrl, String toUrl, String state, String gtid,
        long heldMillis, String detail, String startedAt, String updatedAt) {
}
