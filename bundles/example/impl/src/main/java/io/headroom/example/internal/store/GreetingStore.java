package io.headroom.example.internal.store;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.example.api.Greeting;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The example's table in the control schema: one row per tenant that set a greeting. */
public final class GreetingStore {
    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "greetings",
            "CREATE TABLE IF NOT EXISTS example_greetings (tenant VARCHAR(63) NOT NULL PRIMARY KEY,"
                    + " message VARCHAR(200) NOT NULL, updates BIGINT NOT NULL, updated_at TIMESTAMP(3) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    private final DataSource db;

    public GreetingStore(ControlStore store) {
        store.migrate("example", MIGRATIONS);
        this.db = store.dataSource();
    }

    public Optional<Greeting> find(TenantId tenant) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT message, updates FROM example_greetings WHERE tenant = ?")) {
            p.setString(1, tenant.value());
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(new Greeting(tenant, rs.getString(1), rs.getLong(2))) : Optional.empty();
            }
        }
    }

    /**
     * Stores {@code next} if the tenant's row is still {@code expected} (null: no row yet), compared by update count;
     * false when another update got there first.
     */
    public boolean compareAndSet(Greeting expected, Greeting next) throws SQLException {
        String sql = expected == null
                ? "INSERT INTO example_greetings (message, updates, updated_at, tenant) VALUES (?, ?, ?, ?)"
                : "UPDATE example_greetings SET message = ?, updates = ?, updated_at = ? WHERE tenant = ? AND updates = ?";
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, next.message());
            p.setLong(2, next.updates());
            p.setTimestamp(3, Timestamp.from(Instant.now()));
            p.setString(4, next.tenant().value());
            if (expected != null) {
                p.setLong(5, expected.updates());
            }
            return p.executeUpdate() == 1;
        } catch (SQLIntegrityConstraintViolationException e) {
            return false; // the tenant's first greeting was inserted by someone else
        }
    }

    public List<Greeting> list(int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT tenant, message, updates FROM example_greetings ORDER BY tenant LIMIT ?")) {
            p.setInt(1, limit);
            try (ResultSet rs = p.executeQuery()) {
                List<Greeting> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Greeting(TenantId.of(rs.getString(1)), rs.getString(2), rs.getLong(3)));
                }
                return out;
            }
        }
    }
}
