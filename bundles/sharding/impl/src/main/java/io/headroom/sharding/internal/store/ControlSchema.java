package io.headroom.sharding.internal.store;

import io.headroom.core.api.store.Migration;
import java.util.List;

/**
 * The sharding tables of the control schema, as versioned migrations (applied once at activation; never edit one that
 * has run). The {@code owner} and {@code lease_until} columns of {@code shard_moves} and {@code shard_schema_changes}
 * are no longer written or read: moves and schema changes are held by leases of the core's fleet
 * ({@code sharding.move.<id>}, {@code sharding.schema.<version>}). They stay so that nodes of the previous release,
 * which still select them, keep working during a rolling upgrade.
 */
public final class ControlSchema {
    public static final String COMPONENT = "sharding";

    public static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "shard map: shards, pins, known tenants, routing version",
            "CREATE TABLE IF NOT EXISTS shard_routing (id TINYINT PRIMARY KEY, version BIGINT NOT NULL)",
            "INSERT IGNORE INTO shard_routing (id, version) VALUES (1, 1)",
            "CREATE TABLE IF NOT EXISTS shard_shards (name VARCHAR(63) PRIMARY KEY, url VARCHAR(512) NOT NULL,"
                    + " key_range VARCHAR(40) NULL, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            "CREATE TABLE IF NOT EXISTS shard_pins (tenant VARCHAR(63) PRIMARY KEY, shard VARCHAR(63) NOT NULL,"
                    + " pinned_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            "CREATE TABLE IF NOT EXISTS shard_tenants (tenant VARCHAR(63) PRIMARY KEY,"
                    + " first_seen TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))"),
            Migration.of(2, "tenant moves and shard splits, write fences",
                "CREATE TABLE IF NOT EXISTS shard_moves (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(8) NOT NULL,"
                        + " subject VARCHAR(63) NOT NULL, source VARCHAR(63) NOT NULL, targets VARCHAR(400) NOT NULL,"
                        + " state VARCHAR(16) NOT NULL, requested VARCHAR(16) NULL, prev_pin VARCHAR(63) NULL, source_range VARCHAR(40) NULL,"
                        + " fwd_pos VARCHAR(300) NULL, rev_pos VARCHAR(1000) NULL, copied BIGINT NOT NULL DEFAULT 0,"
                        + " applied BIGINT NOT NULL DEFAULT 0, verification TEXT NULL, error TEXT NULL, grace_until TIMESTAMP(3) NULL,"
                        + " owner VARCHAR(64) NULL, lease_until TIMESTAMP(3) NULL,"
                        + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                        + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))",
                "CREATE TABLE IF NOT EXISTS shard_fences (move_id BIGINT PRIMARY KEY, filter_spec VARCHAR(100) NOT NULL)"),
            Migration.of(3, "versioned schema changes across shards",
                "CREATE TABLE IF NOT EXISTS shard_schema_changes (version INT PRIMARY KEY, ddl TEXT NOT NULL, state VARCHAR(16) NOT NULL,"
                        + " canary VARCHAR(63) NULL, shards TEXT NULL, error TEXT NULL, owner VARCHAR(64) NULL, lease_until TIMESTAMP(3) NULL,"
                        + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                        + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"),
            Migration.of(4, "nodes and the routing version each serves (cut-over acks)",
                "CREATE TABLE IF NOT EXISTS shard_nodes (node VARCHAR(64) PRIMARY KEY, version BIGINT NOT NULL, seen_at TIMESTAMP(3) NOT NULL)"),
            Migration.of(5, "the sharded schema: each sharded table's recorded definition",
                "CREATE TABLE IF NOT EXISTS shard_tables (name VARCHAR(64) PRIMARY KEY, definition TEXT NOT NULL, version INT NOT NULL,"
                        + " recorded_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"),
            Migration.of(6, "replicas per shard, switchovers and failovers",
                "CREATE TABLE IF NOT EXISTS shard_replicas (shard VARCHAR(63) NOT NULL, url VARCHAR(512) NOT NULL, role VARCHAR(16) NOT NULL,"
                        + " added_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (shard, url))",
                "CREATE TABLE IF NOT EXISTS shard_switchovers (id BIGINT AUTO_INCREMENT PRIMARY KEY, shard VARCHAR(63) NOT NULL,"
                        + " kind VARCHAR(16) NOT NULL, from_url VARCHAR(512) NOT NULL, to_url VARCHAR(512) NOT NULL, members TEXT NOT NULL, state VARCHAR(16) NOT NULL,"
                        + " gtid VARCHAR(1000) NULL, budget_until TIMESTAMP(3) NOT NULL, held_ms BIGINT NOT NULL DEFAULT 0, detail TEXT NULL,"
                        + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                        + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"),
            Migration.of(7, "each node's view of each watched primary (the automatic failover's quorum)",
                "CREATE TABLE IF NOT EXISTS shard_primary_views (node VARCHAR(64) NOT NULL, shard VARCHAR(63) NOT NULL, url VARCHAR(512) NOT NULL,"
                        + " answered BOOLEAN NOT NULL, seen_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (node, shard))"),
            Migration.of(8, "how far each move's change replay is behind",
                "ALTER TABLE shard_moves ADD COLUMN replay_lag_bytes BIGINT NULL",
                "ALTER TABLE shard_moves ADD COLUMN replay_lag_millis BIGINT NULL"));

    private ControlSchema() {
    }
}

