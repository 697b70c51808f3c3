package io.headroom.core.internal.store;

import io.headroom.core.api.store.AppliedMigration;
import io.headroom.core.api.store.Migration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Applies versioned migrations per component. Nodes starting together serialise on a MySQL named lock
 * ({@code GET_LOCK}), so each migration runs once; a recorded checksum catches a migration edited after it ran.
 */
public final class MigrationRunner {
    static final String LOCK = "headroom.control.migrations";
    private static final int LOCK_WAIT_SECONDS = 60;

    private final DataSource dataSource;

    public MigrationRunner(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Applies what is missing; returns the versions applied by this call. */
    public List<Integer> migrate(String component, List<Migration> migrations) throws SQLException {
        List<Migration> ordered = new ArrayList<>(migrations);
        ordered.sort(Comparator.comparingInt(Migration::version));
        for (int i = 1; i < ordered.size(); i++) {
            if (ordered.get(i).version() == ordered.get(i - 1).version()) {
                throw new IllegalArgumentException(component + ": migration version " + ordered.get(i).version() + " is defined twice");
            }
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            lock(c);
            try {
                createHistoryTable(c);
                Map<Integer, String> applied = appliedChecksums(c, component);
                List<Integer> done = new ArrayList<>();
                for (Migration m : ordered) {
                    String checksum = checksum(m);
                    String recorded = applied.get(m.version());
                    if (recorded != null) {
                        if (!recorded.equals(checksum)) {
                            throw new IllegalStateException(component + " migration " + m.version() + " ('" + m.description()
                                    + "') was changed after it was applied; add a new migration instead");
                        }
                        continue;
                    }
                    try (Statement s = c.createStatement()) {
                        for (String sql : m.statements()) {
                            execute(s, sql);
                        }
                    }
                    try (PreparedStatement p = c.prepareStatement(
                            "INSERT INTO schema_migrations (component, version, description, checksum) VALUES (?, ?, ?, ?)")) {
                        p.setString(1, component);
                        p.setInt(2, m.version());
                        p.setString(3, m.description());
                        p.setString(4, checksum);
                        p.executeUpdate();
                    }
                    done.add(m.version());
                }
                return done;
            } finally {
                unlock(c);
            }
        }
    }

    /** Runs one statement; one whose effect is already there (a step interrupted after it) counts as done. */
    static void execute(Statement s, String sql) throws SQLException {
        try {
            s.execute(sql);
        } catch (SQLException e) {
            if (!Migration.alreadyApplied(e)) {
                throw e;
            }
        }
    }

    public List<AppliedMigration> applied() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            createHistoryTable(c);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT component, version, description, applied_at FROM schema_migrations ORDER BY component, version")) {
                List<AppliedMigration> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new AppliedMigration(rs.getString(1), rs.getInt(2), rs.getString(3),
                            rs.getTimestamp(4).toInstant().toString()));
                }
                return out;
            }
        }
    }

    private static void createHistoryTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    + " component VARCHAR(64) NOT NULL, version INT NOT NULL, description VARCHAR(255) NOT NULL,"
                    + " checksum CHAR(64) NOT NULL, applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                    + " PRIMARY KEY (component, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
        }
    }

    private static Map<Integer, String> appliedChecksums(Connection c, String component) throws SQLException {
        Map<Integer, String> out = new HashMap<>();
        try (PreparedStatement p = c.prepareStatement("SELECT version, checksum FROM schema_migrations WHERE component = ?")) {
            p.setString(1, component);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private static void lock(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            p.setString(1, LOCK);
            p.setInt(2, LOCK_WAIT_SECONDS);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new SQLException("another node held the migration lock for more than " + LOCK_WAIT_SECONDS + " s");
                }
            }
        }
    }

    private static void unlock(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
            p.setString(1, LOCK);
            p.executeQuery().close();
        }
    }

    static String checksum(Migration m) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String sql : m.statements()) {
                d.update(sql.strip().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
