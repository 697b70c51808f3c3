package io.headroom.llm.internal.store;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.TenantQuota;
import io.headroom.llm.api.Usage;
import io.headroom.llm.internal.core.LeasedLimits;
import io.headroom.llm.internal.core.UsageMeter;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The LLM gateway's platform state in the control schema: deployments (with their drain and cooldown), routes, tenant
 * quota overrides, usage per day, and the per-window capacity counts that limits lease slices from. Every change to
 * definitions or shared state bumps one version number, which nodes poll to know when to reload.
 */
public final class LlmStore implements LeasedLimits.Ledger {
    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "llm gateway state",
            "CREATE TABLE IF NOT EXISTS llm_deployments (name VARCHAR(100) NOT NULL PRIMARY KEY, provider VARCHAR(50) NOT NULL,"
                    + " model VARCHAR(200) NOT NULL, endpoint VARCHAR(500) NOT NULL, api_key VARCHAR(2000) NOT NULL DEFAULT '',"
                    + " requests_per_minute INT NOT NULL, tokens_per_minute INT NOT NULL, input_cost DOUBLE NOT NULL,"
                    + " output_cost DOUBLE NOT NULL, timeout_ms BIGINT NOT NULL, allowed_fails INT NOT NULL, source VARCHAR(10) NOT NULL,"
                    + " disabled TINYINT NOT NULL DEFAULT 0, cooldown_until BIGINT NOT NULL DEFAULT 0, cooldown_reason VARCHAR(500) NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS llm_routes (name VARCHAR(100) NOT NULL PRIMARY KEY, strategy VARCHAR(20) NOT NULL,"
                    + " deployments VARCHAR(2000) NOT NULL, weights VARCHAR(2000) NOT NULL, source VARCHAR(10) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS llm_quotas (tenant VARCHAR(63) NOT NULL PRIMARY KEY, requests_per_minute INT NULL,"
                    + " tokens_per_minute INT NULL, daily_budget DOUBLE NULL, monthly_budget DOUBLE NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            // tenant '' is platform scope: calls made without a tenant (no tenant may be named '')
            "CREATE TABLE IF NOT EXISTS llm_usage (day DATE NOT NULL, tenant VARCHAR(63) NOT NULL, route VARCHAR(100) NOT NULL,"
                    + " deployment VARCHAR(100) NOT NULL, requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL,"
                    + " output_tokens BIGINT NOT NULL, cost_micros BIGINT NOT NULL, PRIMARY KEY (day, tenant, route, deployment),"
                    + " KEY ix_usage_tenant (tenant, day)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS llm_leases (lkey VARCHAR(200) NOT NULL, minute BIGINT NOT NULL, granted BIGINT NOT NULL,"
                    + " PRIMARY KEY (lkey, minute)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS llm_version (id TINYINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL) ENGINE=InnoDB",
            "INSERT IGNORE INTO llm_version (id, version) VALUES (1, 0)"),
            Migration.of(2, "llm routes: parameters a route may drop",
                    "ALTER TABLE llm_routes ADD COLUMN IF NOT EXISTS drop_unsupported VARCHAR(2000) NOT NULL DEFAULT ''"),
            Migration.of(3, "llm: stream idle timeouts, tenants a route is for",
                    "ALTER TABLE llm_deployments ADD COLUMN IF NOT EXISTS stream_idle_timeout_ms BIGINT NOT NULL DEFAULT 0",
                    "ALTER TABLE llm_routes ADD COLUMN IF NOT EXISTS tenants VARCHAR(4000) NOT NULL DEFAULT ''"),
            Migration.of(4, "llm deployments: how the Responses API reaches them",
                    "ALTER TABLE llm_deployments ADD COLUMN IF NOT EXISTS responses_api VARCHAR(10) NOT NULL DEFAULT 'mapped'"));

    /** A deployment with the fleet's shared drain and cooldown state. */
    public record DeploymentRow(Deployment deployment, boolean disabled, long cooldownUntil, String cooldownReason) {
    }

    /** Everything a node serves from, read at one version. */
    public record Snapshot(long version, List<DeploymentRow> deployments, List<Route> routes, Map<TenantId, TenantQuota> quotas) {
    }

    private final DataSource db;

    public LlmStore(ControlStore store) {
        store.migrate("llm", MIGRATIONS);
        this.db = store.dataSource();
    }

    private static void bump(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE llm_version SET version = version + 1 WHERE id = 1");
        }
    }

    public long version() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM llm_version WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public Snapshot snapshot() throws SQLException {
        try (Connection c = db.getConnection()) {
            long version;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version FROM llm_version WHERE id = 1")) {
                version = rs.next() ? rs.getLong(1) : 0;
            }
            List<DeploymentRow> deployments = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, provider, model, endpoint, api_key,"
                    + " requests_per_minute, tokens_per_minute, input_cost, output_cost, timeout_ms, allowed_fails, disabled,"
                    + " cooldown_until, cooldown_reason, stream_idle_timeout_ms, responses_api FROM llm_deployments ORDER BY name")) {
                while (rs.next()) {
                    deployments.add(new DeploymentRow(new Deployment(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getDouble(8), rs.getDouble(9), rs.getLong(10), rs.getInt(11),
                            rs.getLong(15), rs.getString(16)),
                            rs.getBoolean(12), rs.getLong(13), rs.getString(14)));
                }
            }
            List<Route> routes = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT name, strategy, deployments, weights, drop_unsupported, tenants FROM llm_routes ORDER BY name")) {
                while (rs.next()) {
                    routes.add(new Route(rs.getString(1), rs.getString(2), split(rs.getString(3)), weights(rs.getString(4)),
                            split(rs.getString(5)), split(rs.getString(6))));
                }
            }
            Map<TenantId, TenantQuota> quotas = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tenant, requests_per_minute, tokens_per_minute,"
                    + " daily_budget, monthly_budget FROM llm_quotas ORDER BY tenant")) {
                while (rs.next()) {
                    TenantId t = TenantId.of(rs.getString(1));
                    quotas.put(t, new TenantQuota(t, (Integer) rs.getObject(2, Integer.class), (Integer) rs.getObject(3, Integer.class),
                            (Double) rs.getObject(4, Double.class), (Double) rs.getObject(5, Double.class)));
                }
            }
            return new Snapshot(version, deployments, routes, quotas);
        }
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static Map<String, Integer> weights(String csv) {
        Map<String, Integer> out = new HashMap<>();
        for (String w : split(csv)) {
            String[] kv = w.split("=");
            out.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
        }
        return out;
    }

    private static String weightsCsv(Map<String, Integer> weights) {
        StringBuilder b = new StringBuilder();
        weights.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }

    /**
     * Adds or replaces a deployment. {@code fromConfig}: a seed from etc configuration, which neither replaces a
     * definition made through the API nor changes anything when it is the same. A null key keeps the stored one.
     */
    public void putDeployment(Deployment d, boolean fromConfig) throws SQLException {
        String sql = "INSERT INTO llm_deployments (name, provider, model, endpoint, api_key, requests_per_minute, tokens_per_minute,"
                + " input_cost, output_cost, timeout_ms, allowed_fails, source, stream_idle_timeout_ms, responses_api)"
                + " VALUES (?, ?, ?, ?, COALESCE(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE provider = VALUES(provider), model = VALUES(model), endpoint = VALUES(endpoint),"
                + " api_key = COALESCE(?, api_key), requests_per_minute = VALUES(requests_per_minute),"
                + " tokens_per_minute = VALUES(tokens_per_minute), input_cost = VALUES(input_cost), output_cost = VALUES(output_cost),"
                + " timeout_ms = VALUES(timeout_ms), allowed_fails = VALUES(allowed_fails), source = VALUES(source),"
                + " stream_idle_timeout_ms = VALUES(stream_idle_timeout_ms), responses_api = VALUES(responses_api)";
        try (Connection c = db.getConnection()) {
            if (fromConfig) {
                try (PreparedStatement p = c.prepareStatement("SELECT source FROM llm_deployments WHERE name = ?")) {
                    p.setString(1, d.name());
                    try (ResultSet rs = p.executeQuery()) {
                        if (rs.next() && (!"etc".equals(rs.getString(1)) || sameDeployment(c, d))) {
                            return;
                        }
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement(sql)) {
                p.setString(1, d.name());
                p.setString(2, d.provider());
                p.setString(3, d.model());
                p.setString(4, d.endpoint());
                p.setString(5, d.apiKey());
                p.setInt(6, d.requestsPerMinute());
                p.setInt(7, d.tokensPerMinute());
                p.setDouble(8, d.inputCostPer1kTokens());
                p.setDouble(9, d.outputCostPer1kTokens());
                p.setLong(10, d.timeoutMillis());
                p.setInt(11, d.allowedFails());
                p.setString(12, fromConfig ? "etc" : "api");
                p.setLong(13, d.streamIdleTimeoutMillis());
                p.setString(14, d.responsesApi());
                p.setString(15, d.apiKey());
                p.executeUpdate();
            }
            bump(c);
        }
    }

    private static boolean sameDeployment(Connection c, Deployment d) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT provider, model, endpoint, api_key, requests_per_minute, tokens_per_minute,"
                + " input_cost, output_cost, timeout_ms, allowed_fails, stream_idle_timeout_ms, responses_api FROM llm_deployments WHERE name = ?")) {
            p.setString(1, d.name());
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && new Deployment(d.name(), rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        rs.getInt(6), rs.getDouble(7), rs.getDouble(8), rs.getLong(9), rs.getInt(10), rs.getLong(11), rs.getString(12)).equals(
                        new Deployment(d.name(), d.provider(), d.model(), d.endpoint(), d.apiKey() == null ? "" : d.apiKey(),
                                d.requestsPerMinute(), d.tokensPerMinute(), d.inputCostPer1kTokens(), d.outputCostPer1kTokens(),
                                d.timeoutMillis(), d.allowedFails(), d.streamIdleTimeoutMillis(), d.responsesApi()));
            }
        }
    }

    public boolean removeDeployment(String name) throws SQLException {
        return deleteAndBump("DELETE FROM llm_deployments WHERE name = ?", name);
    }

    private boolean deleteAndBump(String sql, String key) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, key);
            boolean found = p.executeUpdate() > 0;
            if (found) {
                bump(c);
            }
            return found;
        }
    }

    /** Adds or replaces a route; {@code fromConfig} as for deployments. */
    public void putRoute(Route r, boolean fromConfig) throws SQLException {
        try (Connection c = db.getConnection()) {
            if (fromConfig) {
                try (PreparedStatement p = c.prepareStatement(
                        "SELECT source, strategy, deployments, weights, drop_unsupported, tenants FROM llm_routes WHERE name = ?")) {
                    p.setString(1, r.name());
                    try (ResultSet rs = p.executeQuery()) {
                        if (rs.next() && (!"etc".equals(rs.getString(1)) || new Route(r.name(), rs.getString(2), split(rs.getString(3)),
                                weights(rs.getString(4)), split(rs.getString(5)), split(rs.getString(6))).equals(r))) {
                            return;
                        }
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO llm_routes (name, strategy, deployments, weights, source,"
                    + " drop_unsupported, tenants) VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE strategy = VALUES(strategy),"
                    + " deployments = VALUES(deployments), weights = VALUES(weights), source = VALUES(source),"
                    + " drop_unsupported = VALUES(drop_unsupported), tenants = VALUES(tenants)")) {
                p.setString(1, r.name());
                p.setString(2, r.strategy());
                p.setString(3, String.join(",", r.deployments()));
                p.setString(4, weightsCsv(r.weights()));
                p.setString(5, fromConfig ? "etc" : "api");
                p.setString(6, String.join(",", r.dropUnsupported()));
                p.setString(7, String.join(",", r.tenants()));
                p.executeUpdate();
            }
            bump(c);
        }
    }

    public boolean removeRoute(String name) throws SQLException {
        return deleteAndBump("DELETE FROM llm_routes WHERE name = ?", name);
    }

    /** Drains or restores a deployment for the fleet; false when there is no such deployment. */
    public boolean setDisabled(String name, boolean disabled) throws SQLException {
        return updateState("UPDATE llm_deployments SET disabled = ? WHERE name = ?", disabled ? 1 : 0, name);
    }

    /** Ends a deployment's cooldown for the fleet; false when there is no such deployment. */
    public boolean clearCooldown(String name) throws SQLException {
        return updateState("UPDATE llm_deployments SET cooldown_until = ?, cooldown_reason = NULL WHERE name = ?", 0, name);
    }

    private boolean updateState(String sql, long value, String name) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, value);
            p.setString(2, name);
            boolean found = p.executeUpdate() > 0;
            bump(c);
            return found;
        }
    }

    /** Puts a deployment into cooldown for the fleet, unless it already cools down for longer. */
    public void coolDown(String name, long until, String reason) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE llm_deployments SET cooldown_until = ?, cooldown_reason = ? WHERE name = ? AND cooldown_until < ?")) {
            p.setLong(1, until);
            p.setString(2, reason.length() > 500 ? reason.substring(0, 500) : reason);
            p.setString(3, name);
            p.setLong(4, until);
            if (p.executeUpdate() > 0) {
                bump(c);
            }
        }
    }

    public void putQuota(TenantQuota q) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO llm_quotas (tenant,"
                + " requests_per_minute, tokens_per_minute, daily_budget, monthly_budget) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                + " requests_per_minute = VALUES(requests_per_minute), tokens_per_minute = VALUES(tokens_per_minute),"
                + " daily_budget = VALUES(daily_budget), monthly_budget = VALUES(monthly_budget)")) {
            p.setString(1, q.tenant().value());
            p.setObject(2, q.requestsPerMinute(), Types.INTEGER);
            p.setObject(3, q.tokensPerMinute(), Types.INTEGER);
            p.setObject(4, q.dailyBudget(), Types.DOUBLE);
            p.setObject(5, q.monthlyBudget(), Types.DOUBLE);
            p.executeUpdate();
            bump(c);
        }
    }

    public boolean removeQuota(TenantId tenant) throws SQLException {
        return deleteAndBump("DELETE FROM llm_quotas WHERE tenant = ?", tenant.value());
    }

    // --- capacity slices ---
    // llm_leases.minute holds the limit window's number (epoch ms / window length): the minute with the default
    // one-minute window. Numbers of windows of different lengths lie far apart, so counts never mix when an operator
    // changes the window, and cleanup drops the rows of another length on either side.

    @Override
    public long take(String key, long window, long ceiling, long amount) {
        // one statement: create the window's count or add to it, never past the ceiling; LAST_INSERT_ID(expr) hands
        // the amount granted back on this connection
        try (Connection c = db.getConnection()) {
            int changed;
            try (PreparedStatement p = c.prepareStatement("INSERT INTO llm_leases (lkey, minute, granted) VALUES (?, ?, LAST_INSERT_ID(LEAST(?, ?)))"
                    + " ON DUPLICATE KEY UPDATE granted = granted + LAST_INSERT_ID(GREATEST(0, LEAST(?, ? - granted)))")) {
                p.setString(1, key);
                p.setLong(2, window);
                p.setLong(3, amount);
                p.setLong(4, ceiling);
                p.setLong(5, amount);
                p.setLong(6, ceiling);
                changed = p.executeUpdate();
            }
            if (changed == 0) {
                return 0;
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT LAST_INSERT_ID()")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("capacity ledger: " + e.getMessage(), e);
        }
    }

    @Override
    public void giveBack(String key, long window, long amount) {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE llm_leases SET granted = GREATEST(0, granted - ?) WHERE lkey = ? AND minute = ?")) {
            p.setLong(1, amount);
            p.setString(2, key);
            p.setLong(3, window);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("capacity ledger: " + e.getMessage(), e);
        }
    }

    /**
     * Forgets the counts of windows numbered before {@code window}, and of numbers far past it (a shorter window
     * used before: no clock is a thousand windows ahead).
     */
    public void dropLeasesBefore(long window) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM llm_leases WHERE minute < ? OR minute > ?")) {
            p.setLong(1, window);
            p.setLong(2, window + 1_000);
            p.executeUpdate();
        }
    }

    // --- usage ---

    /** Adds usage deltas in one transaction. */
    public void addUsage(List<UsageMeter.Delta> deltas) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO llm_usage (day, tenant, route, deployment, requests, input_tokens,"
                    + " output_tokens, cost_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests),"
                    + " input_tokens = input_tokens + VALUES(input_tokens), output_tokens = output_tokens + VALUES(output_tokens),"
                    + " cost_micros = cost_micros + VALUES(cost_micros)")) {
                for (UsageMeter.Delta d : deltas) {
                    p.setDate(1, Date.valueOf(d.day()));
                    p.setString(2, d.tenant() == null ? "" : d.tenant().value());
                    p.setString(3, d.route());
                    p.setString(4, d.deployment());
                    p.setLong(5, d.requests());
                    p.setLong(6, d.inputTokens());
                    p.setLong(7, d.outputTokens());
                    p.setLong(8, d.costMicros());
                    p.addBatch();
                }
                p.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    public List<Usage> usage(Optional<TenantId> tenant, LocalDate from, LocalDate to) throws SQLException {
        String sql = "SELECT day, tenant, route, deployment, requests, input_tokens, output_tokens, cost_micros FROM llm_usage"
                + " WHERE day BETWEEN ? AND ?" + (tenant.isPresent() ? " AND tenant = ?" : "") + " ORDER BY day, tenant, route, deployment";
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setDate(1, Date.valueOf(from));
            p.setDate(2, Date.valueOf(to));
            if (tenant.isPresent()) {
                p.setString(3, tenant.get().value());
            }
            List<Usage> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String t = rs.getString(2);
                    out.add(new Usage(rs.getDate(1).toLocalDate(), t.isEmpty() ? null : TenantId.of(t), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8) / 1e6));
                }
            }
            return out;
        }
    }

    /** What each tenant with a budget has spent (micro-dollars) on {@code today} and since {@code monthStart}. */
    public Map<TenantId, long[]> spend(LocalDate today, LocalDate monthStart) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("SELECT u.tenant,"
                + " SUM(CASE WHEN u.day = ? THEN u.cost_micros ELSE 0 END), SUM(u.cost_micros) FROM llm_usage u"
                + " JOIN llm_quotas q ON q.tenant = u.tenant WHERE u.day >= ? AND u.day <= ?"
                + " AND (q.daily_budget IS NOT NULL OR q.monthly_budget IS NOT NULL) GROUP BY u.tenant")) {
            p.setDate(1, Date.valueOf(today));
            p.setDate(2, Date.valueOf(monthStart));
            p.setDate(3, Date.valueOf(today));
            Map<TenantId, long[]> out = new HashMap<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(TenantId.of(rs.getString(1)), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            return out;
        }
    }
}
