package io.headroom.sharding.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The sharded schema as platform state in the control schema: each sharded table's recorded definition
 * ({@code SHOW CREATE TABLE} of the canary once a change of it is done), and the applied changes in version order.
 */
public final class SchemaRecords {
    private final DataSource db;

    public SchemaRecords(DataSource db) {
        this.db = db;
    }

    /** A recorded schema change: its version, DDL and state. */
    public record Applied(int version, String ddl, String state) {
    }

    public List<Applied> changes() throws SQLException {
        List<Applied> out = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT version, ddl, state FROM shard_schema_changes ORDER BY version");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Applied(rs.getInt(1), rs.getString(2), rs.getString(3)));
            }
        }
        return out;
    }

    /** Recorded definitions, by lower-case table name. */
    public Map<String, String> definitions() throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name, definition FROM shard_tables");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /** Records a table's definition (replacing an older one); {@code onlyIfAbsent} keeps an existing record. */
    public void record(String table, String definition, int version, boolean onlyIfAbsent) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, onlyIfAbsent
                    ? "INSERT IGNORE INTO shard_tables (name, definition, version) VALUES (?, ?, ?)"
                    : "INSERT INTO shard_tables (name, definition, version) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE definition = VALUES(definition), version = VALUES(version)",
                    table, definition, version);
        }
    }

    public void forget(String table) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "DELETE FROM shard_tables WHERE name = ?", table);
        }
    }
}
