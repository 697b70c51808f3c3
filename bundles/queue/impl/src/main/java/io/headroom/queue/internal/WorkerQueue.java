package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.JobStatus;
import io.headroom.queue.api.Lease;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.api.TenantStats;
import io.headroom.queue.internal.core.Backoff;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.FleetLoad;
import io.headroom.queue.internal.store.LeaseStore;
import io.headroom.queue.internal.store.LoadStore;
import io.headroom.queue.internal.store.QueueSchema;
import io.headroom.queue.internal.store.TypeStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every backend shares: this node's workers running jobs in the order the fair scheduler picks, the handlers
 * by job type, remote job types (pull: leased over REST; push: POSTed to a URL) each with its own fair scheduler,
 * leases, idempotency keys, per-tenant counters, backlog caps and HIGH budgets, job states, signals to the heartbeat,
 * and tenant weights, caps and pauses kept in the control schema. A backend decides where jobs wait and what
 * finishing, retrying and dead-lettering a job means. Parts of it live beside it: {@link LocalWorker} (a worker
 * thread), {@link QueueTenants} (per-tenant state and admission), {@link RemoteTypes}, {@link RemoteLeases} and
 * {@link JobRecords} (job states for the fleet).
 */
abstract class WorkerQueue implements FairQueue {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerQueue.class);

    /** The tuning every backend has; {@code name} labels threads and load samples. */
    record Tuning(String name, int workers, int overflowWorkers, int noisyBacklog, long overflowMaxWaitMillis, long dedupeMinutes,
                  int maxAttempts, long backoffMillis, long maxBackoffMillis, int maxBacklogPerTenant, long refreshMillis,
                  long fleetFlushMillis) {
    }

    /** A job accepted for a backend, with the time before which it must not start (0: now). */
    record Pending(Job job, long notBeforeMillis) {
    }

    private final Tuning tuning;
    private final DataSource db;
    private final Signals signals;
    private final QueueTenants tenants;
    /** This node's workers' scheduler (the handler types'). */
    protected final FairScheduler scheduler;
    private final QueueSchedulers schedulers;
    private final JobHandlers handlers = new JobHandlers();
    private final RemoteTypes remote;
    protected final JobTracker tracker = new JobTracker(100_000);
    private final PushDelivery push;
    protected final ScheduledExecutorService timers;
    private final List<Thread> workers = new ArrayList<>();
    final Object wakeUp = new Object();
    private volatile boolean running = true;
    /** The fleet's view; null when the queue runs without a fleet (one node). */
    private final QueueFleet fleet;
    /** Remote workers' and push deliveries' leases handed out by this node. */
    private final RemoteLeases leaseBook;
    /** Job states in the control schema, for every node of the fleet; null without a fleet. */
    private final JobRecords jobRecords;

    /**
     * @param nodes the fleet, or null for a node on its own
     */
    WorkerQueue(ControlStore store, Signals signals, Tuning tuning, Fleet nodes) throws SQLException {
        String nodeId = nodes == null ? null : nodes.nodeId();
        this.tuning = tuning;
        this.signals = signals;
        store.migrate(QueueSchema.COMPONENT, QueueSchema.MIGRATIONS);
        this.db = store.dataSource();
        this.tenants = new QueueTenants(db, signals, tuning.name(), tuning.maxBacklogPerTenant(), tuning.dedupeMinutes());
        this.schedulers = new QueueSchedulers(tuning, tenants);
        this.scheduler = schedulers.local;
        loadTenantSettings();
        this.remote = new RemoteTypes(db);
        this.timers = Executors.newScheduledThreadPool(2, r -> new Thread(r, "headroom-queue-" + tuning.name() + "-timers"));
        this.push = new PushDelivery(this);
        this.fleet = nodeId == null ? null : new QueueFleet(store, nodeId, tuning.name(), new QueueFleet.Local() {
            @Override
            public Map<String, FairScheduler> schedulers() {
                return schedulers.byScope();
            }

            @Override
            public Map<String, Map<TenantId, Double>> submitRates() {
                return WorkerQueue.this.submitRates();
            }

            @Override
            public Map<TenantId, LoadStore.Open> open() {
                return tenants.open();
            }
        }, new FleetLoad.Settings(tuning.noisyBacklog(), 0.5, 10), tuning.fleetFlushMillis(),
                jobsOutliveNodes(), () -> nodes.liveNodes().size());
        this.jobRecords = nodeId == null ? null : new JobRecords(tracker, db, nodeId, tuning.fleetFlushMillis(), jobsOutliveNodes());
        this.leaseBook = new RemoteLeases(this, nodeId == null ? null : new LeaseStore(db, nodeId, tuning.name()), nodes, jobRecords);
        if (fleet != null) {
            tenants.carryOver(fleet.carriedOver());
            timers.scheduleWithFixedDelay(this::shareLoad, tuning.fleetFlushMillis(), tuning.fleetFlushMillis(), TimeUnit.MILLISECONDS);
            timers.scheduleWithFixedDelay(jobRecords::round, tuning.fleetFlushMillis(), tuning.fleetFlushMillis(), TimeUnit.MILLISECONDS);
        }
        timers.scheduleWithFixedDelay(this::forgetExpiredKeys, 1, 1, TimeUnit.MINUTES);
        timers.scheduleWithFixedDelay(leaseBook::expireLeases, 100, 100, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::refresh, tuning.refreshMillis(), tuning.refreshMillis(), TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::pumpPushTypes, 200, 200, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(() -> tenants.reportLoad(allSchedulers()), QueueTenants.LOAD_REPORT_MILLIS, QueueTenants.LOAD_REPORT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts the workers; the last step of a backend's activation. */
    protected void startWorkers() {
        for (int i = 0; i < tuning.workers(); i++) {
            Thread t = new Thread(new LocalWorker(this), "headroom-queue-" + tuning.name() + "-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        remoteTypesChanged(remote.names());
    }

    /** Stops taking jobs and waits for the running ones; the first step of a backend's deactivation. */
    protected void stopWorkers() throws InterruptedException {
        running = false;
        signalIdle();
        for (Thread t : workers) {
            t.join(10_000);
        }
        timers.shutdownNow();
        tenants.reportLoad(List.of()); // what finished; the backlog is no load of a stopped backend
        push.close();
        leaseBook.close();
    }

    QueueTenants tenants() {
        return tenants;
    }

    /** The fleet's view; null on a node on its own. */
    QueueFleet fleet() {
        return fleet;
    }

    protected boolean running() {
        return running;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindHandler(ComponentServiceObjects<JobHandler> objects, Map<String, Object> props) {
        handlers.bind(objects, props);
    }

    void unbindHandler(ComponentServiceObjects<JobHandler> objects, Map<String, Object> props) {
        handlers.unbind(objects, props);
    }

    /** A handler given directly, without DS (the benchmark driver, same package). */
    void putHandler(String type, JobHandler handler) {
        handlers.put(type, handler);
    }

    /** The handler of a job type on this node, or null. */
    JobHandler handler(String type) {
        return handlers.get(type);
    }

    /** One attempt ended: done, retried after {@code retryDelayMillis} (the type's backoff when negative), or dead. */
    protected void finish(Job job, String error, long retryDelayMillis) {
        try {
            if (error == null) {
                tracker.ended(job, JobState.SUCCEEDED, null);
                release(job);
                succeeded(job);
                return;
            }
            if (job.attempt() >= remoteType(job.type()).map(RemoteType::maxAttempts).orElse(tuning.maxAttempts())) {
                tracker.ended(job, JobState.DEAD, error);
                counters(job.tenant()).deadLettered.incrementAndGet();
                release(job);
                LOG.warn("queue: job {} of tenant {} dead-lettered after {} attempts: {}", job.id(), job.tenant(), job.attempt(), error);
                deadLetter(job, error);
                return;
            }
            tracker.waiting(job, null, error);
            retry(job, retryDelayMillis(job, retryDelayMillis));
        } catch (RuntimeException e) {
            LOG.warn("queue: finishing job {} failed: {}", job.id(), e.toString());
        }
    }

    /** The delay before a failed job's next attempt: {@code requested}, or its type's backoff when negative. */
    long retryDelayMillis(Job job, long requested) {
        long base = remoteType(job.type()).map(RemoteType::backoffMillis).orElse(tuning.backoffMillis());
        return requested >= 0 ? requested : Backoff.millis(base, tuning.maxBackoffMillis(), job.attempt());
    }

    /**
     * Jobs this node received from a queue every node receives from (SQS): while other nodes are live, their records
     * in the control schema become this node's before any may start here. Returns those that may start; those
     * cancelled already are dropped.
     */
    protected List<Job> claimReceived(List<Job> jobs) {
        Set<String> cancelled = jobRecords == null || fleet == null || fleet.alone() ? Set.of() : jobRecords.claim(jobs);
        if (cancelled.isEmpty()) {
            return jobs;
        }
        jobs.stream().filter(j -> cancelled.contains(j.id())).forEach(this::dropCancelled);
        return jobs.stream().filter(j -> !cancelled.contains(j.id())).toList();
    }

    /** Where this backend keeps a leased job, for another node to finish it if this one is gone; null: nowhere (in-process). */
    protected String leaseHandle(Job job) {
        return null;
    }

    /** Finishes, through its handle, a job whose lease holder is gone: deleted ({@code hideMillis} < 0) or hidden that long. */
    protected void finishForGoneHolder(String handle, long hideMillis) {
    }

    /** A cancelled job was drawn: it never runs, and its backend forgets it. */
    protected void dropCancelled(Job job) {
        release(job);
        try {
            succeeded(job);
        } catch (RuntimeException e) {
            LOG.warn("queue: dropping cancelled job {} failed: {}", job.id(), e.toString());
        }
    }

    void release(Job job) {
        tenants.released(job, fleet != null);
    }

    /** Whether a job accepted here still exists when this node dies (SQS), so its open count must outlive the node. */
    protected boolean jobsOutliveNodes() {
        return false;
    }

    /** Decayed recent submissions per scheduler scope and tenant, for the fleet's view; empty where jobs wait on the node. */
    protected Map<String, Map<TenantId, Double>> submitRates() {
        return Map.of();
    }

    /** Whether lanes are chosen at submission (SQS: the queue a job is sent to) rather than when a job is queued here. */
    protected boolean lanesChosenAtSubmit() {
        return false;
    }

    private void shareLoad() {
        try {
            fleet.share();
        } catch (RuntimeException e) {
            LOG.warn("queue: fleet view round failed: {}", e.toString());
        }
        signalIdle(); // caps may have opened up
        remote.names().forEach(this::remoteWork);
    }

    /** The job is done: the backend forgets it. */
    protected abstract void succeeded(Job job);

    /** The job runs again after {@code delayMillis} as its next attempt. */
    protected abstract void retry(Job job, long delayMillis);

    /** The job failed its last attempt. */
    protected abstract void deadLetter(Job job, String error);

    /** Takes new jobs, all or none, or throws. */
    protected abstract void accept(List<Pending> jobs);

    /** The remote types this node knows changed (a backend may create queues for them). */
    protected void remoteTypesChanged(java.util.Set<String> names) {
    }

    protected QueueTenants.TenantCounters counters(TenantId tenant) {
        return tenants.counters(tenant);
    }

    /** The scheduler that hands out jobs of this type: its own for a remote type, this node's workers' otherwise. */
    protected FairScheduler schedulerFor(String type) {
        return schedulers.of(type, remote.get(type));
    }

    /** Hands a job to whoever runs its type on this node. */
    protected void dispatch(Job job) {
        dispatchAll(List.of(job));
    }

    /** Hands jobs to whoever runs their types on this node, all queued before any waiting worker is served. */
    protected void dispatchAll(List<Job> jobs) {
        boolean local = false;
        java.util.Set<String> remoteTypes = new java.util.HashSet<>();
        for (Job job : jobs) {
            tracker.waiting(job, null, null);
            FairScheduler s = schedulerFor(job.type());
            if ("overflow".equals(s.add(job)) && !lanesChosenAtSubmit()) {
                counters(job.tenant()).overflowed.incrementAndGet();
            }
            if (s == scheduler) {
                local = true;
            } else {
                remoteTypes.add(job.type());
            }
        }
        if (local) {
            signalIdle();
        }
        remoteTypes.forEach(this::remoteWork);
    }

    void remoteWork(String type) {
        TypeStore.Stored t = remote.get(type);
        if (t == null) {
            return;
        }
        if (t.type().delivery() == Delivery.PULL) {
            leaseBook.serveWaiters(type);
        } else {
            push.pump(t);
        }
    }

    private void pumpPushTypes() {
        try {
            for (TypeStore.Stored t : remote.all()) {
                if (t.type().delivery() == Delivery.PUSH && schedulers.hasRemote(t.type().name())) {
                    push.pump(t);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("queue: push delivery round failed: {}", e.toString());
        }
    }

    protected void signalIdle() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    @Override
    public Job submit(JobRequest request) {
        return submitAll(List.of(request)).get(0);
    }

    @Override
    public List<Job> submitAll(List<JobRequest> requests) {
        return submit(requests, false);
    }

    @Override
    public List<Job> submitAllAsTenant(List<JobRequest> requests) {
        return submit(requests, true);
    }

    private List<Job> submit(List<JobRequest> requests, boolean tenantCaller) {
        for (int i = 0; i < requests.size(); i++) {
            JobRequest r = requests.get(i);
            if (!handlers.has(r.type()) && !remote.has(r.type())) {
                throw new IllegalArgumentException((requests.size() > 1 ? "job " + i + ": " : "") + "no handler runs job type '"
                        + r.type() + "'; known types: " + types());
            }
        }
        tenants.admit(requests, tenantCaller, fleet);
        QueueTenants.Batch batch = tenants.newJobs(requests);
        for (Pending p : batch.fresh()) {
            tracker.waiting(p.job(), p.notBeforeMillis() == 0 ? null : Instant.ofEpochMilli(p.notBeforeMillis()), null);
            tenants.opened(p.job());
        }
        try {
            accept(batch.fresh());
        } catch (RuntimeException e) {
            tenants.releaseKeys(batch.newKeys()); // nothing was accepted: the same keys may come again
            for (Pending p : batch.fresh()) {
                release(p.job());
                tracker.ended(p.job(), JobState.CANCELLED, "not accepted: " + e.getMessage());
            }
            throw e;
        }
        return batch.jobs();
    }

    /** The core's per-tenant limits, bound by the backend component while they are there. */
    void bindTenantLimits(TenantLimits limits) {
        tenants.bindLimits(limits);
    }

    void unbindTenantLimits(TenantLimits limits) {
        tenants.unbindLimits(limits);
    }

    private void forgetExpiredKeys() {
        long now = System.currentTimeMillis();
        tenants.forgetExpiredKeys(now);
        leaseBook.forget(now - TimeUnit.HOURS.toMillis(1));
    }

    @Override
    public Optional<JobStatus> job(String id) {
        return jobRecords == null ? tracker.get(id) : jobRecords.job(id);
    }

    @Override
    public boolean cancel(String id) {
        if (jobRecords != null) {
            return jobRecords.cancel(id);
        }
        Boolean cancelled = tracker.cancel(id);
        if (cancelled == null) {
            throw new NoSuchElementException("no job " + id + " is known on this node");
        }
        return cancelled;
    }

    @Override
    public RemoteType defineType(RemoteType type, String secret) {
        remote.save(type, secret);
        refresh();
        return remoteType(type.name()).orElseThrow();
    }

    @Override
    public boolean removeType(String name) {
        boolean removed = remote.delete(name);
        refresh();
        return removed;
    }

    @Override
    public List<RemoteType> remoteTypes() {
        return remote.list();
    }

    @Override
    public Optional<RemoteType> remoteType(String name) {
        TypeStore.Stored t = remote.get(name);
        return t == null ? Optional.empty() : Optional.of(t.type());
    }

    TypeStore.Stored storedType(String name) {
        return remote.get(name);
    }

    /** Reloads remote types and tenant settings from the control schema (every {@code refreshMillis}, on every node). */
    private synchronized void refresh() {
        try {
            boolean changed = remote.reload();
            for (String name : remote.names()) {
                if (schedulers.hasRemote(name)) {
                    remoteWork(name);
                }
            }
            if (changed) {
                remoteTypesChanged(remote.names());
            }
            loadTenantSettings();
        } catch (SQLException | RuntimeException e) {
            if (ControlStore.isUnreachable(e)) {
                LOG.debug("queue: control schema unreachable; keeping the last known types and tenant settings");
            } else {
                LOG.warn("queue: reloading job types and tenant settings failed: {}", e.toString());
            }
        }
    }

    @Override
    public CompletionStage<List<Lease>> lease(String type, int max, int visibilitySeconds, long waitMillis) {
        return leaseBook.lease(type, max, visibilitySeconds, waitMillis);
    }

    /** Leases what the type's scheduler hands out now (push delivery and waiting pull workers). */
    List<Lease> leaseNow(String type, int max, int visibilitySeconds) {
        return leaseBook.leaseNow(type, max, visibilitySeconds);
    }

    @Override
    public void ack(String leaseId) {
        leaseBook.ack(leaseId);
    }

    @Override
    public void nack(String leaseId, long delayMillis, String error) {
        leaseBook.nack(leaseId, delayMillis, error);
    }

    @Override
    public Lease extend(String leaseId, int visibilitySeconds) {
        return leaseBook.extend(leaseId, visibilitySeconds);
    }

    /**
     * Jobs were leased (or their leases extended) until {@code expiresAtMillis}: a backend whose jobs outlive this node
     * keeps them from the other nodes until about then, not longer, so that if this node dies they come back then.
     */
    protected void leased(List<Job> jobs, long expiresAtMillis) {
    }

    /** Another node finished a job this node holds: the backend forgets it without touching it (SQS: its receipt). */
    protected void forgetHeld(Job job) {
    }

    /** A lease ended (acked, nacked or expired): the job's attempt is over. */
    void leaseEnded(Job job, long startNanos, String error, long retryDelayMillis) {
        schedulerFor(job.type()).done(job, System.nanoTime() - startNanos);
        tenants.account(job, startNanos, error);
        finish(job, error, retryDelayMillis);
        remoteWork(job.type());
    }

    @Override
    public List<TenantStats> stats() {
        return tenants.stats(allSchedulers());
    }

    @Override
    public Optional<TenantStats> stats(TenantId tenant) {
        return tenants.stats(allSchedulers(), tenant);
    }

    private List<FairScheduler> allSchedulers() {
        return schedulers.all();
    }

    @Override
    public void pause(TenantId tenant) {
        tenants.pause(tenant, true, allSchedulers());
    }

    @Override
    public void resume(TenantId tenant) {
        tenants.pause(tenant, false, allSchedulers());
        wakeAll();
    }

    @Override
    public void setLimits(TenantId tenant, int weight, int cap) {
        tenants.setLimits(tenant, weight, cap, allSchedulers());
        wakeAll();
    }

    @Override
    public void setHighBudget(TenantId tenant, int highBudget) {
        tenants.setHighBudget(tenant, highBudget);
    }

    private void wakeAll() {
        signalIdle();
        remote.names().forEach(this::remoteWork);
    }

    private void loadTenantSettings() throws SQLException {
        tenants.load((t, v) -> {
            if (schedulers != null) {
                schedulers.apply(t, v);
            }
        });
    }

    @Override
    public List<String> types() {
        TreeSet<String> all = new TreeSet<>(handlers.types());
        all.addAll(remote.names());
        return List.copyOf(all);
    }
}
