package io.headroom.core.internal.load;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.core.internal.store.ControlCache;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Tenant limits in the control schema with a per-node {@link ControlCache}: a capability's check is a map lookup, a
 * change reaches every node within the refresh interval, and an expired limit stops applying at its expiry on every
 * node without a write (its row is removed at the next change).
 */
@Component(service = TenantLimits.class, configurationPid = JdbcTenantLimits.PID)
public final class JdbcTenantLimits implements TenantLimits {
    public static final String PID = "io.headroom.load";
    static final String COUNTER = "tenant_limits";

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "tenant limits and per-node tenant load",
            "CREATE TABLE IF NOT EXISTS tenant_limits (tenant VARCHAR(63) NOT NULL PRIMARY KEY, queue_cap INT NULL,"
                    + " llm_rpm INT NULL, shard_share DOUBLE NULL, rest_rps INT NULL, expires_at TIMESTAMP(3) NULL,"
                    + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS tenant_load (node VARCHAR(100) NOT NULL, layer VARCHAR(64) NOT NULL,"
                    + " tenant VARCHAR(63) NOT NULL, rate DOUBLE NOT NULL, baseline DOUBLE NOT NULL,"
                    + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (node, layer, tenant),"
                    + " KEY ix_load_updated (updated_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    /** Read from the same PID as the ledger's settings ({@link LedgerService.Config} describes it). */
    public @interface Config {
        long limitRefreshMillis() default 250;
    }

    private final ControlCache cache;
    private volatile Map<TenantId, TenantLimit> limits = Map.of();

    @Activate
    public JdbcTenantLimits(@Reference ControlStore store, Config config) throws SQLException {
        store.migrate("core.load", MIGRATIONS);
        this.cache = new ControlCache(store.dataSource(), COUNTER, config.limitRefreshMillis(), this::load);
    }

    @Deactivate
    void deactivate() {
        cache.close();
    }

    private void load(Connection c) throws SQLException {
        Map<TenantId, TenantLimit> next = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT tenant, queue_cap, llm_rpm, shard_share, rest_rps, expires_at FROM tenant_limits")) {
            while (rs.next()) {
                Timestamp expires = rs.getTimestamp(6);
                TenantId t = TenantId.of(rs.getString(1));
                next.put(t, new TenantLimit(t, (Integer) rs.getObject(2, Integer.class), rs.getObject(3, Integer.class),
                        rs.getObject(4, Double.class), rs.getObject(5, Integer.class), expires == null ? null : expires.toInstant()));
            }
        }
        limits = Map.copyOf(next);
    }

    @Override
    public Optional<TenantLimit> limit(TenantId tenant) {
        TenantLimit l = limits.get(tenant);
        return l == null || l.expired(Instant.now()) ? Optional.empty() : Optional.of(l);
    }

    @Override
    public List<TenantLimit> list() {
        Instant now = Instant.now();
        List<TenantLimit> out = new ArrayList<>();
        limits.values().stream().filter(l -> !l.expired(now)).forEach(out::add);
        out.sort((a, b) -> a.tenant().compareTo(b.tenant()));
        return out;
    }

    @Override
    public TenantLimit set(TenantLimit limit) {
        if (limit.expired(Instant.now())) {
            throw new IllegalArgumentException("the expiry " + limit.expiresAt() + " is already past");
        }
        cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM tenant_limits WHERE expires_at <= NOW(3)")) {
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("REPLACE INTO tenant_limits"
                    + " (tenant, queue_cap, llm_rpm, shard_share, rest_rps, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                p.setString(1, limit.tenant().value());
                setNullable(p, 2, limit.queueCap(), Types.INTEGER);
                setNullable(p, 3, limit.llmRpm(), Types.INTEGER);
                setNullable(p, 4, limit.shardShare(), Types.DOUBLE);
                setNullable(p, 5, limit.restRps(), Types.INTEGER);
                if (limit.expiresAt() == null) {
                    p.setNull(6, Types.TIMESTAMP);
                } else {
                    p.setTimestamp(6, Timestamp.from(limit.expiresAt()));
                }
                p.executeUpdate();
            }
            return null;
        });
        return limit(limit.tenant()).orElse(limit);
    }

    private static void setNullable(PreparedStatement p, int i, Object value, int type) throws SQLException {
        if (value == null) {
            p.setNull(i, type);
        } else {
            p.setObject(i, value, type);
        }
    }

    @Override
    public boolean clear(TenantId tenant) {
        boolean had = limit(tenant).isPresent();
        boolean deleted = cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM tenant_limits WHERE tenant = ?")) {
                p.setString(1, tenant.value());
                return p.executeUpdate() > 0;
            }
        });
        return deleted && had;
    }
}
