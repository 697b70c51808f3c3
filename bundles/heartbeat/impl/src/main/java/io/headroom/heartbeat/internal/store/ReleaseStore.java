package io.headroom.heartbeat.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.heartbeat.api.Artifact;
import io.headroom.heartbeat.api.FleetState;
import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.internal.core.ReleaseState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The release tables in the control schema: uploaded artifacts (bytes and checksum), the fleet's desired state,
 * releases with their target nodes, what each node reports it runs, and kill switches. The desired version of a
 * bundle on a node is the release's new version when the node is one of an active release's targets, else the
 * fleet's desired version; so a rollback is one state change, and a node that was down reads it when it returns.
 */
public final class ReleaseStore {
    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "releases across the fleet",
            "CREATE TABLE IF NOT EXISTS release_artifacts (sha256 CHAR(64) NOT NULL PRIMARY KEY, unit VARCHAR(190) NOT NULL,"
                    + " version VARCHAR(100) NOT NULL, size BIGINT NOT NULL, jobs VARCHAR(1000) NOT NULL, bytes LONGBLOB NOT NULL,"
                    + " uploaded_at TIMESTAMP(3) NOT NULL, KEY ix_unit (unit, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS release_desired (unit VARCHAR(190) NOT NULL PRIMARY KEY, version VARCHAR(100) NOT NULL,"
                    + " source VARCHAR(500) NOT NULL, updated_at TIMESTAMP(3) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS release_releases (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, unit VARCHAR(190) NOT NULL,"
                    + " from_version VARCHAR(100) NOT NULL, from_source VARCHAR(500) NOT NULL, to_version VARCHAR(100) NOT NULL,"
                    + " to_source VARCHAR(500) NOT NULL, jobs VARCHAR(1000) NOT NULL, state VARCHAR(20) NOT NULL,"
                    + " steps VARCHAR(200) NOT NULL, step INT NOT NULL, watch_seconds BIGINT NOT NULL, started_by VARCHAR(200) NOT NULL,"
                    + " reason VARCHAR(1000) NOT NULL DEFAULT '', uploaded_at TIMESTAMP(3) NOT NULL, started_at TIMESTAMP(3) NOT NULL,"
                    + " step_started_at TIMESTAMP(3) NOT NULL, fleet_wide_at TIMESTAMP(3) NULL, failed_at TIMESTAMP(3) NULL,"
                    + " ended_at TIMESTAMP(3) NULL, KEY ix_unit (unit)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            // one row per bundle with an active release: the primary key refuses a second one, on any node
            "CREATE TABLE IF NOT EXISTS release_active (unit VARCHAR(190) NOT NULL PRIMARY KEY, release_id BIGINT NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS release_targets (release_id BIGINT NOT NULL, node VARCHAR(100) NOT NULL,"
                    + " PRIMARY KEY (release_id, node)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS release_node_runs (node VARCHAR(100) NOT NULL, unit VARCHAR(190) NOT NULL,"
                    + " desired VARCHAR(100) NOT NULL, running VARCHAR(100) NOT NULL, detail VARCHAR(1000) NOT NULL DEFAULT '',"
                    + " reported_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (node, unit)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS release_kill_switches (flag VARCHAR(100) NOT NULL PRIMARY KEY, jobs VARCHAR(1000) NOT NULL,"
                    + " scope VARCHAR(10) NOT NULL, last_fired TIMESTAMP(3) NULL, last_reason VARCHAR(1000) NOT NULL DEFAULT '')"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            // which pages a kill switch already acted on: each page switches a flag off once, fleet-wide
            "CREATE TABLE IF NOT EXISTS release_kill_fired (flag VARCHAR(100) NOT NULL, alert_id BIGINT NOT NULL,"
                    + " PRIMARY KEY (flag, alert_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(2, "what each node ran before a unit's first release",
            "CREATE TABLE IF NOT EXISTS release_baselines (node VARCHAR(100) NOT NULL, unit VARCHAR(190) NOT NULL,"
                    + " version VARCHAR(100) NOT NULL, source VARCHAR(500) NOT NULL, recorded_at TIMESTAMP(3) NOT NULL,"
                    + " PRIMARY KEY (node, unit)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            // last and alone: a rerun after a failure meets the table above created already, and this not yet applied
            "ALTER TABLE release_desired ADD COLUMN per_node TINYINT NOT NULL DEFAULT 0"));

    private static final String RELEASE_COLUMNS = "id, unit, from_version, from_source, to_version, to_source, jobs, state,"
            + " steps, step, watch_seconds, started_by, reason, uploaded_at, started_at, step_started_at, fleet_wide_at,"
            + " failed_at, ended_at";

    /** A release as stored. */
    public record Row(long id, String unit, String fromVersion, String fromSource, String toVersion, String toSource,
               List<String> jobs, ReleaseState state, List<String> steps, int step, long watchSeconds, String startedBy,
               String reason, Instant uploadedAt, Instant startedAt, Instant stepStartedAt, Instant fleetWideAt,
               Instant failedAt, Instant endedAt) {
    }

    /** A unit at a version from a source; an empty version: the unit is not installed. */
    public record Want(String version, String source) {
    }

    private final DataSource db;

    public ReleaseStore(ControlStore store) {
        store.migrate("releases", MIGRATIONS);
        this.db = store.dataSource();
    }

    public static List<String> split(String csv) {
        return csv == null || csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    // ---- artifacts

    /** Stores the artifact unless the same bytes are there already; returns it as stored. */
    public Artifact putArtifact(String sha256, String unit, String version, List<String> jobs, byte[] bytes) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT IGNORE INTO release_artifacts (sha256, unit, version, size, jobs, bytes, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, sha256);
            p.setString(2, unit);
            p.setString(3, version);
            p.setLong(4, bytes.length);
            p.setString(5, String.join(",", jobs));
            p.setBytes(6, bytes);
            p.setTimestamp(7, Timestamp.from(Instant.now()));
            p.executeUpdate();
        }
        return artifacts("sha256 = ?", sha256).get(0);
    }

    /** The outcome of a delete: gone, none with that checksum, or kept because an active release or the desired state names it. */
    public enum Deleted { DELETED, ABSENT, REFERENCED }

    public Deleted deleteArtifact(String sha256) throws SQLException {
        String source = "sha256:" + sha256;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement p = c.prepareStatement("SELECT sha256 FROM release_artifacts WHERE sha256 = ? FOR UPDATE")) {
                    p.setString(1, sha256);
                    try (ResultSet rs = p.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            return Deleted.ABSENT;
                        }
                    }
                }
                try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM release_desired WHERE source = ? UNION ALL"
                        + " SELECT 1 FROM release_releases r JOIN release_active a ON a.release_id = r.id"
                        + " WHERE r.to_source = ? OR r.from_source = ? LIMIT 1")) {
                    p.setString(1, source);
                    p.setString(2, source);
                    p.setString(3, source);
                    try (ResultSet rs = p.executeQuery()) {
                        if (rs.next()) {
                            c.rollback();
                            return Deleted.REFERENCED;
                        }
                    }
                }
                try (PreparedStatement p = c.prepareStatement("DELETE FROM release_artifacts WHERE sha256 = ?")) {
                    p.setString(1, sha256);
                    p.executeUpdate();
                }
                c.commit();
                return Deleted.DELETED;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public List<Artifact> artifacts() throws SQLException {
        return artifacts("1 = 1");
    }

    /** The latest upload of a bundle at a version. */
    public Optional<Artifact> artifact(String unit, String version) throws SQLException {
        return artifacts("unit = ? AND version = ?", unit, version).stream().findFirst();
    }

    private List<Artifact> artifacts(String where, String... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT sha256, unit, version, size, jobs, uploaded_at FROM release_artifacts WHERE " + where
                        + " ORDER BY uploaded_at DESC LIMIT 1000")) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                List<Artifact> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Artifact(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            split(rs.getString(5)), rs.getTimestamp(6).toInstant().toString()));
                }
                return out;
            }
        }
    }

    public Optional<byte[]> artifactBytes(String sha256) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT bytes FROM release_artifacts WHERE sha256 = ?")) {
            p.setString(1, sha256);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        }
    }

    // ---- desired state

    public List<FleetState.Desired> desired() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT unit, version, source, updated_at FROM release_desired ORDER BY unit");
             ResultSet rs = p.executeQuery()) {
            List<FleetState.Desired> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new FleetState.Desired(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant().toString()));
            }
            return out;
        }
    }

    /**
     * What this node should run: the fleet's desired state, overridden by active releases that target it. Until a
     * unit's first release completes, its desired state is what each node ran before it (the node's baseline, when
     * it recorded one), so a rollback of a first release restores each node precisely.
     */
    public Map<String, Want> wantsOf(String node) throws SQLException {
        Map<String, Want> out = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT d.unit, d.version, d.source, d.per_node, b.version, b.source FROM release_desired d"
                        + " LEFT JOIN release_baselines b ON b.node = ? AND b.unit = d.unit")) {
            p.setString(1, node);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    boolean ownBaseline = rs.getInt(4) == 1 && rs.getString(5) != null;
                    out.put(rs.getString(1), ownBaseline ? new Want(rs.getString(5), rs.getString(6))
                            : new Want(rs.getString(2), rs.getString(3)));
                }
            }
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT r.unit, r.to_version, r.to_source FROM release_releases r JOIN release_active a ON a.release_id = r.id"
                        + " JOIN release_targets t ON t.release_id = r.id WHERE t.node = ? AND r.state IN (?, ?, ?)")) {
            p.setString(1, node);
            p.setString(2, ReleaseState.ROLLING.wire());
            p.setString(3, ReleaseState.WATCHING.wire());
            p.setString(4, ReleaseState.PAUSED.wire());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Want(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** Records what this node runs of a unit (empty version: nothing) unless it recorded that before. */
    public void recordBaseline(String node, String unit, String version, String source) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT IGNORE INTO release_baselines (node, unit, version, source, recorded_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3))")) {
            p.setString(1, node);
            p.setString(2, unit);
            p.setString(3, version);
            p.setString(4, source.length() > 500 ? source.substring(0, 500) : source);
            p.executeUpdate();
        }
    }

    /** Baselines of a unit per node: {node, version, source}. */
    public List<String[]> baselines(String unit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT node, version, source FROM release_baselines WHERE unit = ? ORDER BY node")) {
            p.setString(1, unit);
            try (ResultSet rs = p.executeQuery()) {
                List<String[]> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
                return out;
            }
        }
    }

    // ---- releases

    /**
     * Records a new release and claims its bundle; empty when another release of it is active. The fleet's desired
     * state of the bundle is set to the version running now when it has none yet, so a rollback has a target.
     */
    public Optional<Long> insertRelease(Row r) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (r.toSource().startsWith("sha256:")) {
                    // the artifact stays while the release is recorded: a concurrent delete waits for this row lock
                    try (PreparedStatement p = c.prepareStatement("SELECT sha256 FROM release_artifacts WHERE sha256 = ? LOCK IN SHARE MODE")) {
                        p.setString(1, r.toSource().substring("sha256:".length()));
                        try (ResultSet rs = p.executeQuery()) {
                            if (!rs.next()) {
                                throw new SQLException("the artifact " + r.toSource() + " was deleted");
                            }
                        }
                    }
                }
                long id;
                try (PreparedStatement p = c.prepareStatement("INSERT INTO release_releases (unit, from_version, from_source,"
                        + " to_version, to_source, jobs, state, steps, step, watch_seconds, started_by, reason, uploaded_at,"
                        + " started_at, step_started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                        PreparedStatement.RETURN_GENERATED_KEYS)) {
                    p.setString(1, r.unit());
                    p.setString(2, r.fromVersion());
                    p.setString(3, r.fromSource());
                    p.setString(4, r.toVersion());
                    p.setString(5, r.toSource());
                    p.setString(6, String.join(",", r.jobs()));
                    p.setString(7, ReleaseState.ROLLING.wire());
                    p.setString(8, String.join(",", r.steps()));
                    p.setLong(9, r.watchSeconds());
                    p.setString(10, r.startedBy());
                    p.setString(11, r.reason());
                    p.setTimestamp(12, ts(r.uploadedAt()));
                    p.setTimestamp(13, ts(r.startedAt()));
                    p.setTimestamp(14, ts(r.startedAt()));
                    p.executeUpdate();
                    try (ResultSet keys = p.getGeneratedKeys()) {
                        keys.next();
                        id = keys.getLong(1);
                    }
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO release_active (unit, release_id) VALUES (?, ?)")) {
                    p.setString(1, r.unit());
                    p.setLong(2, id);
                    p.executeUpdate();
                } catch (SQLIntegrityConstraintViolationException e) {
                    c.rollback();
                    return Optional.empty();
                }
                try (PreparedStatement p = c.prepareStatement("INSERT IGNORE INTO release_desired (unit, version, source, updated_at,"
                        + " per_node) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3), 1)")) {
                    p.setString(1, r.unit());
                    p.setString(2, r.fromVersion());
                    p.setString(3, r.fromSource());
                    p.executeUpdate();
                }
                c.commit();
                return Optional.of(id);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public Optional<Row> release(long id) throws SQLException {
        return releases("id = ?", id, 1).stream().findFirst();
    }

    public List<Row> releases(int limit) throws SQLException {
        return releases("1 = 1", null, limit);
    }

    public List<Row> active() throws SQLException {
        return releases("id IN (SELECT release_id FROM release_active)", null, 1000);
    }

    public List<Row> since(Instant from) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT " + RELEASE_COLUMNS + " FROM release_releases WHERE started_at >= ? ORDER BY id")) {
            p.setTimestamp(1, ts(from));
            return rows(p);
        }
    }

    private List<Row> releases(String where, Long arg, int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT " + RELEASE_COLUMNS + " FROM release_releases WHERE " + where + " ORDER BY id DESC LIMIT " + limit)) {
            if (arg != null) {
                p.setLong(1, arg);
            }
            return rows(p);
        }
    }

    private static List<Row> rows(PreparedStatement p) throws SQLException {
        try (ResultSet rs = p.executeQuery()) {
            List<Row> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), split(rs.getString(7)), ReleaseState.of(rs.getString(8)), split(rs.getString(9)),
                        rs.getInt(10), rs.getLong(11), rs.getString(12), rs.getString(13), instant(rs.getTimestamp(14)),
                        instant(rs.getTimestamp(15)), instant(rs.getTimestamp(16)), instant(rs.getTimestamp(17)),
                        instant(rs.getTimestamp(18)), instant(rs.getTimestamp(19))));
            }
            return out;
        }
    }

    /** A change of a release decided by a caller: the fields it sets besides the state. */
    public record Change(ReleaseState to, String reason, Integer step, boolean newStep, boolean fleetWide, boolean failed) {
        public static Change to(ReleaseState to, String reason) {
            return new Change(to, reason, null, false, false, false);
        }
    }

    /**
     * Moves a release from {@code from} to the change's state (compare-and-set: false when it is no longer in
     * {@code from}), under {@code lease} when given. Leaving the active states frees the bundle; completing makes the
     * new version the fleet's desired state, in the same transaction.
     */
    public boolean transition(Row r, ReleaseState from, Change change, Lease lease) throws SQLException {
        if (!from.canMoveTo(change.to())) {
            return false;
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (lease != null) {
                    lease.verify(c);
                }
                StringBuilder sql = new StringBuilder("UPDATE release_releases SET state = ?, reason = ?");
                if (change.step() != null) {
                    sql.append(", step = ").append(change.step().intValue());
                }
                if (change.newStep()) {
                    sql.append(", step_started_at = CURRENT_TIMESTAMP(3)");
                }
                if (change.fleetWide()) {
                    sql.append(", fleet_wide_at = COALESCE(fleet_wide_at, CURRENT_TIMESTAMP(3))");
                }
                if (change.failed()) {
                    sql.append(", failed_at = COALESCE(failed_at, CURRENT_TIMESTAMP(3))");
                }
                if (!change.to().active()) {
                    sql.append(", ended_at = CURRENT_TIMESTAMP(3)");
                }
                sql.append(" WHERE id = ? AND state = ?");
                try (PreparedStatement p = c.prepareStatement(sql.toString())) {
                    p.setString(1, change.to().wire());
                    p.setString(2, change.reason() == null ? r.reason() : truncate(change.reason()));
                    p.setLong(3, r.id());
                    p.setString(4, from.wire());
                    if (p.executeUpdate() != 1) {
                        c.rollback();
                        return false;
                    }
                }
                if (change.to() == ReleaseState.COMPLETED) {
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO release_desired (unit, version, source, updated_at)"
                            + " VALUES (?, ?, ?, CURRENT_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE version = VALUES(version),"
                            + " source = VALUES(source), updated_at = VALUES(updated_at), per_node = 0")) {
                        p.setString(1, r.unit());
                        p.setString(2, r.toVersion());
                        p.setString(3, r.toSource());
                        p.executeUpdate();
                    }
                }
                if (!change.to().active()) {
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM release_active WHERE unit = ? AND release_id = ?")) {
                        p.setString(1, r.unit());
                        p.setLong(2, r.id());
                        p.executeUpdate();
                    }
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static String truncate(String s) {
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }

    public Set<String> targets(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT node FROM release_targets WHERE release_id = ? ORDER BY node")) {
            p.setLong(1, id);
            try (ResultSet rs = p.executeQuery()) {
                Set<String> out = new LinkedHashSet<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    public void addTargets(long id, Collection<String> nodes, Lease lease) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                lease.verify(c);
                try (PreparedStatement p = c.prepareStatement("INSERT IGNORE INTO release_targets (release_id, node) VALUES (?, ?)")) {
                    for (String n : nodes) {
                        p.setLong(1, id);
                        p.setString(2, n);
                        p.addBatch();
                    }
                    p.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    // ---- what nodes run

    public void report(String node, String unit, String desired, String running, String detail) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO release_node_runs (node, unit, desired, running, detail, reported_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))"
                        + " ON DUPLICATE KEY UPDATE desired = VALUES(desired), running = VALUES(running), detail = VALUES(detail),"
                        + " reported_at = VALUES(reported_at)")) {
            p.setString(1, node);
            p.setString(2, unit);
            p.setString(3, desired);
            p.setString(4, running);
            p.setString(5, truncate(detail));
            p.executeUpdate();
        }
    }

    /** Reports per node and bundle: {node, unit, desired, running, detail, reportedAt}. */
    public List<String[]> reports() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT node, unit, desired, running, detail, reported_at FROM release_node_runs ORDER BY unit, node");
             ResultSet rs = p.executeQuery()) {
            List<String[]> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getTimestamp(6).toInstant().toString()});
            }
            return out;
        }
    }

    // ---- kill switches

    public void putKillSwitch(KillSwitch k) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO release_kill_switches (flag, jobs, scope) VALUES (?, ?, ?)"
                        + " ON DUPLICATE KEY UPDATE jobs = VALUES(jobs), scope = VALUES(scope)")) {
            p.setString(1, k.flag());
            p.setString(2, String.join(",", k.jobs()));
            p.setString(3, k.scope());
            p.executeUpdate();
        }
    }

    public List<KillSwitch> killSwitches() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT flag, jobs, scope, last_fired, last_reason FROM release_kill_switches ORDER BY flag");
             ResultSet rs = p.executeQuery()) {
            List<KillSwitch> out = new ArrayList<>();
            while (rs.next()) {
                Instant fired = instant(rs.getTimestamp(4));
                out.add(new KillSwitch(rs.getString(1), split(rs.getString(2)), rs.getString(3),
                        fired == null ? null : fired.toString(), rs.getString(5)));
            }
            return out;
        }
    }

    public boolean deleteKillSwitch(String flag) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM release_kill_switches WHERE flag = ?")) {
            p.setString(1, flag);
            return p.executeUpdate() > 0;
        }
    }

    /** Claims the action of a kill switch on a page, under the lease: false when it acted on that page already. */
    public boolean killFired(String flag, long alertId, String reason, Lease lease) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                lease.verify(c);
                try (PreparedStatement p = c.prepareStatement("INSERT IGNORE INTO release_kill_fired (flag, alert_id) VALUES (?, ?)")) {
                    p.setString(1, flag);
                    p.setLong(2, alertId);
                    if (p.executeUpdate() == 0) {
                        c.rollback();
                        return false;
                    }
                }
                try (PreparedStatement p = c.prepareStatement(
                        "UPDATE release_kill_switches SET last_fired = CURRENT_TIMESTAMP(3), last_reason = ? WHERE flag = ?")) {
                    p.setString(1, truncate(reason));
                    p.setString(2, flag);
                    p.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
