package io.headroom.sharding.internal.store;

import io.headroom.sharding.internal.core.PrimaryQuorum;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Each node's last view of each watched shard primary ({@code shard_primary_views}), and which nodes are live
 * ({@code shard_nodes}), for the automatic failover's quorum ({@link PrimaryQuorum}). Ages are measured on the control
 * database's clock, so the nodes' clocks need not agree.
 */
public final class PrimaryViews {
    private final DataSource db;

    public PrimaryViews(DataSource db) {
        this.db = db;
    }

    /** Records that {@code node} just probed the shard's primary at {@code url}: it answered or not. */
    public void record(String node, String shard, String url, boolean answered) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "INSERT INTO shard_primary_views (node, shard, url, answered, seen_at) VALUES (?, ?, ?, ?, NOW(3))"
                    + " ON DUPLICATE KEY UPDATE url = VALUES(url), answered = VALUES(answered), seen_at = NOW(3)", node, shard, url, answered);
        }
    }

    /** Every node's last view of the shard's primary, with its age in milliseconds. */
    public List<PrimaryQuorum.View> of(String shard) throws SQLException {
        List<PrimaryQuorum.View> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT node, url, answered, TIMESTAMPDIFF(MICROSECOND, seen_at, NOW(3)) DIV 1000 FROM shard_primary_views WHERE shard = ? ORDER BY node")) {
            ps.setString(1, shard);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PrimaryQuorum.View(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4)));
                }
            }
        }
        return out;
    }

    /** The nodes that acknowledged a routing version within {@code liveMillis} (every node does at each refresh). */
    public List<String> liveNodes(long liveMillis) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT node FROM shard_nodes WHERE seen_at > NOW(3) - INTERVAL ? MICROSECOND ORDER BY node")) {
            ps.setLong(1, liveMillis * 1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Forgets a node's views (it leaves the fleet). */
    public void forget(String node) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "DELETE FROM shard_primary_views WHERE node = ?", node);
        }
    }
}
