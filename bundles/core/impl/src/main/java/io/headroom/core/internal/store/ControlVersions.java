package io.headroom.core.internal.store;

import io.headroom.core.api.store.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * A counter per kind of platform state, bumped in the same transaction as each change, so that every node can
 * poll one cheap row to learn that its cache of that state is stale.
 */
public final class ControlVersions {
    /** The core's own tables: change counters, and the fence and history of control-schema switchovers. */
    public static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "change counters",
            "CREATE TABLE IF NOT EXISTS control_versions (name VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " version BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(2, "control switchover: fence, acknowledgements, history",
            "CREATE TABLE IF NOT EXISTS control_fence (id TINYINT NOT NULL PRIMARY KEY, epoch BIGINT NOT NULL,"
                    + " state VARCHAR(10) NOT NULL, updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
                    + " ON UPDATE CURRENT_TIMESTAMP(3)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "INSERT IGNORE INTO control_fence (id, epoch, state) VALUES (1, 0, 'OPEN')",
            "CREATE TABLE IF NOT EXISTS control_fence_acks (node VARCHAR(64) NOT NULL PRIMARY KEY, epoch BIGINT NOT NULL,"
                    + " acked_at TIMESTAMP(3) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS control_switchovers (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + " from_server VARCHAR(255) NOT NULL, to_server VARCHAR(255) NOT NULL, state VARCHAR(20) NOT NULL,"
                    + " fenced_ms BIGINT NOT NULL, started_at TIMESTAMP(3) NOT NULL, detail VARCHAR(1000) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

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
