package io.headroom.sharding.api;

/**
 * A replica of a shard as Headroom last checked it: its JDBC URL (without credentials), its state ({@code REPLICATING},
 * {@code STOPPED} when a replication thread is not running, {@code UNREACHABLE}, or {@code FENCED} for a former
 * primary that a failover retired and that may never take writes again), how far it is behind the primary (null when
 * unknown: stopped or unreachable), the GTID position it has applied, and what SHOW SLAVE STATUS says.
 */
public record ReplicaInfo(String url, String state, Long lagMillis, String gtid, String detail) {
}
