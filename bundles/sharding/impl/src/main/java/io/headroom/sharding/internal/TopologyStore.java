package io.headroom.sharding.internal;

import io.headroom.core.api.store.Migration;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.move.Moves;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The shard map in the control schema: shards, pins, known tenants and the routing version. Every change runs in
 * one transaction that also bumps the version, so a node that sees the new version sees the whole change.
 */
final class TopologyStore {
    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "shard map: shards, pins, known tenants, routing version",
            "CREATE TABLE IF NOT EXISTS shard_routing (id TINYINT PRIMARY KEY, version BIGINT NOT NULL)",
            "INSERT IGNORE INTO shard_routing (id, version) VALUES (1, 1)",
            "CREATE TABLE IF NOT EXISTS shard_shards (name VARCHAR(63) PRIMARY KEY, url VARCHAR(512) NOT NULL,"
                    + " key_range VARCHAR(40) NULL, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            "CREATE TABLE IF NOT EXISTS shard_pins (tenant VARCHAR(63) PRIMARY KEY, shard VARCHAR(63) NOT NULL,"
                    + " pinned_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
            "CREATE TABLE IF NOT EXISTS shard_tenants (tenant VARCHAR(63) PRIMARY KEY,"
                    + " first_seen TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))"),
            Moves.MIGRATION, io.headroom.sharding.internal.schema.SchemaChangeManager.MIGRATION,
            Migration.of(4, "nodes and the routing version each serves (cut-over acks)",
                    "CREATE TABLE IF NOT EXISTS shard_nodes (node VARCHAR(64) PRIMARY KEY, version BIGINT NOT NULL, seen_at TIMESTAMP(3) NOT NULL)"));

    private final DataSource db;

    TopologyStore(DataSource db) {
        this.db = db;
    }

    long version() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM shard_routing WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    Topology load() throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement s = c.createStatement()) {
                long version;
                try (ResultSet rs = s.executeQuery("SELECT version FROM shard_routing WHERE id = 1")) {
                    version = rs.next() ? rs.getLong(1) : 0;
                }
                Map<String, Topology.ShardDef> shards = new HashMap<>();
                try (ResultSet rs = s.executeQuery("SELECT name, url, key_range FROM shard_shards")) {
                    while (rs.next()) {
                        String range = rs.getString(3);
                        shards.put(rs.getString(1), new Topology.ShardDef(rs.getString(1), rs.getString(2), range == null ? null : KeyRange.parse(range)));
                    }
                }
                Map<String, String> pins = new HashMap<>();
                try (ResultSet rs = s.executeQuery("SELECT tenant, shard FROM shard_pins")) {
                    while (rs.next()) {
                        pins.put(rs.getString(1), rs.getString(2));
                    }
                }
                List<TenantFilter> fences = Moves.fences(c);
                c.commit();
                return new Topology(version, shards, pins, fences);
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Runs the change and bumps the routing version in one transaction. */
    void change(SqlWork work) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                // lock the version row first: concurrent changes from several nodes serialise here
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT version FROM shard_routing WHERE id = 1 FOR UPDATE").close();
                }
                work.run(c);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE shard_routing SET version = version + 1 WHERE id = 1");
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    void addShard(String name, String url, KeyRange range) throws SQLException {
        change(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO shard_shards (name, url, key_range) VALUES (?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, url);
                ps.setString(3, range == null ? null : range.toString());
                ps.executeUpdate();
            }
        });
    }

    void pin(String tenant, String shard) throws SQLException {
        change(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO shard_pins (tenant, shard) VALUES (?, ?) ON DUPLICATE KEY UPDATE shard = VALUES(shard)")) {
                ps.setString(1, tenant);
                ps.setString(2, shard);
                ps.executeUpdate();
            }
            registerTenant(c, tenant);
        });
    }

    void unpin(String tenant) throws SQLException {
        change(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM shard_pins WHERE tenant = ?")) {
                ps.setString(1, tenant);
                ps.executeUpdate();
            }
        });
    }

    void registerTenant(String tenant) throws SQLException {
        try (Connection c = db.getConnection()) {
            registerTenant(c, tenant);
        }
    }

    private static void registerTenant(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO shard_tenants (tenant) VALUES (?)")) {
            ps.setString(1, tenant);
            ps.executeUpdate();
        }
    }

    /** Records that {@code node} serves routing {@code version} now (also its heartbeat). */
    void ack(String node, long version) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shard_nodes (node, version, seen_at) VALUES (?, ?, NOW(3)) ON DUPLICATE KEY UPDATE version = VALUES(version), seen_at = NOW(3)")) {
            ps.setString(1, node);
            ps.setLong(2, version);
            ps.executeUpdate();
        }
    }

    void leave(String node) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM shard_nodes WHERE node = ?")) {
            ps.setString(1, node);
            ps.executeUpdate();
        }
    }

    /** Whether every node heard from within {@code liveMillis} serves {@code version} or later. */
    boolean allNodesAt(long version, long liveMillis) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM shard_nodes WHERE version < ? AND seen_at > NOW(3) - INTERVAL ? MICROSECOND")) {
            ps.setLong(1, version);
            ps.setLong(2, liveMillis * 1000);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 0;
            }
        }
    }

    List<String> tenants() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tenant FROM shard_tenants")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
