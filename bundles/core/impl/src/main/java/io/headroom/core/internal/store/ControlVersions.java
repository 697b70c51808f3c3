package io.headroom.core.internal.store;

import io.headroom.core.api.store.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A counter per kind of platform state, bumped in the same transaction as each change, so that every node can
 * poll one cheap row to learn that its cache of that state is stale.
 */
public final class ControlVersions {
    public static final Migration MIGRATION = Migration.of(1, "change counters",
            "CREATE TABLE IF NOT EXISTS control_versions (name VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " version BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");

    private ControlVersions() {
    }

    public static void bump(Connection c, String name) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO control_versions (name, version) VALUES (?, 1) ON DUPLICATE KEY UPDATE version = version + 1")) {
            p.setString(1, name);
            p.executeUpdate();
        }
    }

    /** The counter's value; 0 before the first change. */
    public static long read(Connection c, String name) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT version FROM control_versions WHERE name = ?")) {
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
