package io.headroom.queue.internal.store;

import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Job states in the control schema ({@code queue_jobs}), so that any node of the fleet answers for a job another node
 * accepted or ran. Each node writes the states its jobs reached in batches; the newest state (by the writing node's
 * clock) wins, and a cancelled job never goes back to waiting. The node that wrote a record last owns it (a node that
 * receives a job from SQS claims its record before it may start it, {@link #claim}): the owner cancels by a
 * compare-and-set on its own record ({@link #cancelIfOwner}); a cancel asked for on another node is a request on the
 * record ({@link Cancel#REQUESTED}) that the owner answers under its own lock ({@link Cancel#DONE} or
 * {@link Cancel#REFUSED}), and the asking node can withdraw it while it is unanswered. So a cancel and a start race on
 * one record, and one of them wins.
 */
public final class JobStore {
    /** A cancel asked for on the record. */
    public enum Cancel { REQUESTED, DONE, REFUSED }

    /** A job's record: its state, the node that wrote it last, and the cancel asked for it, if any. */
    public record Record(JobStatus status, String node, Cancel cancel) {
    }

    /** A newer state replaces the stored one, except that a cancelled job does not go back to waiting. */
    private static final String NEWER = "(VALUES(updated_at) >= updated_at AND NOT (state = 'CANCELLED'"
            + " AND VALUES(state) IN ('WAITING', 'DELAYED')))";
    private static final String COLUMNS = "id, tenant, type, state, attempts, last_error, enqueued_at, not_before, updated_at, node, cancel";

    private final DataSource db;
    private final String node;

    public JobStore(DataSource db, String node) {
        this.db = db;
        this.node = node;
    }

    /** Writes job states this node saw (the newest of each stored state and this one stays). */
    public void write(List<JobStatus> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        // state and updated_at come last: MariaDB evaluates the assignments in order, and NEWER reads both
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO queue_jobs (id, node, tenant, type,"
                + " state, attempts, last_error, enqueued_at, not_before, updated_at, cancel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE node = IF(" + NEWER + ", VALUES(node), node),"
                + " attempts = IF(" + NEWER + ", GREATEST(attempts, VALUES(attempts)), attempts),"
                + " last_error = IF(" + NEWER + ", VALUES(last_error), last_error),"
                + " not_before = IF(" + NEWER + ", VALUES(not_before), not_before),"
                + " cancel = IF(" + NEWER + " AND VALUES(state) = 'CANCELLED', 'DONE', cancel),"
                + " state = IF(" + NEWER + ", VALUES(state), state),"
                + " updated_at = IF(" + NEWER + ", VALUES(updated_at), updated_at)")) {
            for (JobStatus s : states) {
                p.setString(1, s.id());
                p.setString(2, node);
                p.setString(3, s.tenant());
                p.setString(4, s.type());
                p.setString(5, s.state().name());
                p.setInt(6, s.attempts());
                p.setString(7, s.lastError() == null ? null : s.lastError().length() > 1000 ? s.lastError().substring(0, 1000) : s.lastError());
                p.setLong(8, s.enqueuedAt().toEpochMilli());
                if (s.notBefore() == null) {
                    p.setNull(9, Types.BIGINT);
                } else {
                    p.setLong(9, s.notBefore().toEpochMilli());
                }
                p.setLong(10, s.updatedAt().toEpochMilli());
                p.setString(11, s.state() == JobState.CANCELLED ? Cancel.DONE.name() : null);
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    /** The job's record, or null when no node of the fleet recorded it (or it was forgotten). */
    public Record get(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM queue_jobs WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? record(rs) : null;
            }
        }
    }

    /** Asks the record's owner to cancel the job: true when asked (it was waiting or delayed, and nothing was asked yet). */
    public boolean requestCancel(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("UPDATE queue_jobs SET cancel = 'REQUESTED'"
                + " WHERE id = ? AND state IN ('WAITING', 'DELAYED') AND (cancel IS NULL OR cancel = 'REFUSED')")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
        }
    }

    /** Withdraws an unanswered request: true when withdrawn (false: the owner answered meanwhile). */
    public boolean withdrawCancel(String id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE queue_jobs SET cancel = NULL WHERE id = ? AND cancel = 'REQUESTED'")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
        }
    }

    /**
     * The owner's answer to a request: DONE (the job is cancelled) or REFUSED (it had started, or is unknown to the owner).
     * True when it was the answer; false when the request was withdrawn or the record became another node's meanwhile.
     */
    public boolean answerCancel(String id, JobStatus now, boolean done) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("UPDATE queue_jobs SET cancel = ?,"
                + " state = IF(?, 'CANCELLED', state), updated_at = IF(?, GREATEST(updated_at, ?), updated_at)"
                + " WHERE id = ? AND cancel = 'REQUESTED' AND node = ?")) {
            p.setString(1, (done ? Cancel.DONE : Cancel.REFUSED).name());
            p.setBoolean(2, done);
            p.setBoolean(3, done);
            p.setLong(4, now == null ? System.currentTimeMillis() : now.updatedAt().toEpochMilli());
            p.setString(5, id);
            p.setString(6, node);
            return p.executeUpdate() == 1;
        }
    }

    /**
     * Cancels a job this node owns, as a compare-and-set on its record: true when the record is now cancelled (it was
     * this node's, or there was none yet, or it was cancelled already); false when it is another node's (which received
     * the job and decides), and nothing changed.
     */
    public boolean cancelIfOwner(JobStatus cancelled) throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("INSERT IGNORE INTO queue_jobs (id, node, tenant, type, state, attempts,"
                    + " last_error, enqueued_at, not_before, updated_at, cancel) VALUES (?, ?, ?, ?, 'CANCELLED', ?, ?, ?, ?, ?, 'DONE')")) {
                bind(p, cancelled);
                if (p.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE queue_jobs SET state = 'CANCELLED', cancel = 'DONE',"
                    + " updated_at = GREATEST(updated_at, ?) WHERE id = ? AND (node = ? OR state = 'CANCELLED')")) {
                p.setLong(1, cancelled.updatedAt().toEpochMilli());
                p.setString(2, cancelled.id());
                p.setString(3, node);
                return p.executeUpdate() == 1;
            }
        }
    }

    /**
     * This node received these waiting jobs from a queue other nodes receive from too: their records become this node's
     * (so a cancel through another node is this node's to answer, under its own lock), except those cancelled already,
     * whose ids are returned (this node must not start them). One statement for the batch, one to read the cancels.
     */
    public java.util.Set<String> claim(List<JobStatus> waiting) throws SQLException {
        java.util.Set<String> cancelled = new java.util.HashSet<>();
        if (waiting.isEmpty()) {
            return cancelled;
        }
        String rows = String.join(",", java.util.Collections.nCopies(waiting.size(), "(?, ?, ?, ?, 'WAITING', ?, ?, ?, ?, ?, NULL)"));
        String ids = String.join(",", java.util.Collections.nCopies(waiting.size(), "?"));
        try (Connection c = db.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO queue_jobs (id, node, tenant, type, state, attempts, last_error,"
                    + " enqueued_at, not_before, updated_at, cancel) VALUES " + rows
                    + " ON DUPLICATE KEY UPDATE node = IF(" + NEWER + ", VALUES(node), node),"
                    + " attempts = IF(" + NEWER + ", GREATEST(attempts, VALUES(attempts)), attempts),"
                    + " state = IF(" + NEWER + ", VALUES(state), state),"
                    + " updated_at = IF(" + NEWER + ", VALUES(updated_at), updated_at)")) {
                int i = 0;
                for (JobStatus s : waiting) {
                    p.setString(++i, s.id());
                    p.setString(++i, node);
                    p.setString(++i, s.tenant());
                    p.setString(++i, s.type());
                    p.setInt(++i, s.attempts());
                    p.setString(++i, null);
                    p.setLong(++i, s.enqueuedAt().toEpochMilli());
                    p.setNull(++i, Types.BIGINT);
                    p.setLong(++i, s.updatedAt().toEpochMilli());
                }
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("SELECT id FROM queue_jobs WHERE state = 'CANCELLED' AND id IN (" + ids + ")")) {
                int i = 0;
                for (JobStatus s : waiting) {
                    p.setString(++i, s.id());
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        cancelled.add(rs.getString(1));
                    }
                }
            }
        }
        return cancelled;
    }

    /** Binds id, node, tenant, type, attempts, last_error, enqueued_at, not_before, updated_at (the state is in the SQL). */
    private void bind(PreparedStatement p, JobStatus s) throws SQLException {
        p.setString(1, s.id());
        p.setString(2, node);
        p.setString(3, s.tenant());
        p.setString(4, s.type());
        p.setInt(5, s.attempts());
        p.setString(6, s.lastError() == null ? null : s.lastError().length() > 1000 ? s.lastError().substring(0, 1000) : s.lastError());
        p.setLong(7, s.enqueuedAt().toEpochMilli());
        if (s.notBefore() == null) {
            p.setNull(8, Types.BIGINT);
        } else {
            p.setLong(8, s.notBefore().toEpochMilli());
        }
        p.setLong(9, s.updatedAt().toEpochMilli());
    }

    /** Cancels asked and not answered yet, and cancels done since {@code sinceMillis} (every node drops those jobs). */
    public List<Record> cancels(long sinceMillis) throws SQLException {
        List<Record> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM queue_jobs"
                + " WHERE cancel = 'REQUESTED' OR (cancel = 'DONE' AND updated_at >= ?) LIMIT 10000")) {
            p.setLong(1, sinceMillis);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(record(rs));
                }
            }
        }
        return out;
    }

    /** Forgets records unchanged since {@code olderThanMillis}, except delayed jobs not due yet. */
    public int forget(long olderThanMillis) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM queue_jobs WHERE updated_at < ?"
                + " AND (not_before IS NULL OR not_before < ?) LIMIT 10000")) {
            p.setLong(1, olderThanMillis);
            p.setLong(2, System.currentTimeMillis());
            return p.executeUpdate();
        }
    }

    private static Record record(ResultSet rs) throws SQLException {
        long notBefore = rs.getLong(8);
        Instant nb = rs.wasNull() ? null : Instant.ofEpochMilli(notBefore);
        String cancel = rs.getString(11);
        return new Record(new JobStatus(rs.getString(1), rs.getString(2), rs.getString(3), JobState.valueOf(rs.getString(4)), rs.getInt(5),
                rs.getString(6), Instant.ofEpochMilli(rs.getLong(7)), nb, Instant.ofEpochMilli(rs.getLong(9))), rs.getString(10),
                cancel == null ? null : Cancel.valueOf(cancel));
    }
}
