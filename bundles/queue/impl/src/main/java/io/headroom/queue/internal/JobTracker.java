package io.headroom.queue.internal;

import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of the jobs this node accepted or ran lately, for {@code GET /jobs/{id}} and cancel: the most recent
 * {@code capacity} jobs, oldest forgotten first. Transitions that race (a cancel and a worker drawing the job) are
 * decided here, under one lock. While {@link #recordChanges} is on (a node of a fleet), the ids of changed jobs are
 * kept until {@link #drainChanged} hands their states to the control schema.
 */
final class JobTracker {
    private final Map<String, JobStatus> jobs;
    private final int capacity;
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private volatile boolean recording;

    JobTracker(int capacity) {
        this.capacity = capacity;
        this.jobs = new LinkedHashMap<>(1024, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JobStatus> eldest) {
                return size() > capacity;
            }
        };
    }

    /** From now on, the ids of changed jobs are kept for {@link #drainChanged}. */
    void recordChanges() {
        recording = true;
    }

    private void put(JobStatus s) {
        jobs.put(s.id(), s);
        if (recording) {
            changed.add(s.id());
        }
    }

    /** The current states of jobs changed since the last call (at most {@code max}; the rest wait for the next call). */
    List<JobStatus> drainChanged(int max) {
        List<JobStatus> out = new ArrayList<>();
        for (String id : changed) {
            if (out.size() >= max) {
                break;
            }
            changed.remove(id);
            JobStatus s;
            synchronized (this) {
                s = jobs.get(id);
            }
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** States that could not be written: kept for the next call of {@link #drainChanged}, within the tracker's capacity. */
    void changedAgain(List<JobStatus> states) {
        for (JobStatus s : states) {
            if (changed.size() >= capacity) {
                return;
            }
            changed.add(s.id());
        }
    }

    /**
     * Another node cancelled the job: this node never starts it either (if it draws it later, from SQS, it drops it).
     * Not recorded as a change: the record says so already.
     */
    synchronized void cancelledElsewhere(JobStatus s) {
        JobStatus old = jobs.get(s.id());
        if (old == null || old.state() == JobState.WAITING || old.state() == JobState.DELAYED) {
            jobs.put(s.id(), new JobStatus(s.id(), s.tenant(), s.type(), JobState.CANCELLED, s.attempts(), s.lastError(), s.enqueuedAt(),
                    s.notBefore(), s.updatedAt()));
        }
    }

    synchronized Optional<JobStatus> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Queued (again), or delayed until {@code notBefore}; keeps a cancel. */
    synchronized void waiting(Job job, Instant notBefore, String lastError) {
        JobStatus old = jobs.get(job.id());
        if (old != null && old.state() == JobState.CANCELLED) {
            return;
        }
        boolean delayed = notBefore != null && notBefore.isAfter(Instant.now());
        put(new JobStatus(job.id(), job.tenant().value(), job.type(), delayed ? JobState.DELAYED : JobState.WAITING,
                old == null ? job.attempt() - 1 : old.attempts(), lastError != null ? lastError : old == null ? null : old.lastError(),
                job.enqueuedAt(), notBefore, Instant.now()));
    }

    /** The job starts an attempt; false (and nothing changes) when it was cancelled. */
    synchronized boolean start(Job job) {
        JobStatus old = jobs.get(job.id());
        if (old != null && old.state() == JobState.CANCELLED) {
            return false;
        }
        put(new JobStatus(job.id(), job.tenant().value(), job.type(), JobState.RUNNING, job.attempt(),
                old == null ? null : old.lastError(), job.enqueuedAt(), old == null ? null : old.notBefore(), Instant.now()));
        return true;
    }

    synchronized void ended(Job job, JobState state, String error) {
        JobStatus old = jobs.get(job.id());
        put(new JobStatus(job.id(), job.tenant().value(), job.type(), state, Math.max(job.attempt(), old == null ? 0 : old.attempts()),
                error != null ? error : old == null ? null : old.lastError(), job.enqueuedAt(), old == null ? null : old.notBefore(), Instant.now()));
    }

    /** Cancels a waiting or delayed job: null when unknown here, false when it is past waiting. */
    synchronized Boolean cancel(String id) {
        JobStatus old = jobs.get(id);
        if (old == null) {
            return null;
        }
        if (old.state() == JobState.CANCELLED) {
            return true;
        }
        if (old.state() != JobState.WAITING && old.state() != JobState.DELAYED) {
            return false;
        }
        put(new JobStatus(id, old.tenant(), old.type(), JobState.CANCELLED, old.attempts(), old.lastError(), old.enqueuedAt(),
                old.notBefore(), Instant.now()));
        return true;
    }

    /** A cancel made here did not hold (the record was another node's, or nobody took the answer): the job is as before. */
    synchronized void restore(JobStatus before) {
        JobStatus now = jobs.get(before.id());
        if (now != null && now.state() == JobState.CANCELLED && before.state() != JobState.CANCELLED) {
            put(before);
        }
    }

    synchronized boolean isCancelled(String id) {
        JobStatus s = jobs.get(id);
        return s != null && s.state() == JobState.CANCELLED;
    }
}
