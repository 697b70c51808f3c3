package io.headroom.sharding.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/** What a shard's own schema says about its tables (read from information_schema of the shard's database). */
public final class ShardSchemas {
    private ShardSchemas() {
    }

    /**
     * The tables among {@code tables} that exist on the shard and whose every unique key (the primary key included)
     * contains {@code tenantColumn}: on these a duplicate key can only be the same tenant's row.
     */
    public static Set<String> upsertSafe(DataSource shard, Set<String> tables, String tenantColumn) throws SQLException {
        Map<String, Map<String, Boolean>> keys = new HashMap<>();
        Set<String> present = new HashSet<>();
        try (Connection c = shard.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT LOWER(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT LOWER(TABLE_NAME), INDEX_NAME, LOWER(COLUMN_NAME) FROM information_schema.STATISTICS"
                    + " WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.computeIfAbsent(rs.getString(1), t -> new HashMap<>())
                            .merge(rs.getString(2), tenantColumn.equalsIgnoreCase(rs.getString(3)), Boolean::logicalOr);
                }
            }
        }
        Set<String> safe = new HashSet<>();
        for (String t : tables) {
            String n = t.toLowerCase(Locale.ROOT);
            if (present.contains(n) && keys.getOrDefault(n, Map.of()).values().stream().allMatch(b -> b)) {
                safe.add(n);
            }
        }
        return safe;
    }

    /** {@code SHOW CREATE TABLE} of each table of the shard's database (lower-case name to its definition). */
    public static Map<String, String> definitions(DataSource shard) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = shard.getConnection()) {
            Set<String> names = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String n : names) {
                try (PreparedStatement ps = c.prepareStatement("SHOW CREATE TABLE `" + n.replace("`", "``") + "`");
                        ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        out.put(n.toLowerCase(Locale.ROOT), rs.getString(2));
                    }
                }
            }
        }
        return out;
    }
}
