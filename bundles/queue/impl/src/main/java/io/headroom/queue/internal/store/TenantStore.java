package io.headroom.queue.internal.store;

import io.headroom.core.api.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Tenants' queue settings in the control schema ({@code queue_tenants}): weight, cap (0: none), paused, HIGH budget. */
public final class TenantStore {
    /** A tenant's settings. */
    public record Settings(int weight, int cap, boolean paused, int highBudget) {
        public static final Settings DEFAULT = new Settings(1, 0, false, 0);
    }

    private final DataSource db;

    public TenantStore(DataSource db) {
        this.db = db;
    }

    /** Sets the given settings (null: unchanged; a new tenant gets the defaults for those). */
    public void save(TenantId tenant, Integer weight, Integer cap, Boolean paused, Integer highBudget) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO queue_tenants (tenant, weight, cap, paused, high_budget) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        + " weight = COALESCE(?, weight), cap = COALESCE(?, cap), paused = COALESCE(?, paused), high_budget = COALESCE(?, high_budget)")) {
            p.setString(1, tenant.value());
            p.setInt(2, weight == null ? 1 : weight);
            p.setInt(3, cap == null ? 0 : cap);
            p.setBoolean(4, paused != null && paused);
            p.setInt(5, highBudget == null ? 0 : highBudget);
            p.setObject(6, weight);
            p.setObject(7, cap);
            p.setObject(8, paused);
            p.setObject(9, highBudget);
            p.executeUpdate();
        }
    }

    public Map<TenantId, Settings> load() throws SQLException {
        Map<TenantId, Settings> out = new HashMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant, weight, cap, paused, high_budget FROM queue_tenants")) {
            while (rs.next()) {
                out.put(TenantId.of(rs.getString(1)), new Settings(rs.getInt(2), rs.getInt(3), rs.getBoolean(4), rs.getInt(5)));
            }
        }
        return out;
    }
}
