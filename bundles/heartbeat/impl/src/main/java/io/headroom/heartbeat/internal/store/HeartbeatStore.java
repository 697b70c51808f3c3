package io.headroom.heartbeat.internal.store;

import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.Slo;
import io.headroom.heartbeat.internal.core.HeartbeatEngine;
import io.headroom.heartbeat.internal.core.Series;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The heartbeat's tables in the control schema: SLOs, alert history, and each node's per-minute and per-hour
 * counters (written every flush, so a restart loses at most one flush interval of events).
 */
public final class HeartbeatStore {
    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "heartbeat",
            "CREATE TABLE IF NOT EXISTS heartbeat_slos (job VARCHAR(100) NOT NULL PRIMARY KEY, target DOUBLE NOT NULL,"
                    + " latency_ms BIGINT NULL, description VARCHAR(500) NOT NULL DEFAULT '') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS heartbeat_counts (node VARCHAR(100) NOT NULL, tenant VARCHAR(63) NOT NULL,"
                    + " job VARCHAR(100) NOT NULL, resolution CHAR(1) NOT NULL, slot BIGINT NOT NULL, total INT NOT NULL,"
                    + " bad INT NOT NULL, PRIMARY KEY (node, resolution, slot, tenant, job)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS heartbeat_alerts (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, tenant VARCHAR(63) NULL,"
                    + " job VARCHAR(100) NOT NULL, severity VARCHAR(10) NOT NULL, rule_name VARCHAR(20) NOT NULL,"
                    + " long_burn DOUBLE NOT NULL, short_burn DOUBLE NOT NULL, fired_at TIMESTAMP(3) NOT NULL,"
                    + " resolved_at TIMESTAMP(3) NULL, KEY ix_open (resolved_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(2, "deploy guard",
            "CREATE TABLE IF NOT EXISTS heartbeat_deploys (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + " bundle VARCHAR(200) NOT NULL, from_version VARCHAR(100) NOT NULL, to_version VARCHAR(100) NOT NULL,"
                    + " jobs VARCHAR(1000) NOT NULL, state VARCHAR(20) NOT NULL, reason VARCHAR(1000) NOT NULL DEFAULT '',"
                    + " started_at TIMESTAMP(3) NOT NULL, ended_at TIMESTAMP(3) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    private final DataSource db;
    private final String node;

    public HeartbeatStore(ControlStore store, String node) {
        store.migrate("heartbeat", MIGRATIONS);
        this.db = store.dataSource();
        this.node = node;
    }

    public List<Slo> slos() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT job, target, latency_ms, description FROM heartbeat_slos ORDER BY job")) {
            List<Slo> out = new ArrayList<>();
            while (rs.next()) {
                long latency = rs.getLong(3);
                Long threshold = rs.wasNull() ? null : latency; // wasNull speaks of the last column read: read it now
                out.add(new Slo(rs.getString(1), rs.getDouble(2), threshold, rs.getString(4)));
            }
            return out;
        }
    }

    public void putSlo(Slo slo) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO heartbeat_slos (job, target, latency_ms, description) VALUES (?, ?, ?, ?)"
                        + " ON DUPLICATE KEY UPDATE target = VALUES(target), latency_ms = VALUES(latency_ms), description = VALUES(description)")) {
            p.setString(1, slo.job());
            p.setDouble(2, slo.target());
            if (slo.latencyThresholdMillis() == null) {
                p.setNull(3, Types.BIGINT);
            } else {
                p.setLong(3, slo.latencyThresholdMillis());
            }
            p.setString(4, slo.description());
            p.executeUpdate();
        }
    }

    public boolean deleteSlo(String job) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM heartbeat_slos WHERE job = ?")) {
            p.setString(1, job);
            return p.executeUpdate() > 0;
        }
    }

    /** Writes the slots changed since the last flush, and forgets rows that fell out of the windows. */
    public int flush(HeartbeatEngine engine, long nowMinute) throws SQLException {
        int[] rows = new int[1];
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO heartbeat_counts (node, tenant, job, resolution, slot, total, bad) VALUES (?, ?, ?, ?, ?, ?, ?)"
                        + " ON DUPLICATE KEY UPDATE total = VALUES(total), bad = VALUES(bad)")) {
            List<Runnable> undo = new ArrayList<>();
            try {
                engine.forEachSeries((key, series) -> {
                    List<long[]> minutes = series.drainDirtyMinutes();
                    List<long[]> hours = series.drainDirtyHours();
                    if (minutes.isEmpty() && hours.isEmpty()) {
                        return;
                    }
                    undo.add(() -> series.markDirty(minutes, hours));
                    try {
                        addRows(p, key, "m", minutes);
                        addRows(p, key, "h", hours);
                        rows[0] += minutes.size() + hours.size();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                p.executeBatch();
            } catch (SQLException | RuntimeException e) {
                undo.forEach(Runnable::run); // written next time
                throw e instanceof SQLException s ? s : new SQLException(e);
            }
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "DELETE FROM heartbeat_counts WHERE node = ? AND ((resolution = 'm' AND slot < ?) OR (resolution = 'h' AND slot < ?))")) {
            p.setString(1, node);
            p.setLong(2, nowMinute - Series.MINUTES);
            p.setLong(3, nowMinute / 60 - Series.HOURS);
            p.executeUpdate();
        }
        return rows[0];
    }

    private void addRows(PreparedStatement p, HeartbeatEngine.Key key, String resolution, List<long[]> slots) throws SQLException {
        for (long[] slot : slots) {
            p.setString(1, node);
            p.setString(2, key.tenant());
            p.setString(3, key.job());
            p.setString(4, resolution);
            p.setLong(5, slot[0]);
            p.setInt(6, (int) slot[1]);
            p.setInt(7, (int) slot[2]);
            p.addBatch();
        }
    }

    /** Loads this node's counters back into a fresh engine. */
    public int restore(HeartbeatEngine engine, long nowMinute) throws SQLException {
        int rows = 0;
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT tenant, job, resolution, slot, total, bad FROM heartbeat_counts WHERE node = ?"
                        + " AND ((resolution = 'm' AND slot > ?) OR (resolution = 'h' AND slot > ?))")) {
            p.setString(1, node);
            p.setLong(2, nowMinute - Series.MINUTES);
            p.setLong(3, nowMinute / 60 - Series.HOURS);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    Series s = engine.seriesFor(new HeartbeatEngine.Key(rs.getString(1), rs.getString(2)));
                    if ("m".equals(rs.getString(3))) {
                        s.restoreMinute(rs.getLong(4), rs.getInt(5), rs.getInt(6));
                    } else {
                        s.restoreHour(rs.getLong(4), rs.getInt(5), rs.getInt(6));
                    }
                    rows++;
                }
            }
        }
        for (Alert a : alerts(1000)) {
            if (a.firing()) {
                engine.restoreFiring(a);
            }
        }
        return rows;
    }

    public long insertDeploy(Deploy d) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO heartbeat_deploys (bundle, from_version, to_version, jobs, state, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, d.bundle());
            p.setString(2, d.fromVersion());
            p.setString(3, d.toVersion());
            p.setString(4, String.join(",", d.jobs()));
            p.setString(5, d.state());
            p.setTimestamp(6, Timestamp.from(Instant.parse(d.startedAt())));
            p.executeUpdate();
            try (ResultSet keys = p.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Moves a deploy out of {@code watching}; false if it was no longer being watched. */
    public boolean endDeploy(long id, String state, String reason) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE heartbeat_deploys SET state = ?, reason = ?, ended_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND state = 'watching'")) {
            p.setString(1, state);
            p.setString(2, reason);
            p.setLong(3, id);
            return p.executeUpdate() > 0;
        }
    }

    public List<Deploy> deploys(int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, bundle, from_version, to_version, jobs, state, reason, started_at, ended_at FROM heartbeat_deploys"
                        + " ORDER BY id DESC LIMIT ?")) {
            p.setInt(1, limit);
            try (ResultSet rs = p.executeQuery()) {
                List<Deploy> out = new ArrayList<>();
                while (rs.next()) {
                    Timestamp ended = rs.getTimestamp(9);
                    out.add(new Deploy(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            List.of(rs.getString(5).split(",")), rs.getString(6), rs.getString(7),
                            rs.getTimestamp(8).toInstant().toString(), ended == null ? null : ended.toInstant().toString()));
                }
                return out;
            }
        }
    }

    public long insertAlert(Alert a) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO heartbeat_alerts (tenant, job, severity, rule_name, long_burn, short_burn, fired_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, a.tenant());
            p.setString(2, a.job());
            p.setString(3, a.severity());
            p.setString(4, a.rule());
            p.setDouble(5, a.longBurn());
            p.setDouble(6, a.shortBurn());
            p.setTimestamp(7, Timestamp.from(Instant.parse(a.firedAt())));
            p.executeUpdate();
            try (ResultSet keys = p.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    public void resolveAlert(Alert a) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE heartbeat_alerts SET resolved_at = ? WHERE id = ?")) {
            p.setTimestamp(1, Timestamp.from(Instant.parse(a.resolvedAt())));
            p.setLong(2, a.id());
            p.executeUpdate();
        }
    }

    /** Firing alerts first, then the most recent. */
    public List<Alert> alerts(int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, tenant, job, severity, rule_name, long_burn, short_burn, fired_at, resolved_at FROM heartbeat_alerts"
                        + " ORDER BY resolved_at IS NULL DESC, fired_at DESC, id DESC LIMIT ?")) {
            p.setInt(1, limit);
            try (ResultSet rs = p.executeQuery()) {
                List<Alert> out = new ArrayList<>();
                while (rs.next()) {
                    Timestamp resolved = rs.getTimestamp(9);
                    out.add(new Alert(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getDouble(6), rs.getDouble(7), rs.getTimestamp(8).toInstant().toString(),
                            resolved == null ? null : resolved.toInstant().toString()));
                }
                return out;
            }
        }
    }
}
