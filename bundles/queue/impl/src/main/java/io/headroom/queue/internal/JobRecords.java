package io.headroom.queue.internal;

import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.internal.store.JobStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
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
    private final boolean jobsMove;
    private long forgotAt = System.currentTimeMillis();

    /**
     * @param jobsMove whether another node may receive and start a job this node accepted (SQS), so that a cancel must
     *                 hold on the record before it is answered
     */
    JobRecords(JobTracker tracker, DataSource db, String node, long flushMillis, boolean jobsMove) {
        this.jobsMove = jobsMove;
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
                    String id = r.status().id();
                    JobStatus before = tracker.get(id).orElse(null);
                    if (before == null) {
                        continue; // the other backend's job on this node (both write records as this node): it answers
                    }
                    boolean done = Boolean.TRUE.equals(tracker.cancel(id));
                    if (!store.answerCancel(id, tracker.get(id).orElse(null), done) && done) {
                        tracker.restore(before); // withdrawn, or the job was claimed by a node that received it: not cancelled here
                    }
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
            Boolean done = cancelHere(id);
            if (done != null) {
                return done;
            }
            try {
                r = store.get(id); // another node's record now: it answers
            } catch (SQLException | RuntimeException e) {
                throw new QueueUnavailableException("the job cannot be cancelled now (control schema: " + e.getMessage() + "); retry", e);
            }
        }
        if (r == null) {
            throw new NoSuchElementException("no job " + id + " is known in the fleet");
        }
        return cancelThroughOwner(id, r);
    }

    /**
     * Cancels a job this node knows: under this node's lock (no worker starts it meanwhile), then as a compare-and-set
     * on the record, which holds only while the record is this node's. Null when it is another node's (a node that
     * received the job from SQS claimed it): nothing changed here, and that node decides. Synchronized with
     * {@link #round}, so the cancel is not written before it holds.
     */
    private synchronized Boolean cancelHere(String id) {
        JobStatus before;
        Boolean done;
        synchronized (tracker) {
            before = tracker.get(id).orElse(null);
            done = tracker.cancel(id);
        }
        if (!Boolean.TRUE.equals(done) || before.state() == JobState.CANCELLED) {
            return done; // unknown here, started here (409), or cancelled already
        }
        try {
            if (store.cancelIfOwner(tracker.get(id).orElseThrow())) {
                return true;
            }
        } catch (SQLException | RuntimeException e) {
            if (!jobsMove) {
                return true; // only this node can start it: its own lock decided
            }
            tracker.restore(before);
            throw new QueueUnavailableException("the job cannot be cancelled now (control schema: " + e.getMessage() + "); retry", e);
        }
        tracker.restore(before);
        return null;
    }

    /**
     * This node received these jobs from SQS, which every node receives from: their records become this node's before
     * any of them may start here, so that a cancel and a start meet on one record. Returns the ids of those cancelled
     * already (this node drops them); none when the control schema cannot be reached (then a cancel through another
     * node in the next flush interval may still lose to a start here).
     */
    Set<String> claim(List<Job> received) {
        if (received.isEmpty()) {
            return Set.of();
        }
        List<JobStatus> waiting = new ArrayList<>(received.size());
        Instant now = Instant.now();
        for (Job j : received) {
            waiting.add(new JobStatus(j.id(), j.tenant().value(), j.type(), JobState.WAITING, j.attempt() - 1, null, j.enqueuedAt(), null, now));
        }
        try {
            Set<String> cancelled = store.claim(waiting);
            for (JobStatus w : waiting) {
                if (cancelled.contains(w.id())) {
                    tracker.cancelledElsewhere(w);
                }
            }
            return cancelled;
        } catch (SQLException | RuntimeException e) {
            LOG.debug("queue: claiming {} received jobs in the control schema failed: {}", received.size(), e.toString());
            return Set.of();
        }
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
