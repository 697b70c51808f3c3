package io.headroom.queue.internal;

import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The state of the jobs this node accepted or ran lately, for {@code GET /jobs/{id}} and cancel: the most recent
 * {@code capacity} jobs, oldest forgotten first. Transitions that race (a cancel and a worker drawing the job) are
 * decided here, under one lock.
 */
final class JobTracker {
    private final Map<String, JobStatus> jobs;

    JobTracker(int capacity) {
        this.jobs = new LinkedHashMap<>(1024, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JobStatus> eldest) {
                return size() > capacity;
            }
        };
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
        jobs.put(job.id(), new JobStatus(job.id(), job.tenant().value(), job.type(), delayed ? JobState.DELAYED : JobState.WAITING,
                old == null ? job.attempt() - 1 : old.attempts(), lastError != null ? lastError : old == null ? null : old.lastError(),
                job.enqueuedAt(), notBefore, Instant.now()));
    }

    /** The job starts an attempt; false (and nothing changes) when it was cancelled. */
    synchronized boolean start(Job job) {
        JobStatus old = jobs.get(job.id());
        if (old != null && old.state() == JobState.CANCELLED) {
            return false;
        }
        jobs.put(job.id(), new JobStatus(job.id(), job.tenant().value(), job.type(), JobState.RUNNING, job.attempt(),
                old == null ? null : old.lastError(), job.enqueuedAt(), old == null ? null : old.notBefore(), Instant.now()));
        return true;
    }

    synchronized void ended(Job job, JobState state, String error) {
        JobStatus old = jobs.get(job.id());
        jobs.put(job.id(), new JobStatus(job.id(), job.tenant().value(), job.type(), state, Math.max(job.attempt(), old == null ? 0 : old.attempts()),
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
        jobs.put(id, new JobStatus(id, old.tenant(), old.type(), JobState.CANCELLED, old.attempts(), old.lastError(), old.enqueuedAt(),
                old.notBefore(), Instant.now()));
        return true;
    }

    synchronized boolean isCancelled(String id) {
        JobStatus s = jobs.get(id);
        return s != null && s.state() == JobState.CANCELLED;
    }
}
