package io.headroom.core.internal.flags;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.core.internal.store.ControlCache;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Flags in the control schema with a per-node {@link ControlCache}: evaluation is a map lookup, and a change
 * reaches every node within the refresh interval.
 */
@Component(service = FeatureFlags.class, configurationPid = JdbcFeatureFlags.PID)
@Designate(ocd = JdbcFeatureFlags.Config.class)
public final class JdbcFeatureFlags implements FeatureFlags {
    public static final String PID = "io.headroom.flags";
    static final String COUNTER = "flags";

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "feature flags",
            "CREATE TABLE IF NOT EXISTS feature_flags (name VARCHAR(100) NOT NULL PRIMARY KEY,"
                    + " description VARCHAR(500) NOT NULL DEFAULT '', percentage_bp INT NOT NULL DEFAULT 0,"
                    + " version BIGINT NOT NULL DEFAULT 1,"
                    + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS feature_flag_tenants (flag VARCHAR(100) NOT NULL, tenant VARCHAR(63) NOT NULL,"
                    + " mode ENUM('allow','deny') NOT NULL, PRIMARY KEY (flag, tenant),"
                    + " CONSTRAINT fk_flag_tenants FOREIGN KEY (flag) REFERENCES feature_flags (name) ON DELETE CASCADE)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    @ObjectClassDefinition(name = "Headroom feature flags")
    public @interface Config {
        @AttributeDefinition(description = "How often each node checks the control schema for flag changes, ms")
        long refreshMillis() default 500;
    }

    private final ControlCache cache;
    private volatile Map<String, FlagDefinition> flags = Map.of();

    @Activate
    public JdbcFeatureFlags(@Reference ControlStore store, Config config) throws SQLException {
        store.migrate("core.flags", MIGRATIONS);
        this.cache = new ControlCache(store.dataSource(), COUNTER, config.refreshMillis(), this::load);
    }

    @Deactivate
    void deactivate() {
        cache.close();
    }

    private void load(Connection c) throws SQLException {
        Map<String, Row> rows = new HashMap<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT name, description, percentage_bp, version FROM feature_flags")) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Row(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4)));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT flag, tenant, mode FROM feature_flag_tenants")) {
                while (rs.next()) {
                    Row r = rows.get(rs.getString(1));
                    if (r != null) {
                        ("allow".equals(rs.getString(3)) ? r.allowed : r.denied).add(TenantId.of(rs.getString(2)));
                    }
                }
            }
        }
        Map<String, FlagDefinition> next = new HashMap<>();
        rows.values().forEach(r -> next.put(r.name, r.toDefinition()));
        flags = Map.copyOf(next);
    }

    @Override
    public boolean isEnabled(String flag, TenantId tenant) {
        FlagDefinition f = flags.get(flag);
        return f != null && Rollout.isEnabled(f, tenant);
    }

    @Override
    public Optional<FlagDefinition> get(String flag) {
        return Optional.ofNullable(flags.get(flag));
    }

    @Override
    public List<FlagDefinition> list() {
        List<FlagDefinition> out = new ArrayList<>(flags.values());
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public FlagDefinition apply(String flag, FlagChange change) {
        String name = Rollout.checkName(flag);
        cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT IGNORE INTO feature_flags (name) VALUES (?)")) {
                p.setString(1, name);
                p.executeUpdate();
            }
            // lock the flag row: concurrent changes to one flag apply one after the other
            try (PreparedStatement p = c.prepareStatement("SELECT version FROM feature_flags WHERE name = ? FOR UPDATE")) {
                p.setString(1, name);
                p.executeQuery().close();
            }
            if (change.description() != null) {
                update(c, "UPDATE feature_flags SET description = ? WHERE name = ?", change.description(), name);
            }
            if (change.percentage() != null) {
                update(c, "UPDATE feature_flags SET percentage_bp = ? WHERE name = ?",
                        Rollout.basisPoints(change.percentage()), name);
            }
            setMode(c, name, change.allow(), "allow");
            setMode(c, name, change.deny(), "deny");
            if (!change.clear().isEmpty()) {
                try (PreparedStatement p = c.prepareStatement("DELETE FROM feature_flag_tenants WHERE flag = ? AND tenant = ?")) {
                    for (TenantId t : change.clear()) {
                        p.setString(1, name);
                        p.setString(2, t.value());
                        p.addBatch();
                    }
                    p.executeBatch();
                }
            }
            update(c, "UPDATE feature_flags SET version = version + 1 WHERE name = ?", name);
            return null;
        });
        return flags.get(name);
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        }
    }

    private static void setMode(Connection c, String name, Set<TenantId> tenants, String mode) throws SQLException {
        if (tenants.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO feature_flag_tenants (flag, tenant, mode) VALUES (?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE mode = VALUES(mode)")) {
            for (TenantId t : tenants) {
                p.setString(1, name);
                p.setString(2, t.value());
                p.setString(3, mode);
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    @Override
    public boolean delete(String flag) {
        String name = Rollout.checkName(flag);
        return cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM feature_flags WHERE name = ?")) {
                p.setString(1, name);
                return p.executeUpdate() > 0;
            }
        });
    }

    private static final class Row {
        final String name;
        final String description;
        final int basisPoints;
        final long version;
        final TreeSet<TenantId> allowed = new TreeSet<>();
        final TreeSet<TenantId> denied = new TreeSet<>();

        Row(String name, String description, int basisPoints, long version) {
            this.name = name;
            this.description = description;
            this.basisPoints = basisPoints;
            this.version = version;
        }

        FlagDefinition toDefinition() {
            return new FlagDefinition(name, description, basisPoints / 100.0, allowed, denied, version);
        }
    }
}
