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
 * lease out holds the job; it finishes what other nodes settled when it next polls ({@link #settledElsewhere}).
 */
public final class LeaseStore {
    /** How a lease ended, as stored. */
    public enum State { HELD, ACKED, NACKED, EXPIRED }

    /** A lease as stored: its state, whether it is past its expiry now, its node, and for a nack the error and delay. */
    public record Row(String id, String node, State state, boolean expired, String error, long delayMillis) {
    }

    /** A new lease: its id, job and visibility. */
    public record NewLease(String id, Job job, int visibilitySeconds) {
    }

    private final DataSource db;
    private final String node;

    public LeaseStore(DataSource db, String node) {
        this.db = db;
        this.node = node;
    }

    /** Records leases this node just handed out. */
    public void held(List<NewLease> leases) throws SQLException {
        if (leases.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO queue_leases (id, node, state,"
                + " expires_at, updated_at, job_id, tenant, type, priority, attempt, enqueued_at)"
                + " VALUES (?, ?, 'HELD', NOW(3) + INTERVAL ? MICROSECOND, NOW(3), ?, ?, ?, ?, ?, ?)")) {
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

    /** The job of a lease as recorded (without its payload, which stays with the node holding the job). */
    public Job job(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT job_id, tenant, type, priority, attempt, enqueued_at FROM queue_leases WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? new Job(rs.getString(1), TenantId.of(rs.getString(2)), rs.getString(3), "",
                        Priority.valueOf(rs.getString(4)), null, rs.getInt(5), java.time.Instant.ofEpochMilli(rs.getLong(6))) : null;
            }
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

    /** This node finished the job of a lease another node settled. */
    public void done(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("UPDATE queue_leases SET done = TRUE WHERE id = ?")) {
            p.setString(1, id);
            p.executeUpdate();
        }
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

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getString(1), rs.getString(2), State.valueOf(rs.getString(3)), rs.getBoolean(4), rs.getString(5), rs.getLong(6));
    }
}
