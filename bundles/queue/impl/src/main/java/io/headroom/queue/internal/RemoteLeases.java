package io.headroom.queue.internal;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import io.headroom.queue.api.Lease;
import io.headroom.queue.api.LeaseConflictException;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.LeaseHandover;
import io.headroom.queue.internal.store.LeaseStore;
import io.headroom.queue.internal.store.TypeStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases a node hands out for remote job types: pull workers' leases (long-polled requests wait here for jobs) and
 * push deliveries'. A lease is acked, nacked, extended or expires; while the node is part of a fleet with other live
 * nodes, pull leases are recorded in the control schema ({@link LeaseStore}) so that any node may settle them, the
 * record deciding, and this node finishes the jobs of its leases that others settled. The jobs themselves stay with
 * the queue ({@link WorkerQueue#leaseEnded}). Each record keeps the job's handle in the backend, so that when the
 * holder is gone (killed, restarted) the node that settled the lease, or any node soon after, finishes the job
 * itself ({@link LeaseHandover}): an ack through any node deletes the job, whoever handed it out.
 */
final class RemoteLeases {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLeases.class);

    /** A lease handed out by this node; {@code expiresAt} moves when it is extended. */
    static final class LeaseEntry {
        final String id;
        final Job job;
        final long startNanos = System.nanoTime();
        volatile long expiresAt;
        /** Recorded in the control schema, so any node may settle it (the record decides; this node's clock does not). */
        final boolean shared;

        LeaseEntry(String id, Job job, long expiresAt, boolean shared) {
            this.id = id;
            this.job = job;
            this.expiresAt = expiresAt;
            this.shared = shared;
        }
    }

    private enum Ended { ACKED, NACKED, EXPIRED }

    private record Tombstone(Ended how, long at) {
    }

    /** A lease request waiting for jobs. */
    private record Waiter(int max, int visibilitySeconds, CompletableFuture<List<Lease>> result) {
    }

    private final WorkerQueue q;
    /** The control schema's record of leases, while this node is part of a fleet; null on a node on its own. */
    private final LeaseStore leaseStore;
    private final Map<String, ArrayDeque<Waiter>> waiters = new ConcurrentHashMap<>();
    private final Map<String, LeaseEntry> leases = new ConcurrentHashMap<>();
    /**
     * How the last {@value #ENDED_LEASES} leases ended (so a second ack is answered as the first, and a late one with
     * 409); a lease older than that is unknown (404), which changes nothing either.
     */
    private final Map<String, Tombstone> endedLeases = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

            protected boolean removeEldestEntry(Map.Entry<String, Tombstone> eldest) {
            return size() > ENDED_LEASES;
        }
    });
    private static final int ENDED_LEASES = 100_000;
    /** How long a live holder is given to finish a lease another node settled before any node finishes it. */
    static final long HANDOVER_GRACE_MILLIS = 10_000;
    /** How often this node looks for settled leases whose holders did not finish them. */
    private static final long HANDOVER_SWEEP_MILLIS = 1_000;
    private long sweptAt = System.currentTimeMillis();
    /** The fleet, while this node is part of one (with {@link #leaseStore}); else null. */
    private final Fleet nodes;
    private final JobRecords jobRecords;
    /** Starts every lease id this node (this activation) hands out, so another node's lease is told apart from an unknown one. */
    private final String leasePrefix = UUID.randomUUID().toString().substring(0, 8) + "-";
    RemoteLeases(WorkerQueue q, LeaseStore leaseStore, Fleet nodes, JobRecords jobRecords) {
        this.q = q;
        this.leaseStore = leaseStore;
        this.nodes = nodes;
        this.jobRecords = jobRecords;
    }

    /** Answers every waiting lease request with nothing (the queue stops). */
    void close() {
        waiters.values().forEach(queued -> {
            synchronized (queued) {
                queued.forEach(w -> w.result().complete(List.of()));
                queued.clear();
            }
        });
    }

    /** Forgets how leases ended before {@code olderThanMillis}, here and in the control schema. */
    void forget(long olderThanMillis) {
        synchronized (endedLeases) {
            endedLeases.values().removeIf(t -> t.at() < olderThanMillis);
        }
        if (leaseStore != null) {
            try {
                leaseStore.forget(new java.sql.Timestamp(olderThanMillis));
            } catch (SQLException | RuntimeException e) {
                LOG.debug("queue: forgetting settled leases failed (next round retries): {}", e.toString());
            }
        }
    }

    CompletionStage<List<Lease>> lease(String type, int max, int visibilitySeconds, long waitMillis) {
        TypeStore.Stored t = q.storedType(type);
        if (t == null || t.type().delivery() != Delivery.PULL) {
            throw new NoSuchElementException("no pull type '" + type + "' is declared");
        }
        if (max < 1 || max > 100) {
            throw new IllegalArgumentException("'max' must be 1-100");
        }
        int visibility = visibilitySeconds <= 0 ? t.type().visibilitySeconds() : visibilitySeconds;
        if (visibility > 43_200) {
            throw new IllegalArgumentException("'visibilitySeconds' must be 1-43200");
        }
        if (waitMillis < 0 || waitMillis > 20_000) {
            throw new IllegalArgumentException("'waitSeconds' must be 0-20");
        }
        List<Lease> now = leaseNow(type, max, visibility);
        if (!now.isEmpty() || waitMillis == 0) {
            return CompletableFuture.completedFuture(now);
        }
        Waiter w = new Waiter(max, visibility, new CompletableFuture<>());
        ArrayDeque<Waiter> queued = waiters.computeIfAbsent(type, k -> new ArrayDeque<>());
        synchronized (queued) {
            queued.addLast(w);
        }
        serveWaiters(type); // a job may have come between the first try and the wait
        q.timers.schedule(() -> {
            synchronized (queued) {
                if (queued.remove(w)) {
                    w.result().complete(List.of());
                }
            }
        }, waitMillis, TimeUnit.MILLISECONDS);
        return w.result();
    }

    void serveWaiters(String type) {
        ArrayDeque<Waiter> queued = waiters.get(type);
        if (queued == null) {
            return;
        }
        synchronized (queued) {
            while (!queued.isEmpty()) {
                Waiter w = queued.peekFirst();
                List<Lease> got = leaseNow(type, w.max(), w.visibilitySeconds());
                if (got.isEmpty()) {
                    return;
                }
                queued.pollFirst();
                w.result().complete(got);
            }
        }
    }

    /**
     * Leases what the type's scheduler hands out now, within the type's concurrency in the fleet (this node's leases plus
     * the others' as last read). While the fleet has other nodes the leases are recorded in the control schema, so an
     * ack, nack or extend may reach any node.
     */
    List<Lease> leaseNow(String type, int max, int visibilitySeconds) {
        TypeStore.Stored t = q.storedType(type);
        if (t == null) {
            return List.of();
        }
        FairScheduler s = q.schedulerFor(type);
        List<Job> got = new ArrayList<>();
        List<Job> cancelled = new ArrayList<>();
        int elsewhere = q.fleet() == null ? 0 : q.fleet().inFlightElsewhere(type); // the type's concurrency holds for the fleet
        synchronized (s) {
            while (got.size() < max && s.inFlight() + elsewhere < t.type().concurrency()) {
                Job job = s.next();
                if (job == null) {
                    break;
                }
                if (!q.tracker.start(job)) {
                    s.done(job, 0);
                    cancelled.add(job);
                    continue;
                }
                got.add(job);
            }
        }
        cancelled.forEach(q::dropCancelled);
        if (got.isEmpty()) {
            return List.of();
        }
        List<LeaseStore.NewLease> fresh = new ArrayList<>(got.size());
        for (Job job : got) {
            fresh.add(new LeaseStore.NewLease(leasePrefix + UUID.randomUUID(), job, visibilitySeconds, q.leaseHandle(job)));
        }
        boolean shared = false;
        // push deliveries are settled by the node that makes them: only pull workers' leases need recording
        if (leaseStore != null && !q.fleet().alone() && t.type().delivery() == Delivery.PULL) {
            try {
                leaseStore.held(fresh);
                shared = true;
            } catch (SQLException | RuntimeException e) {
                // still leased, but only this node can settle them
                LOG.warn("queue: {} leases not recorded in the control schema (only this node can settle them): {}", fresh.size(), e.toString());
            }
        }
        List<Lease> out = new ArrayList<>(fresh.size());
        long expiresAt = System.currentTimeMillis() + visibilitySeconds * 1000L;
        for (LeaseStore.NewLease l : fresh) {
            LeaseEntry e = new LeaseEntry(l.id(), l.job(), expiresAt, shared);
            leases.put(e.id, e);
            out.add(new Lease(e.id, e.job, Instant.ofEpochMilli(e.expiresAt)));
        }
        q.leased(got, expiresAt);
        return out;
    }

    /** Ends a lease that is still held, or says why it cannot be; null when there is nothing more to do here. */
    private LeaseEntry take(String leaseId, Ended how, String error, long delayMillis) {
        LeaseEntry e = leases.get(leaseId);
        if (e == null) {
            Tombstone t = endedLeases.get(leaseId);
            if (t == null) {
                if (leaseStore != null && !leaseId.startsWith(leasePrefix)) {
                    settleElsewhere(leaseId, how, error, delayMillis);
                    return null;
                }
                throw new NoSuchElementException(leaseId.startsWith(leasePrefix) ? "no lease " + leaseId + " is known on this node"
                        : "lease " + leaseId + " was not handed out by this node (or by it before a restart), and no node of the fleet"
                        + " recorded it; an unsettled lease expires and its job is leased again");
            }
            if (t.how() == Ended.ACKED && how == Ended.ACKED) {
                return null; // acked already: acks are idempotent
            }
            throw new LeaseConflictException("lease " + leaseId + " was " + t.how().name().toLowerCase() + " already; its job was not changed");
        }
        if (e.shared) {
            // the control schema's record decides: another node may have extended or settled it
            boolean settled;
            try {
                settled = leaseStore.settle(leaseId, LeaseStore.State.valueOf(how.name()), error, delayMillis, true);
            } catch (SQLException ex) {
                throw new QueueUnavailableException("the lease cannot be settled now (control schema: "
                        + ex.getMessage() + "); retry, or let it expire", ex);
            }
            if (!settled) {
                explain(leaseId, how, e);
                return null;
            }
        } else if (e.expiresAt <= System.currentTimeMillis()) {
            expire(e);
            throw new LeaseConflictException("lease " + leaseId + " expired; its job goes back to the queue");
        }
        if (!leases.remove(leaseId, e)) {
            if (e.shared) {
                return null; // settled here and finished by a concurrent round
            }
            return take(leaseId, how, error, delayMillis);
        }
        endedLeases.put(leaseId, new Tombstone(how, System.currentTimeMillis()));
        return e;
    }

    /**
     * Settles a lease another node handed out, in the control schema; that node finishes the job when it next looks,
     * or this one does now when that node is gone.
     */
    private void settleElsewhere(String leaseId, Ended how, String error, long delayMillis) {
        try {
            if (!leaseStore.settle(leaseId, LeaseStore.State.valueOf(how.name()), error, delayMillis, false)) {
                explain(leaseId, how, null);
                return;
            }
        } catch (SQLException e) {
            throw new QueueUnavailableException("the lease cannot be settled now (control schema: "
                    + e.getMessage() + "); retry, or let it expire", e);
        }
        try {
            LeaseStore.Unfinished u = leaseStore.unfinished(leaseId);
            if (u != null && finishHere(u.row().node(), leaseId, u.settledAgoMillis())) {
                finishForGoneHolder(u);
            }
        } catch (SQLException | RuntimeException e) {
            // settled all the same: the holder, or the next sweep of any node, finishes it
            LOG.debug("queue: lease {} settled; finishing its job here failed: {}", leaseId, e.toString());
        }
    }

    private boolean finishHere(String holder, String leaseId, long settledAgoMillis) {
        Set<String> live = new java.util.HashSet<>();
        nodes.liveNodes().forEach(n -> live.add(n.id()));
        return LeaseHandover.finishHere(holder, leaseId.startsWith(leasePrefix), nodes.nodeId(), live, settledAgoMillis,
                HANDOVER_GRACE_MILLIS);
    }

    /**
     * Finishes the job of a settled lease whose holder is gone, through the job's handle in the backend, and records its
     * state for the fleet; only the node that claims it does (the holder, if it was only slow, finishes it again, which
     * deletes or hides the same message twice).
     */
    private void finishForGoneHolder(LeaseStore.Unfinished u) throws SQLException {
        String id = u.row().id();
        if (!leaseStore.claim(id)) {
            return; // finished by its holder or another node meanwhile
        }
        Job job = u.job();
        boolean acked = u.row().state() == LeaseStore.State.ACKED;
        String error = acked ? null : u.row().error() == null ? "failed (nack)" : u.row().error();
        if (u.handle() != null) {
            try {
                q.finishForGoneHolder(u.handle(), acked ? -1 : q.retryDelayMillis(job, u.row().delayMillis()));
            } catch (RuntimeException e) {
                LOG.warn("queue: job {} of lease {} (holder {} gone) was not finished; it comes back after its visibility timeout: {}",
                        job.id(), id, u.row().node(), e.toString());
                return;
            }
        }
        // the claim makes this node the one that counts the attempt (the holder, if it was only slow, does not)
        settledForGoneHolder(job, error, u.handle() != null);
        if (u.handle() == null && !acked) {
            return; // the job waited on its holder alone (in-process) and went with it: nothing comes back to record
        }
        if (jobRecords != null) {
            jobRecords.write(new JobStatus(job.id(), job.tenant().value(), job.type(), acked ? JobState.SUCCEEDED : JobState.WAITING,
                    job.attempt(), error, job.enqueuedAt(), null, Instant.now()));
        }
        LOG.info("queue: finished job {} of lease {} ({}) for node {}, which is gone", job.id(), id,
                u.row().state().name().toLowerCase(), u.row().node());
    }

    /** Finishes the jobs of settled leases whose holders did not (they are gone, or past the grace). */
    private void finishForGoneHolders() {
        try {
            for (LeaseStore.Unfinished u : leaseStore.unfinished(HANDOVER_SWEEP_MILLIS, 100)) {
                if (finishHere(u.row().node(), u.row().id(), u.settledAgoMillis())) {
                    finishForGoneHolder(u);
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("queue: finishing leases of gone nodes failed (next round retries): {}", e.toString());
        }
    }

    /** Why a recorded lease could not be settled: returns for a repeated ack, else throws the reason. */
    private void explain(String leaseId, Ended how, LeaseEntry local) {
        LeaseStore.Row r;
        try {
            r = leaseStore.get(leaseId);
        } catch (SQLException e) {
            throw new QueueUnavailableException("the lease cannot be checked now (control schema: " + e.getMessage() + ")", e);
        }
        if (r == null) {
            throw new NoSuchElementException("no lease " + leaseId + " is known in the fleet");
        }
        if (r.state() == LeaseStore.State.HELD) {
            if (local != null) {
                expire(local);
            }
            throw new LeaseConflictException("lease " + leaseId + " expired; its job goes back to the queue");
        }
        if (r.state() == LeaseStore.State.ACKED && how == Ended.ACKED) {
            return; // acked already: acks are idempotent
        }
        throw new LeaseConflictException("lease " + leaseId + " was " + r.state().name().toLowerCase() + " already; its job was not changed");
    }

    void ack(String leaseId) {
        LeaseEntry e = take(leaseId, Ended.ACKED, null, -1);
        if (e != null) {
            ended(e, null, -1);
        }
    }

    void nack(String leaseId, long delayMillis, String error) {
        String why = error == null || error.isBlank() ? "failed (nack)" : error;
        LeaseEntry e = take(leaseId, Ended.NACKED, why, delayMillis);
        if (e != null) {
            ended(e, why, delayMillis);
        }
    }

    Lease extend(String leaseId, int visibilitySeconds) {
        if (visibilitySeconds < 1 || visibilitySeconds > 43_200) {
            throw new IllegalArgumentException("'visibilitySeconds' must be 1-43200");
        }
        LeaseEntry e = leases.get(leaseId);
        boolean recorded = e != null ? e.shared : leaseStore != null && !leaseId.startsWith(leasePrefix) && endedLeases.get(leaseId) == null;
        if (recorded) {
            try {
                Long at = leaseStore.extend(leaseId, visibilitySeconds);
                if (at == null) {
                    explain(leaseId, Ended.NACKED, e); // throws the reason
                    throw new NoSuchElementException("no lease " + leaseId);
                }
                if (e != null) {
                    e.expiresAt = at;
                    q.leased(List.of(e.job), at);
                    return new Lease(e.id, e.job, Instant.ofEpochMilli(at));
                }
                LeaseStore.Held held = leaseStore.held(leaseId);
                if (held == null) {
                    throw new NoSuchElementException("no lease " + leaseId + " is known in the fleet");
                }
                if (held.handle() != null && finishHere(held.node(), leaseId, 0)) {
                    try {
                        // nobody else keeps the message hidden; the margin as the holder would have kept it
                        q.finishForGoneHolder(held.handle(), visibilitySeconds * 1000L + SqsReceipts.LEASE_MARGIN_MILLIS);
                    } catch (RuntimeException ex) {
                        LOG.warn("queue: lease {} extended, but its job's visibility was not (holder {} gone): {}", leaseId, held.node(), ex.toString());
                    }
                }
                return new Lease(leaseId, held.job(), Instant.ofEpochMilli(at));
            } catch (SQLException ex) {
                throw new QueueUnavailableException("the lease cannot be extended now (control schema: "
                        + ex.getMessage() + ")", ex);
            }
        }
        if (e == null || e.expiresAt <= System.currentTimeMillis()) {
            take(leaseId, Ended.NACKED, null, -1); // throws the reason
            throw new NoSuchElementException("no lease " + leaseId);
        }
        e.expiresAt = System.currentTimeMillis() + visibilitySeconds * 1000L;
        q.leased(List.of(e.job), e.expiresAt);
        return new Lease(e.id, e.job, Instant.ofEpochMilli(e.expiresAt));
    }

    private void expire(LeaseEntry e) {
        if (e.shared) {
            try {
                if (!leaseStore.settle(e.id, LeaseStore.State.EXPIRED, "lease expired", -1, true)) {
                    long left = leaseStore.remainingMillis(e.id);
                    if (left >= 0) {
                        e.expiresAt = System.currentTimeMillis() + Math.max(left, 50); // extended through another node
                        q.leased(List.of(e.job), e.expiresAt); // within the margin SQS keeps the message past the old expiry
                        return;
                    }
                    // settled through another node: finished here (another node may have finished it already, taking this node for gone)
                    LeaseStore.Row r = leaseStore.get(e.id);
                    if (r != null && r.state() != LeaseStore.State.HELD) {
                        finishSettled(r);
                    }
                    return;
                }
            } catch (SQLException ex) {
                // this node cannot tell; it returns the job (at least once: a late ack elsewhere cannot delete it twice)
                LOG.debug("queue: expiring lease {} without the control schema: {}", e.id, ex.toString());
            }
        }
        if (leases.remove(e.id, e)) {
            endedLeases.put(e.id, new Tombstone(Ended.EXPIRED, System.currentTimeMillis()));
            ended(e, "lease expired", -1);
        }
    }

    void expireLeases() {
        long now = System.currentTimeMillis();
        boolean anyShared = false;
        for (LeaseEntry e : leases.values()) {
            anyShared |= e.shared;
            if (e.expiresAt <= now) {
                expire(e);
            }
        }
        if (anyShared) {
            finishSettledElsewhere();
        }
        if (leaseStore != null && now - sweptAt >= HANDOVER_SWEEP_MILLIS) {
            sweptAt = now;
            finishForGoneHolders();
        }
    }

    /** Finishes the jobs of this node's leases that other nodes acked or nacked. */
    private void finishSettledElsewhere() {
        try {
            for (LeaseStore.Row r : leaseStore.settledElsewhere()) {
                if (r.id().startsWith(leasePrefix)) { // else another backend's (or an earlier activation's) lease on this node
                    finishSettled(r);
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("queue: reading leases settled on other nodes failed (next round retries): {}", e.toString());
        }
    }

    /**
     * Finishes the job of this node's lease that another node settled, unless a node that took this one for gone
     * finished it first (the claim decides, so the attempt is counted once): then this node only forgets the job.
     */
    private void finishSettled(LeaseStore.Row r) throws SQLException {
        boolean mine = leaseStore.claim(r.id());
        LeaseEntry e = leases.remove(r.id());
        if (e == null) {
            return;
        }
        boolean acked = r.state() == LeaseStore.State.ACKED;
        endedLeases.put(r.id(), new Tombstone(acked ? Ended.ACKED : r.state() == LeaseStore
                .State.NACKED ? Ended.NACKED : Ended.EXPIRED, System.currentTimeMillis()));
        String error = acked ? null : r.error() == null ? "failed (nack)" : r.error();
        if (mine) {
            ended(e, error, r.delayMillis());
        } else {
            leaseFinishedElsewhere(e, acked, error, r.delayMillis());
        }
    }

    /**
     * A lease whose holder is gone was settled and its job finished here (deleted or hidden through its handle in the
     * backend when {@code inBackend}, else only recorded): the attempt counts here, once, and an acked job that
     * outlives nodes (SQS) is no longer open, counted off here as by whichever node finishes a job.
     */
    private void settledForGoneHolder(Job job, String error, boolean inBackend) {
        q.tenants().accountSettled(job, error);
        if (error == null && inBackend && q.jobsOutliveNodes()) {
            q.release(job);
        }
    }

    /**
     * Another node finished the job of a lease this node handed out, taking this node for gone, and counted the attempt:
     * this node forgets the job (SQS: deleted or hidden by that node), except that a nacked job only this node's memory
     * holds (in-process) is retried here as usual, uncounted.
     */
    private void leaseFinishedElsewhere(LeaseEntry e, boolean acked, String error, long retryDelayMillis) {
        Job job = e.job;
        q.schedulerFor(job.type()).done(job, System.nanoTime() - e.startNanos);
        if (!acked && !q.jobsOutliveNodes()) {
            q.finish(job, error, retryDelayMillis);
        } else if (acked) {
            q.tracker.ended(job, JobState.SUCCEEDED, null);
            q.forgetHeld(job);
            if (!q.jobsOutliveNodes()) {
                q.release(job); // accepted here, and counted open here only (the other node counts off SQS jobs)
            }
        } else {
            q.tracker.waiting(job, null, error);
            q.forgetHeld(job);
        }
        q.remoteWork(job.type());
    }

    private void ended(LeaseEntry e, String error, long retryDelayMillis) {
        q.leaseEnded(e.job, e.startNanos, error, retryDelayMillis);
    }

}
