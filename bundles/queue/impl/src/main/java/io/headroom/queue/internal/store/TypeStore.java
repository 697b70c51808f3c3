package io.headroom.queue.internal.store;

import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.RemoteType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Remote job types in the control schema ({@code queue_types}); the push secret is stored, never read back out of here but for delivery. */
public final class TypeStore {
    /** A stored type with its secret (null for pull types). */
    public record Stored(RemoteType type, String secret) {
    }

    private final DataSource db;

    public TypeStore(DataSource db) {
        this.db = db;
    }

    public Map<String, Stored> load() throws SQLException {
        Map<String, Stored> out = new HashMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name, delivery, url, secret, max_attempts, backoff_millis, visibility_seconds, timeout_millis, concurrency FROM queue_types")) {
            while (rs.next()) {
                String secret = rs.getString(4);
                RemoteType t = new RemoteType(rs.getString(1), Delivery.valueOf(rs.getString(2)), rs.getString(3), rs.getInt(5),
                        rs.getLong(6), rs.getInt(7), rs.getLong(8), rs.getInt(9), secret != null);
                out.put(t.name(), new Stored(t, secret));
            }
        }
        return out;
    }

    /** Inserts or updates; a null secret keeps the stored one. */
    public void save(RemoteType t, String secret) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO queue_types (name, delivery, url, secret, max_attempts, backoff_millis, visibility_seconds, timeout_millis, concurrency)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE delivery = VALUES(delivery), url = VALUES(url),"
                        + " secret = COALESCE(VALUES(secret), secret), max_attempts = VALUES(max_attempts), backoff_millis = VALUES(backoff_millis),"
                        + " visibility_seconds = VALUES(visibility_seconds), timeout_millis = VALUES(timeout_millis), concurrency = VALUES(concurrency)")) {
            p.setString(1, t.name());
            p.setString(2, t.delivery().name());
            p.setString(3, t.url());
            p.setString(4, secret);
            p.setInt(5, t.maxAttempts());
            p.setLong(6, t.backoffMillis());
            p.setInt(7, t.visibilitySeconds());
            p.setLong(8, t.timeoutMillis());
            p.setInt(9, t.concurrency());
            p.executeUpdate();
        }
    }

    public boolean delete(String name) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM queue_types WHERE name = ?")) {
            p.setString(1, name);
            return p.executeUpdate() > 0;
        }
    }
}
