package io.headroom.sharding.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
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
 * The shard map in the control schema: shards, pins, write fences, known tenants and the routing version, and the
 * routing version each node serves. Every change of the map runs in one transaction that also bumps the version, so
 * a node that sees the new version sees the whole change.
 */
public final class TopologyStore {
    /** Part of a change of the shard map, run inside its transaction. */
    public interface Change {
        void run(Connection c) throws SQLException;
    }

    /** A replica that follows the primary and may be promoted or read from. */
    public static final String REPLICA = "REPLICA";
    /** A former primary retired by a failover: never routed to again, made read-only whenever it answers. */
    public static final String FENCED = "FENCED";
    private static final String SHARD_FENCE = "shard:";

    private final DataSource db;

    public TopologyStore(DataSource db) {
        this.db = db;
    }

    public long version() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM shard_routing WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public Topology load() throws SQLException {
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
                List<TenantFilter> fences = new ArrayList<>();
                java.util.Set<String> fencedShards = new java.util.HashSet<>();
                try (ResultSet rs = s.executeQuery("SELECT filter_spec FROM shard_fences")) {
                    while (rs.next()) {
                        String spec = rs.getString(1);
                        if (spec.startsWith(SHARD_FENCE)) {
                            fencedShards.addAll(List.of(spec.substring(SHARD_FENCE.length()).split(",")));
                        } else {
                            fences.add(TenantFilter.parse(spec));
                        }
                    }
                }
                Map<String, List<String>> replicas = new HashMap<>();
                try (ResultSet rs = s.executeQuery("SELECT shard, url FROM shard_replicas WHERE role = '" + REPLICA + "' ORDER BY shard, url")) {
                    while (rs.next()) {
                        replicas.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                    }
                }
                c.commit();
                return new Topology(version, shards, pins, fences, fencedShards, replicas);
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Runs the change and bumps the routing version in one transaction. */
    public void change(Change work) throws SQLException {
        change(null, work);
    }

    /** As {@link #change(Change)}, written only while this node holds {@code lease} (a move's cut-over). */
    public void change(Lease lease, Change work) throws SQLException {
        Sql.transaction(db, lease, c -> {
            // lock the version row first: concurrent changes from several nodes serialise here
            try (Statement s = c.createStatement()) {
                s.executeQuery("SELECT version FROM shard_routing WHERE id = 1 FOR UPDATE").close();
            }
            work.run(c);
            Sql.exec(c, "UPDATE shard_routing SET version = version + 1 WHERE id = 1");
            return null;
        });
    }

    public void addShard(String name, String url, KeyRange range) throws SQLException {
        change(c -> Sql.exec(c, "INSERT INTO shard_shards (name, url, key_range) VALUES (?, ?, ?)", name, url, range == null ? null : range.toString()));
    }

    public void pin(String tenant, String shard) throws SQLException {
        change(c -> {
            pin(c, tenant, shard);
            registerTenant(c, tenant);
        });
    }

    public void unpin(String tenant) throws SQLException {
        change(c -> unpin(c, tenant));
    }

    // ------------------------------------------------------------ parts of a change (inside its transaction)

    public static void pin(Connection c, String tenant, String shard) throws SQLException {
        Sql.exec(c, "INSERT INTO shard_pins (tenant, shard) VALUES (?, ?) ON DUPLICATE KEY UPDATE shard = VALUES(shard)", tenant, shard);
    }

    public static void unpin(Connection c, String tenant) throws SQLException {
        Sql.exec(c, "DELETE FROM shard_pins WHERE tenant = ?", tenant);
    }

    /** Gives a shard a key range, or none (null: dedicated). */
    public static void range(Connection c, String shard, String range) throws SQLException {
        Sql.exec(c, "UPDATE shard_shards SET key_range = ? WHERE name = ?", range, shard);
    }

    /** Holds the statements of the tenants the filter carries (a move's cut-over). */
    public static void fence(Connection c, long moveId, TenantFilter f) throws SQLException {
        Sql.exec(c, "INSERT IGNORE INTO shard_fences (move_id, filter_spec) VALUES (?, ?)", moveId, f.toString());
    }

    /** A switchover's fence: every statement of the shards' tenants is held (recorded under the switchover's negative id). */
    public static void fenceShards(Connection c, long switchoverId, List<String> shards) throws SQLException {
        Sql.exec(c, "INSERT IGNORE INTO shard_fences (move_id, filter_spec) VALUES (?, ?)", -switchoverId, SHARD_FENCE + String.join(",", shards));
    }

    public static void unfenceShard(Connection c, long switchoverId) throws SQLException {
        Sql.exec(c, "DELETE FROM shard_fences WHERE move_id = ?", -switchoverId);
    }

    /** The shard's primary is now at {@code url} (the routing flip of a switchover). */
    public static void primary(Connection c, String shard, String url) throws SQLException {
        Sql.exec(c, "UPDATE shard_shards SET url = ? WHERE name = ?", url, shard);
    }

    /** Records {@code url} as a replica of the shard ({@link #REPLICA}) or a retired primary ({@link #FENCED}). */
    public static void replica(Connection c, String shard, String url, String role) throws SQLException {
        Sql.exec(c, "INSERT INTO shard_replicas (shard, url, role) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE role = VALUES(role)", shard, url, role);
    }

    public static void forgetReplica(Connection c, String shard, String url) throws SQLException {
        Sql.exec(c, "DELETE FROM shard_replicas WHERE shard = ? AND url = ?", shard, url);
    }

    /** Every registered server of a shard other than its primary, with its role. */
    public Map<String, String> replicaRoles(String shard) throws SQLException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT url, role FROM shard_replicas WHERE shard = ?")) {
            ps.setString(1, shard);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    public static void unfence(Connection c, long moveId) throws SQLException {
        Sql.exec(c, "DELETE FROM shard_fences WHERE move_id = ?", moveId);
    }

    // ------------------------------------------------------------ tenants and nodes

    public void registerTenant(String tenant) throws SQLException {
        try (Connection c = db.getConnection()) {
            registerTenant(c, tenant);
        }
    }

    private static void registerTenant(Connection c, String tenant) throws SQLException {
        Sql.exec(c, "INSERT IGNORE INTO shard_tenants (tenant) VALUES (?)", tenant);
    }

    /** Records that {@code node} serves routing {@code version} now (also its heartbeat). */
    public void ack(String node, long version) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "INSERT INTO shard_nodes (node, version, seen_at) VALUES (?, ?, NOW(3)) ON DUPLICATE KEY UPDATE version = VALUES(version), seen_at = NOW(3)",
                    node, version);
        }
    }

    public void leave(String node) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "DELETE FROM shard_nodes WHERE node = ?", node);
        }
    }

    /** Whether every node heard from within {@code liveMillis} serves {@code version} or later. */
    public boolean allNodesAt(long version, long liveMillis) throws SQLException {
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

    public List<String> tenants() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tenant FROM shard_tenants")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
