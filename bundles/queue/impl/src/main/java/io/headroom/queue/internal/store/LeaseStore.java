package io.headroom.queue.internal.store;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Remote workers' leases in the control schema ({@code queue_leases}), so that any node can settle a lease another node
 * handed out. Every change is a compare-and-set on the row by the control schema's clock: a lease is settled once
 * (acked, nacked or expired), only while it is held and unexpired, whichever node asks. The node that handed the
 * lease out holds the job; it finishes what other nodes settled when it next polls ({@link #settledElsewhere}). Each
 * lease keeps its job's handle in the backend (on SQS the queue and receipt handle), so that when the holder is gone
 * another node can finish a settled lease's job itself ({@link #unfinished}, {@link #claim}).
 */
public final class LeaseStore {
    /** How a lease ended, as stored. */
    public enum State { HELD, ACKED, NACKED, EXPIRED }

    /** A lease as stored: its state, whether it is past its expiry now, its node, and for a nack the error and delay. */
    public record Row(String id, String node, State state, boolean expired, String error, long delayMillis) {
    }

    /** A new lease: its id, job and visibility, and the job's handle in the backend (null where there is none). */
    public record NewLease(String id, Job job, int visibilitySeconds, String handle) {
    }

    /**
     * A settled lease as another node finishes it when its holder does not: the row, the job as recorded (without its
     * payload), its handle in the backend, and how long ago it was settled.
     */
    public record Unfinished(Row row, Job job, String handle, long settledAgoMillis) {
    }

    /** A held lease as any node sees it: its holder, job and handle in the backend. */
    public record Held(String node, Job job, String handle) {
    }

    private static final String UNFINISHED = "SELECT id, node, state, expires_at <= NOW(3), error, delay_millis, job_id, tenant, type,"
            + " priority, attempt, enqueued_at, job_handle, TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(3)) FROM queue_leases";

    private final DataSource db;
    private final String node;
    /** The backend whose leases these are (a node may run two): only its own settled leases are finished for gone holders. */
    private final String backend;

    public LeaseStore(DataSource db, String node, String backend) {
        this.db = db;
        this.node = node;
        this.backend = backend;
    }

    /** Records leases this node just handed out. */
    public void held(List<NewLease> leases) throws SQLException {
        if (leases.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO queue_leases (id, node, state,"
                + " expires_at, updated_at, job_id, tenant, type, priority, attempt, enqueued_at, job_handle, backend)"
                + " VALUES (?, ?, 'HELD', NOW(3) + INTERVAL ? MICROSECOND, NOW(3), ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (NewLease l : leases) {
                p.setString(1, l.id());
                p.setString(2, node);
                p.setLong(3, l.visibilitySeconds() * 1_000_000L);
                p.setString(4, l.job().id());
                p.setString(5, l.job().tenant().value());
                p.setString(6, l.job().type());
                p.setString(7, l.job().priority().name());
                p.setInt(8, l.job().attempt());
                p.setLong(9, l.job().enqueuedAt().toEpochMilli());
                p.setString(10, l.handle());
                p.setString(11, backend);
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    /**
     * Settles a held, unexpired lease ({@code to} is ACKED, NACKED or EXPIRED; EXPIRED only once it is past its expiry).
     * True when this call settled it; false otherwise (then {@link #get} says why).
     */
    public boolean settle(String id, State to, String error, long delayMillis, boolean byHolder) throws SQLException {
        String when = to == State.EXPIRED ? "expires_at <= NOW(3)" : "expires_at > NOW(3)";
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("UPDATE queue_leases SET state = ?, error = ?,"
                + " delay_millis = ?, done = ?, updated_at = NOW(3) WHERE id = ? AND state = 'HELD' AND " + when)) {
            p.setString(1, to.name());
            p.setString(2, error == null ? null : error.length() > 1000 ? error.substring(0, 1000) : error);
            p.setLong(3, delayMillis);
            p.setBoolean(4, byHolder);
            p.setString(5, id);
            return p.executeUpdate() == 1;
        }
    }

    /** Moves a held, unexpired lease's expiry to {@code visibilitySeconds} from now; the new expiry, or null if it was not held. */
    public Long extend(String id, int visibilitySeconds) throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("UPDATE queue_leases SET expires_at = NOW(3) + INTERVAL ? MICROSECOND,"
                    + " updated_at = NOW(3) WHERE id = ? AND state = 'HELD' AND expires_at > NOW(3)")) {
                p.setLong(1, visibilitySeconds * 1_000_000L);
                p.setString(2, id);
                if (p.executeUpdate() != 1) {
                    return null;
                }
            }
            return System.currentTimeMillis() + visibilitySeconds * 1000L;
        }
    }

    /** A lease as recorded: its holder, job (without its payload, which stays with the holder) and handle; null when unknown. */
    public Held held(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT node, job_id, tenant, type, priority, attempt, enqueued_at, job_handle FROM queue_leases WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? new Held(rs.getString(1), job(rs, 2), rs.getString(8)) : null;
            }
        }
    }

    /** This backend's settled lease if its job was not finished yet (by its holder or another node), else null. */
    public Unfinished unfinished(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(UNFINISHED
                + " WHERE id = ? AND done = FALSE AND state <> 'HELD' AND backend = ?")) {
            p.setString(1, id);
            p.setString(2, backend);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? unfinished(rs) : null;
            }
        }
    }

    /** This backend's settled leases, of any node, whose jobs were not finished {@code minAgeMillis} after they were settled, oldest first. */
    public List<Unfinished> unfinished(long minAgeMillis, int limit) throws SQLException {
        List<Unfinished> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(UNFINISHED + " WHERE done = FALSE"
                + " AND updated_at <= NOW(3) - INTERVAL ? MICROSECOND AND state <> 'HELD' AND backend = ? ORDER BY updated_at LIMIT ?")) {
            p.setLong(1, minAgeMillis * 1000);
            p.setString(2, backend);
            p.setInt(3, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(unfinished(rs));
                }
            }
        }
        return out;
    }

    /**
     * Takes over finishing a settled lease's job: true for the one node that gets it (false: finished already), whether
     * it is the holder finishing what another node settled or a node finishing for a holder taken for gone.
     */
    public boolean claim(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE queue_leases SET done = TRUE WHERE id = ? AND done = FALSE AND state <> 'HELD'")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
        }
    }

    /** The lease's row, or null when no node of the fleet recorded it. */
    public Row get(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, node, state, expires_at <= NOW(3), error, delay_millis FROM queue_leases WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    /** Milliseconds left on a held lease by the control schema's clock, or -1 when it is not held. */
    public long remainingMillis(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), expires_at) FROM queue_leases WHERE id = ? AND state = 'HELD'")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Math.max(0, rs.getLong(1) / 1000) : -1;
            }
        }
    }

    /** Leases of this node that other nodes settled and this node has not finished yet. */
    public List<Row> settledElsewhere() throws SQLException {
        List<Row> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, node, state, expires_at <= NOW(3), error, delay_millis FROM queue_leases WHERE node = ? AND done = FALSE"
                        + " AND state <> 'HELD'")) {
            p.setString(1, node);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
        }
        return out;
    }

    /** Forgets leases settled before {@code olderThan} (their tombstones answer second acks until then). */
    public int forget(Timestamp olderThan) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "DELETE FROM queue_leases WHERE updated_at < ? AND (done = TRUE OR expires_at < ?) LIMIT 10000")) {
            p.setTimestamp(1, olderThan);
            p.setTimestamp(2, olderThan);
            return p.executeUpdate();
        }
    }

    private static Unfinished unfinished(ResultSet rs) throws SQLException {
        return new Unfinished(row(rs), job(rs, 7), rs.getString(13), Math.max(0, rs.getLong(14) / 1000));
    }

    /** The job in the six columns from {@code from}: job_id, tenant, type, priority, attempt, enqueued_at. */
    private static Job job(ResultSet rs, int from) throws SQLException {
        return new Job(rs.getString(from), TenantId.of(rs.getString(from + 1)), rs.getString(from + 2), "",
                Priority.valueOf(rs.getString(from + 3)), null, rs.getInt(from + 4), java.time.Instant.ofEpochMilli(rs.getLong(from + 5)));
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getString(1), rs.getString(2), State.valueOf(rs.getString(3)), rs.getBoolean(4), rs.getString(5), rs.getLong(6));
    }
}
