package io.headroom.heartbeat.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.GuardPolicy;
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
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The heartbeat's tables in the control schema: SLOs, alert history, and each node's per-minute and per-hour
 * counters (written every flush, so a restart loses at most one flush interval of events), read back added up over
 * the nodes as the fleet's counts.
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
                    + " started_at TIMESTAMP(3) NOT NULL, ended_at TIMESTAMP(3) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(3, "fleet-wide sums: which series changed, and a series' rows across nodes",
            // one statement, so it is applied whole or not at all (MySQL has no ADD COLUMN IF NOT EXISTS)
            "ALTER TABLE heartbeat_counts ADD COLUMN updated_at TIMESTAMP(3) NOT NULL"
                    + " DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),"
                    + " ADD KEY ix_counts_updated (updated_at), ADD KEY ix_counts_series (tenant, job, resolution, slot)"),
            Migration.of(4, "the rollback rule's settings, fleet-wide",
            "CREATE TABLE IF NOT EXISTS heartbeat_guard_policy (id TINYINT NOT NULL PRIMARY KEY, tenant_quorum INT NOT NULL,"
                    + " critical_tenants VARCHAR(4000) NOT NULL, updated_by VARCHAR(200) NOT NULL, updated_at TIMESTAMP(3) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
    /** Rows written up to this long before a read may still be committing: re-read them (sums are set, not added). */
    private static final long CHANGE_OVERLAP_MILLIS = 10_000;
    private static final int KEYS_PER_QUERY = 200;

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

    /** Loads this node's counters back into a fresh engine (the node's own, to flush on top of). */
    public int restore(HeartbeatEngine engine, long nowMinute) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT tenant, job, resolution, slot, total, bad FROM heartbeat_counts WHERE node = ?"
                        + " AND ((resolution = 'm' AND slot > ?) OR (resolution = 'h' AND slot > ?))")) {
            p.setString(1, node);
            p.setLong(2, nowMinute - Series.MINUTES);
            p.setLong(3, nowMinute / 60 - Series.HOURS);
            return setSlots(engine, null, p);
        }
    }

    /**
     * Brings {@code fleet} to the fleet-wide counts: at start ({@code since} null) every node's counts added up; after
     * that, for the series other nodes changed since {@code since}, the other nodes' counts plus this node's own
     * ({@code local}, which may hold events not flushed yet: this node records its events into {@code fleet} as they
     * come, so it shows them at once). Returns the control schema's time when the read started, the next
     * {@code since}.
     */
    public Timestamp loadFleet(HeartbeatEngine fleet, HeartbeatEngine local, Timestamp since, long nowMinute) throws SQLException {
        try (Connection c = db.getConnection()) {
            Timestamp started;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT NOW(3)")) {
                rs.next();
                started = rs.getTimestamp(1);
            }
            String window = " ((resolution = 'm' AND slot > ?) OR (resolution = 'h' AND slot > ?))";
            String sums = "SELECT tenant, job, resolution, slot, SUM(total), SUM(bad) FROM heartbeat_counts WHERE";
            String group = " GROUP BY tenant, job, resolution, slot";
            if (since == null) {
                try (PreparedStatement p = c.prepareStatement(sums + window + group)) {
                    p.setLong(1, nowMinute - Series.MINUTES);
                    p.setLong(2, nowMinute / 60 - Series.HOURS);
                    setSlots(fleet, null, p);
                }
                return started;
            }
            List<String[]> changed = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT DISTINCT tenant, job FROM heartbeat_counts WHERE updated_at >= ? AND node <> ?")) {
                p.setTimestamp(1, new Timestamp(since.getTime() - CHANGE_OVERLAP_MILLIS));
                p.setString(2, node);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        changed.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            for (int from = 0; from < changed.size(); from += KEYS_PER_QUERY) {
                List<String[]> keys = changed.subList(from, Math.min(changed.size(), from + KEYS_PER_QUERY));
                String in = String.join(",", java.util.Collections.nCopies(keys.size(), "(?,?)"));
                try (PreparedStatement p = c.prepareStatement(sums + " node <> ? AND (tenant, job) IN (" + in + ") AND" + window + group)) {
                    int i = 1;
                    p.setString(i++, node);
                    for (String[] k : keys) {
                        p.setString(i++, k[0]);
                        p.setString(i++, k[1]);
                    }
                    p.setLong(i++, nowMinute - Series.MINUTES);
                    p.setLong(i, nowMinute / 60 - Series.HOURS);
                    setSlots(fleet, local, p);
                }
            }
            return started;
        }
    }

    /**
     * Sets the (tenant, job, resolution, slot, total, bad) rows of a query into the engine's series, plus the same
     * slot of {@code plus} (when not null).
     */
    private static int setSlots(HeartbeatEngine engine, HeartbeatEngine plus, PreparedStatement p) throws SQLException {
        int rows = 0;
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                HeartbeatEngine.Key key = new HeartbeatEngine.Key(rs.getString(1), rs.getString(2));
                Series s = engine.seriesFor(key);
                if (s == null) {
                    continue; // over the series limit
                }
                boolean minute = "m".equals(rs.getString(3));
                long slot = rs.getLong(4);
                long total = rs.getLong(5);
                long bad = rs.getLong(6);
                Series own = plus == null ? null : plus.existingSeries(key);
                if (own != null) {
                    long[] mine = minute ? own.minuteCounts(slot) : own.hourCounts(slot);
                    total += mine[0];
                    bad += mine[1];
                }
                if (minute) {
                    s.restoreMinute(slot, (int) total, (int) bad);
                } else {
                    s.restoreHour(slot, (int) total, (int) bad);
                }
                rows++;
            }
        }
        return rows;
    }

    /** The alerts recorded as firing (by whichever node evaluated). */
    public List<Alert> firing() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, tenant, job, severity, rule_name, long_burn, short_burn, fired_at, resolved_at FROM heartbeat_alerts"
                        + " WHERE resolved_at IS NULL ORDER BY id")) {
            return readAlerts(p);
        }
    }

    /** The rollback rule's fleet-wide settings: seeded once (the first node's config), then changed only by operators. */
    public void seedGuardPolicy(int tenantQuorum, Collection<String> critical) throws SQLException {
        writeGuardPolicy("INSERT IGNORE", tenantQuorum, critical, "config");
    }

    public void putGuardPolicy(int tenantQuorum, Collection<String> critical, String actor) throws SQLException {
        writeGuardPolicy("REPLACE", tenantQuorum, critical, actor);
    }

    private void writeGuardPolicy(String verb, int tenantQuorum, Collection<String> critical, String actor) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(verb + " INTO heartbeat_guard_policy"
                + " (id, tenant_quorum, critical_tenants, updated_by, updated_at) VALUES (1, ?, ?, ?, CURRENT_TIMESTAMP(3))")) {
            p.setInt(1, tenantQuorum);
            p.setString(2, String.join(",", new java.util.TreeSet<>(critical)));
            p.setString(3, actor.length() > 200 ? actor.substring(0, 200) : actor);
            p.executeUpdate();
        }
    }

    public Optional<GuardPolicy> guardPolicy() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT tenant_quorum, critical_tenants, updated_by, updated_at FROM heartbeat_guard_policy WHERE id = 1")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            String csv = rs.getString(2);
            List<String> critical = csv.isEmpty() ? List.of() : List.of(csv.split(","));
            return Optional.of(new GuardPolicy(rs.getInt(1), critical, rs.getString(3), rs.getTimestamp(4).toInstant().toString()));
        }
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

    /** Records a fired alert, in a transaction that first checks this node still holds the evaluator's lease. */
    public long insertAlert(Alert a, Lease evaluator) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO heartbeat_alerts (tenant, job, severity, rule_name, long_burn, short_burn, fired_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                evaluator.verify(c);
                p.setString(1, a.tenant());
                p.setString(2, a.job());
                p.setString(3, a.severity());
                p.setString(4, a.rule());
                p.setDouble(5, a.longBurn());
                p.setDouble(6, a.shortBurn());
                p.setTimestamp(7, Timestamp.from(Instant.parse(a.firedAt())));
                p.executeUpdate();
                long id;
                try (ResultSet keys = p.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
                c.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
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
            return readAlerts(p);
        }
    }

    private static List<Alert> readAlerts(PreparedStatement p) throws SQLException {
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
