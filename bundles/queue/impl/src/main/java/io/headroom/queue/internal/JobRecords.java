package io.headroom.queue.internal;

import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.internal.store.JobStore;
import java.sql.SQLException;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job states for the whole fleet: every {@code flushMillis} this node writes the states its jobs reached to the control
 * schema ({@link JobStore}), answers the cancels other nodes asked of the jobs it owns, and stops jobs other nodes
 * cancelled from starting here. A node answers {@code GET /jobs/{id}} with the newer of its own state and the record
 * (which lags the node that changed it by at most one flush interval); a cancel of a job this node does not own waits up
 * to {@link #cancelWaitMillis} for the owner's answer, and is withdrawn, changing nothing, when none comes. Records are
 * forgotten {@value #KEEP_HOURS} hour after their last change (delayed jobs not due yet are kept).
 */
final class JobRecords {
    private static final Logger LOG = LoggerFactory.getLogger(JobRecords.class);
    static final int KEEP_HOURS = 1;
    private static final int WRITE_BATCH = 1000;
    private static final int WRITE_PER_ROUND = 10_000;
    /** How far back cancels done elsewhere are read again (a node that missed rounds still drops those jobs). */
    private static final long CANCELS_SEEN_MILLIS = TimeUnit.MINUTES.toMillis(2);

    private final JobTracker tracker;
    private final JobStore store;
    private final String node;
    private final long cancelWaitMillis;
    private long forgotAt = System.currentTimeMillis();

    JobRecords(JobTracker tracker, DataSource db, String node, long flushMillis) {
        this.tracker = tracker;
        this.store = new JobStore(db, node);
        this.node = node;
        this.cancelWaitMillis = Math.max(2000, 4 * flushMillis);
        tracker.recordChanges();
    }

    /** One round: write what changed here, answer and apply cancels, now and then forget old records. */
    synchronized void round() {
        try {
            int written = 0;
            List<JobStatus> batch;
            while (written < WRITE_PER_ROUND && !(batch = tracker.drainChanged(WRITE_BATCH)).isEmpty()) {
                try {
                    store.write(batch);
                } catch (SQLException | RuntimeException e) {
                    tracker.changedAgain(batch);
                    throw e;
                }
                written += batch.size();
            }
            for (JobStore.Record r : store.cancels(System.currentTimeMillis() - CANCELS_SEEN_MILLIS)) {
                if (r.cancel() == JobStore.Cancel.REQUESTED && node.equals(r.node())) {
                    Boolean done = tracker.cancel(r.status().id());
                    store.answerCancel(tracker.get(r.status().id()).orElse(null), Boolean.TRUE.equals(done));
                } else if (r.cancel() == JobStore.Cancel.DONE) {
                    tracker.cancelledElsewhere(r.status());
                }
            }
            long now = System.currentTimeMillis();
            if (now - forgotAt > TimeUnit.MINUTES.toMillis(1)) {
                forgotAt = now;
                store.forget(now - TimeUnit.HOURS.toMillis(KEEP_HOURS));
            }
        } catch (SQLException | RuntimeException e) {
            if (ControlStore.isUnreachable(e)) {
                LOG.debug("queue: control schema unreachable; job states are written when it is back");
            } else {
                LOG.warn("queue: writing job states to the control schema failed (next round retries): {}", e.toString());
            }
        }
    }

    /** Writes a job's state now (a job this node finished for a node that is gone). */
    void write(JobStatus state) throws SQLException {
        store.write(List.of(state));
    }

    /** The newer of this node's state and the fleet's record; this node's alone when the control schema cannot be read. */
    Optional<JobStatus> job(String id) {
        Optional<JobStatus> local = tracker.get(id);
        JobStore.Record r;
        try {
            r = store.get(id);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("queue: reading job {} from the control schema failed: {}", id, e.toString());
            return local;
        }
        if (r == null) {
            return local;
        }
        if (local.isEmpty() || r.status().updatedAt().isAfter(local.get().updatedAt())) {
            return Optional.of(r.status());
        }
        return local;
    }

    /**
     * Cancels a waiting job: here when this node knows it at least as well as the record, else through the record's owner.
     * False when it is not waiting any more; NoSuchElementException when no node knows it.
     */
    boolean cancel(String id) {
        JobStore.Record r;
        try {
            r = store.get(id);
        } catch (SQLException | RuntimeException e) {
            r = null; // decided on what this node knows
        }
        Optional<JobStatus> local = tracker.get(id);
        if (local.isPresent() && (r == null || node.equals(r.node()) || !r.status().updatedAt().isAfter(local.get().updatedAt()))) {
            Boolean done = tracker.cancel(id);
            if (done != null) {
                return done;
            }
        }
        if (r == null) {
            throw new NoSuchElementException("no job " + id + " is known in the fleet");
        }
        return cancelThroughOwner(id, r);
    }

    private boolean cancelThroughOwner(String id, JobStore.Record r) {
        try {
            if (r.status().state() == JobState.CANCELLED) {
                return true;
            }
            if (!store.requestCancel(id)) {
                JobStore.Record now = store.get(id);
                if (now == null) {
                    throw new NoSuchElementException("no job " + id + " is known in the fleet");
                }
                if (now.cancel() == JobStore.Cancel.REQUESTED) {
                    return awaitAnswer(id); // asked by another caller: the same answer
                }
                return now.status().state() == JobState.CANCELLED;
            }
            return awaitAnswer(id);
        } catch (SQLException e) {
            throw new QueueUnavailableException("the job cannot be cancelled now (control schema: " + e.getMessage() + "); retry", e);
        }
    }

    private boolean awaitAnswer(String id) throws SQLException {
        long until = System.currentTimeMillis() + cancelWaitMillis;
        while (System.currentTimeMillis() < until) {
            JobStore.Record now = store.get(id);
            if (now == null) {
                throw new NoSuchElementException("no job " + id + " is known in the fleet");
            }
            if (now.cancel() == JobStore.Cancel.DONE || now.status().state() == JobState.CANCELLED) {
                return true;
            }
            if (now.cancel() == JobStore.Cancel.REFUSED) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (store.withdrawCancel(id)) {
            throw new QueueUnavailableException("the node holding job " + id + " did not answer the cancel within " + cancelWaitMillis
                    + " ms; nothing was changed, retry", null);
        }
        JobStore.Record now = store.get(id);
        return now != null && (now.cancel() == JobStore.Cancel.DONE || now.status().state() == JobState.CANCELLED);
    }
}
