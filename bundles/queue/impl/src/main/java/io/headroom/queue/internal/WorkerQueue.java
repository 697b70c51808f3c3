package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
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
import io.headroom.queue.api.LeaseConflictException;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueFullException;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.api.TenantStats;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.FleetLoad;
import io.headroom.queue.internal.core.LoadTally;
import io.headroom.queue.internal.core.StandardWebhooks;
import io.headroom.queue.internal.store.LeaseStore;
import io.headroom.queue.internal.store.QueueSchema;
import io.headroom.queue.internal.store.TenantStore;
import io.headroom.queue.internal.store.TypeStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
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
 * finishing, retrying and dead-lettering a job means.
 */
abstract class WorkerQueue implements FairQueue {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerQueue.class);
    private final AtomicReference<TenantLimits> tenantLimits = new AtomicReference<>();

    /** The tuning every backend has; {@code name} labels threads and load samples. */
    record Tuning(String name, int workers, int overflowWorkers, int noisyBacklog, long overflowMaxWaitMillis, long dedupeMinutes,
                  int maxAttempts, long backoffMillis, long maxBackoffMillis, int maxBacklogPerTenant, long refreshMillis,
                  long fleetFlushMillis) {
    }

    /** A job accepted for a backend, with the time before which it must not start (0: now). */
    record Pending(Job job, long notBeforeMillis) {
    }

    /** Only the key's job id is kept, not the job. */
    private record Dedupe(String jobId, long until) {
    }

    static final class TenantCounters {
        final DwellWindow dwell = new DwellWindow();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        /** Accepted here minus finished here: on a fleet another node may finish a job accepted here, so it may go negative. */
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger openHigh = new AtomicInteger();
        /** Jobs this node put in the overflow lane (SQS: sent to an overflow queue at submission). */
        final AtomicLong overflowed = new AtomicLong();
    }

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

    private final Tuning tuning;
    private final DataSource db;
    private final Signals signals;
    private final TypeStore typeStore;
    private final TenantStore tenantStore;
    protected final FairScheduler scheduler;
    private final Map<String, JobHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Dedupe> dedupe = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantCounters> counters = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantStore.Settings> tenantSettings = new ConcurrentHashMap<>();
    private volatile Map<String, TypeStore.Stored> remote = Map.of();
    private final Map<String, FairScheduler> remoteSchedulers = new ConcurrentHashMap<>();
    private final Map<String, ArrayDeque<Waiter>> waiters = new ConcurrentHashMap<>();
    private final Map<String, LeaseEntry> leases = new ConcurrentHashMap<>();
    /**
     * How the last {@value #ENDED_LEASES} leases ended (so a second ack is answered as the first, and a late one with
     * 409); a lease older than that is unknown (404), which changes nothing either.
     */
    private final Map<String, Tombstone> endedLeases = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tombstone> eldest) {
            return size() > ENDED_LEASES;
        }
    });
    private static final int ENDED_LEASES = 100_000;
    protected final JobTracker tracker = new JobTracker(100_000);
    private final PushDelivery push;
    /** Jobs finished per tenant since the last load report: one sample per tenant and interval, not one per job. */
    private final LoadTally loadTally = new LoadTally();
    static final long LOAD_REPORT_MILLIS = 200;
    /** Starts every lease id this node (this activation) hands out, so another node's lease is told apart from an unknown one. */
    private final String leasePrefix = UUID.randomUUID().toString().substring(0, 8) + "-";
    protected final ScheduledExecutorService timers;
    private final List<Thread> workers = new ArrayList<>();
    private final Object wakeUp = new Object();
    private volatile boolean running = true;
    /** The fleet's view; null when the queue runs without a fleet (one node). */
    private final QueueFleet fleet;
    /** Leases in the control schema, while the fleet has more than one node; null without a fleet. */
    private final LeaseStore leaseStore;
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
        this.typeStore = new TypeStore(db);
        this.tenantStore = new TenantStore(db);
        this.scheduler = newScheduler(tuning.workers());
        loadTenantSettings();
        this.remote = typeStore.load();
        this.timers = Executors.newScheduledThreadPool(2, r -> new Thread(r, "headroom-queue-" + tuning.name() + "-timers"));
        this.push = new PushDelivery(this);
        this.fleet = nodeId == null ? null : new QueueFleet(store, nodeId, tuning.name(), new QueueFleet.Local() {
            @Override
            public Map<String, FairScheduler> schedulers() {
                Map<String, FairScheduler> all = new HashMap<>(remoteSchedulers);
                all.put("", scheduler);
                return all;
            }

            @Override
            public Map<String, Map<TenantId, Double>> submitRates() {
                return WorkerQueue.this.submitRates();
            }

            @Override
            public Map<TenantId, io.headroom.queue.internal.store.LoadStore.Open> open() {
                Map<TenantId, io.headroom.queue.internal.store.LoadStore.Open> out = new HashMap<>();
                counters.forEach((t, c) -> out.put(t, new io.headroom.queue.internal.store.LoadStore.Open(c.open.get(), c.openHigh.get())));
                return out;
            }
        }, new FleetLoad.Settings(tuning.noisyBacklog(), 0.5, 10), tuning.fleetFlushMillis(),
                jobsOutliveNodes(), () -> nodes.liveNodes().size());
        this.leaseStore = nodeId == null ? null : new LeaseStore(db, nodeId);
        this.jobRecords = nodeId == null ? null : new JobRecords(tracker, db, nodeId, tuning.fleetFlushMillis());
        if (fleet != null) {
            fleet.carriedOver().forEach((t, o) -> {
                TenantCounters c = counters(t);
                c.open.set((int) o.open());
                c.openHigh.set((int) o.openHigh());
            });
            timers.scheduleWithFixedDelay(this::shareLoad, tuning.fleetFlushMillis(), tuning.fleetFlushMillis(), TimeUnit.MILLISECONDS);
            timers.scheduleWithFixedDelay(jobRecords::round, tuning.fleetFlushMillis(), tuning.fleetFlushMillis(), TimeUnit.MILLISECONDS);
        }
        timers.scheduleWithFixedDelay(this::forgetExpiredKeys, 1, 1, TimeUnit.MINUTES);
        timers.scheduleWithFixedDelay(this::expireLeases, 100, 100, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::refresh, tuning.refreshMillis(), tuning.refreshMillis(), TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::pumpPushTypes, 200, 200, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::reportLoad, LOAD_REPORT_MILLIS, LOAD_REPORT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private FairScheduler newScheduler(int workers) {
        FairScheduler s = new FairScheduler(new FairScheduler.Settings(workers, Math.max(tuning.overflowWorkers(), workers / 4),
                tuning.noisyBacklog(), 0.5, 10, 10_000_000_000L, tuning.overflowMaxWaitMillis() * 1_000_000), System::nanoTime);
        tenantSettings.forEach((t, v) -> apply(s, t, v));
        return s;
    }

    private static void apply(FairScheduler s, TenantId t, TenantStore.Settings v) {
        s.setLimits(t, v.weight(), v.cap() <= 0 ? Integer.MAX_VALUE : v.cap());
        s.pause(t, v.paused());
    }

    /** Starts the workers; the last step of a backend's activation. */
    protected void startWorkers() {
        for (int i = 0; i < tuning.workers(); i++) {
            Thread t = new Thread(this::work, "headroom-queue-" + tuning.name() + "-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        remoteTypesChanged(remote.keySet());
    }

    /** Stops taking jobs and waits for the running ones; the first step of a backend's deactivation. */
    protected void stopWorkers() throws InterruptedException {
        running = false;
        signalIdle();
        for (Thread t : workers) {
            t.join(10_000);
        }
        timers.shutdownNow();
        reportLoad();
        push.close();
        waiters.values().forEach(q -> {
            synchronized (q) {
                q.forEach(w -> w.result().complete(List.of()));
                q.clear();
            }
        });
    }

    protected boolean running() {
        return running;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindHandler(JobHandler handler, Map<String, Object> props) {
        Object type = props.get(JobHandler.TYPE);
        if (type instanceof String t) {
            handlers.put(t, handler);
            LOG.info("queue: handler for job type {} is available", t);
        } else {
            LOG.error("queue: a JobHandler without the {} property was ignored: {}", JobHandler.TYPE, handler.getClass().getName());
        }
    }

    void unbindHandler(JobHandler handler, Map<String, Object> props) {
        Object type = props.get(JobHandler.TYPE);
        if (type instanceof String t) {
            handlers.remove(t, handler);
        }
    }

    private void reportLoad() {
        try {
            Instant now = Instant.now();
            loadTally.drain((tenant, n) -> signals.load(new LoadSample(tenant, "queue", tuning.name(), n, now)));
        } catch (RuntimeException e) {
            LOG.warn("queue: reporting tenants' load failed: {}", e.toString());
        }
    }

    // ---- local workers

    private void work() {
        while (running) {
            Job job = scheduler.next();
            if (job == null) {
                synchronized (wakeUp) {
                    try {
                        wakeUp.wait(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            if (!tracker.start(job)) {
                scheduler.done(job, 0);
                dropCancelled(job);
                continue;
            }
            long start = System.nanoTime();
            String error = null;
            JobHandler handler = handlers.get(job.type());
            try {
                if (handler == null) {
                    error = "no handler for job type " + job.type();
                } else {
                    handler.handle(job);
                }
            } catch (Exception | LinkageError e) {
                error = e.toString();
            } finally {
                scheduler.done(job, System.nanoTime() - start);
                signalIdle();
            }
            account(job, start, error);
            finish(job, error, -1);
        }
    }

    private void account(Job job, long startNanos, String error) {
        long runMillis = (System.nanoTime() - startNanos) / 1_000_000;
        long dwellMillis = Math.max(0, Instant.now().toEpochMilli() - job.enqueuedAt().toEpochMilli() - runMillis);
        TenantCounters c = counters(job.tenant());
        c.dwell.add(dwellMillis);
        signals.outcome(new OutcomeEvent(job.tenant(), JobRequest.outcomeJob(job.type()), error == null, runMillis + dwellMillis, Instant.now()));
        loadTally.add(job.tenant()); // reported as one sample per tenant every LOAD_REPORT_MILLIS
        (error == null ? c.completed : c.failed).incrementAndGet();
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
            RemoteType t = remoteType(job.type()).orElse(null);
            int maxAttempts = t == null ? tuning.maxAttempts() : t.maxAttempts();
            if (job.attempt() >= maxAttempts) {
                tracker.ended(job, JobState.DEAD, error);
                counters(job.tenant()).deadLettered.incrementAndGet();
                release(job);
                LOG.warn("queue: job {} of tenant {} dead-lettered after {} attempts: {}", job.id(), job.tenant(), job.attempt(), error);
                deadLetter(job, error);
                return;
            }
            long delay = retryDelayMillis >= 0 ? retryDelayMillis
                    : backoffMillis(t == null ? tuning.backoffMillis() : t.backoffMillis(), tuning.maxBackoffMillis(), job.attempt());
            tracker.waiting(job, null, error);
            retry(job, delay);
        } catch (RuntimeException e) {
            LOG.warn("queue: finishing job {} failed: {}", job.id(), e.toString());
        }
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

    private void release(Job job) {
        TenantCounters c = counters(job.tenant());
        if (fleet != null) {
            c.open.decrementAndGet(); // the fleet's sum is what counts; this node's part may be negative
        } else {
            c.open.updateAndGet(n -> Math.max(0, n - 1));
        }
        if (job.priority() == Priority.HIGH) {
            if (fleet != null) {
                c.openHigh.decrementAndGet();
            } else {
                c.openHigh.updateAndGet(n -> Math.max(0, n - 1));
            }
        }
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
        remote.keySet().forEach(this::remoteWork);
    }

    /** Jobs each tenant put in the overflow lane on this node since it started. */
    Map<String, Long> overflowed() {
        Map<String, Long> out = new HashMap<>();
        counters.forEach((t, c) -> {
            long n = c.overflowed.get();
            if (n > 0) {
                out.put(t.value(), n);
            }
        });
        return out;
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

    protected TenantCounters counters(TenantId tenant) {
        return counters.computeIfAbsent(tenant, k -> new TenantCounters());
    }

    /** Exponential backoff with jitter before attempt {@code attempt + 1}. */
    protected static long backoffMillis(long base, long max, int attempt) {
        long backoff = Math.min(max, base << Math.min(20, attempt - 1));
        return backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    }

    /** The scheduler that hands out jobs of this type: its own for a remote type, this node's workers' otherwise. */
    protected FairScheduler schedulerFor(String type) {
        TypeStore.Stored t = remote.get(type);
        if (t == null) {
            FairScheduler s = remoteSchedulers.get(type);
            return s != null ? s : scheduler;
        }
        return remoteSchedulers.computeIfAbsent(type, k -> newScheduler(t.type().concurrency()));
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

    private void remoteWork(String type) {
        TypeStore.Stored t = remote.get(type);
        if (t == null) {
            return;
        }
        if (t.type().delivery() == Delivery.PULL) {
            serveWaiters(type);
        } else {
            push.pump(t);
        }
    }

    private void pumpPushTypes() {
        try {
            for (TypeStore.Stored t : remote.values()) {
                if (t.type().delivery() == Delivery.PUSH && remoteSchedulers.containsKey(t.type().name())) {
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

    // ---- submission

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
        Map<TenantId, int[]> perTenant = new HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            JobRequest r = requests.get(i);
            if (!handlers.containsKey(r.type()) && !remote.containsKey(r.type())) {
                throw new IllegalArgumentException((requests.size() > 1 ? "job " + i + ": " : "") + "no handler runs job type '"
                        + r.type() + "'; known types: " + types());
            }
            int[] n = perTenant.computeIfAbsent(r.tenant(), k -> new int[2]);
            n[0]++;
            if (r.priority() == Priority.HIGH) {
                n[1]++;
            }
        }
        perTenant.forEach((tenant, n) -> {
            TenantCounters c = counters(tenant);
            io.headroom.queue.internal.store.LoadStore.Open elsewhere = fleet == null
                    ? new io.headroom.queue.internal.store.LoadStore.Open(0, 0) : fleet.openElsewhere(tenant);
            long open = Math.max(0, c.open.get() + elsewhere.open());
            long openHigh = Math.max(0, c.openHigh.get() + elsewhere.openHigh());
            int backlogCap = backlogCap(tenant);
            if (open + n[0] > backlogCap) {
                throw new QueueFullException("tenant " + tenant + " has " + open + " jobs open" + (fleet == null ? "" : " in the fleet")
                        + "; its backlog cap is " + backlogCap, 5);
            }
            int budget = tenantSettings.getOrDefault(tenant, TenantStore.Settings.DEFAULT).highBudget();
            if (tenantCaller && n[1] > 0 && openHigh + n[1] > budget) {
                throw new QueueFullException("tenant " + tenant + " may have " + budget + " HIGH jobs open (it has " + openHigh
                        + "); submit them as NORMAL, or ask an operator for a HIGH budget", 5);
            }
        });
        List<Job> out = new ArrayList<>(requests.size());
        List<Pending> fresh = new ArrayList<>(requests.size());
        List<String> newKeys = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (JobRequest r : requests) {
            Job job = newJob(r);
            if (r.idempotencyKey() != null) {
                String key = r.tenant().value() + "|" + r.idempotencyKey();
                Dedupe seen = dedupe.compute(key, (k, old) -> old != null && old.until > now
                        ? old : new Dedupe(job.id(), now + TimeUnit.MINUTES.toMillis(tuning.dedupeMinutes())));
                if (!seen.jobId.equals(job.id())) {
                    out.add(new Job(seen.jobId, r.tenant(), r.type(), r.payload(), r.priority(), r.idempotencyKey(), 1, job.enqueuedAt()));
                    continue;
                }
                newKeys.add(key);
            }
            fresh.add(new Pending(job, r.notBefore() == null ? 0 : r.notBefore().toEpochMilli()));
            out.add(job);
        }
        for (Pending p : fresh) {
            tracker.waiting(p.job(), p.notBeforeMillis() == 0 ? null : Instant.ofEpochMilli(p.notBeforeMillis()), null);
            TenantCounters c = counters(p.job().tenant());
            c.open.incrementAndGet();
            if (p.job().priority() == Priority.HIGH) {
                c.openHigh.incrementAndGet();
            }
        }
        try {
            accept(fresh);
        } catch (RuntimeException e) {
            newKeys.forEach(dedupe::remove); // nothing was accepted: the same keys may come again
            for (Pending p : fresh) {
                release(p.job());
                tracker.ended(p.job(), JobState.CANCELLED, "not accepted: " + e.getMessage());
            }
            throw e;
        }
        return out;
    }

    /** The backend's backlog cap, or the lower queue cap an operator set on the tenant across layers. */
    private int backlogCap(TenantId tenant) {
        TenantLimits l = tenantLimits.get();
        Integer cap = l == null ? null : l.limit(tenant).map(TenantLimit::queueCap).orElse(null);
        return cap == null ? tuning.maxBacklogPerTenant() : Math.min(cap, tuning.maxBacklogPerTenant());
    }

    /** The core's per-tenant limits, bound by the backend component while they are there. */
    void bindTenantLimits(TenantLimits limits) {
        tenantLimits.set(limits);
    }

    void unbindTenantLimits(TenantLimits limits) {
        tenantLimits.compareAndSet(limits, null);
    }

    private static Job newJob(JobRequest r) {
        return new Job(UUID.randomUUID().toString(), r.tenant(), r.type(), r.payload(), r.priority(), r.idempotencyKey(), 1, Instant.now());
    }

    private void forgetExpiredKeys() {
        long now = System.currentTimeMillis();
        dedupe.values().removeIf(d -> d.until <= now);
        synchronized (endedLeases) {
            endedLeases.values().removeIf(t -> t.at() < now - TimeUnit.HOURS.toMillis(1));
        }
        if (leaseStore != null) {
            try {
                leaseStore.forget(new java.sql.Timestamp(now - TimeUnit.HOURS.toMillis(1)));
            } catch (SQLException | RuntimeException e) {
                LOG.debug("queue: forgetting settled leases failed (next round retries): {}", e.toString());
            }
        }
    }

    // ---- job lifecycle

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

    // ---- remote types

    @Override
    public RemoteType defineType(RemoteType type, String secret) {
        if (secret != null) {
            if (type.delivery() != io.headroom.queue.api.Delivery.PUSH) {
                throw new IllegalArgumentException("'secret' is only for push types");
            }
            StandardWebhooks.key(secret);
        }
        TypeStore.Stored old = remote.get(type.name());
        boolean hasSecret = secret != null || old != null && old.secret() != null;
        if (type.delivery() == Delivery.PUSH && !hasSecret) {
            throw new IllegalArgumentException("a push type needs a 'secret' (whsec_ and base64 of 24-64 random bytes)");
        }
        try {
            typeStore.save(type, type.delivery() == Delivery.PUSH ? secret : null);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the job type: " + e.getMessage(), e);
        }
        refresh();
        return remoteType(type.name()).orElseThrow();
    }

    @Override
    public boolean removeType(String name) {
        try {
            boolean removed = typeStore.delete(name);
            refresh();
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the job type: " + e.getMessage(), e);
        }
    }

    @Override
    public List<RemoteType> remoteTypes() {
        return remote.values().stream().map(TypeStore.Stored::type).sorted(Comparator.comparing(RemoteType::name)).toList();
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
            Map<String, TypeStore.Stored> now = typeStore.load();
            boolean changed = !now.keySet().equals(remote.keySet());
            remote = now;
            now.forEach((name, t) -> {
                FairScheduler s = remoteSchedulers.get(name);
                if (s != null) {
                    remoteWork(name);
                }
            });
            if (changed) {
                remoteTypesChanged(now.keySet());
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

    // ---- leases

    @Override
    public CompletionStage<List<Lease>> lease(String type, int max, int visibilitySeconds, long waitMillis) {
        TypeStore.Stored t = remote.get(type);
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
        ArrayDeque<Waiter> q = waiters.computeIfAbsent(type, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addLast(w);
        }
        serveWaiters(type); // a job may have come between the first try and the wait
        timers.schedule(() -> {
            synchronized (q) {
                if (q.remove(w)) {
                    w.result().complete(List.of());
                }
            }
        }, waitMillis, TimeUnit.MILLISECONDS);
        return w.result();
    }

    private void serveWaiters(String type) {
        ArrayDeque<Waiter> q = waiters.get(type);
        if (q == null) {
            return;
        }
        synchronized (q) {
            while (!q.isEmpty()) {
                Waiter w = q.peekFirst();
                List<Lease> got = leaseNow(type, w.max(), w.visibilitySeconds());
                if (got.isEmpty()) {
                    return;
                }
                q.pollFirst();
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
        TypeStore.Stored t = remote.get(type);
        if (t == null) {
            return List.of();
        }
        FairScheduler s = schedulerFor(type);
        List<Job> got = new ArrayList<>();
        List<Job> cancelled = new ArrayList<>();
        int elsewhere = fleet == null ? 0 : fleet.inFlightElsewhere(type); // the type's concurrency holds for the fleet
        synchronized (s) {
            while (got.size() < max && s.inFlight() + elsewhere < t.type().concurrency()) {
                Job job = s.next();
                if (job == null) {
                    break;
                }
                if (!tracker.start(job)) {
                    s.done(job, 0);
                    cancelled.add(job);
                    continue;
                }
                got.add(job);
            }
        }
        cancelled.forEach(this::dropCancelled);
        if (got.isEmpty()) {
            return List.of();
        }
        List<LeaseStore.NewLease> fresh = new ArrayList<>(got.size());
        for (Job job : got) {
            fresh.add(new LeaseStore.NewLease(leasePrefix + UUID.randomUUID(), job, visibilitySeconds));
        }
        boolean shared = false;
        // push deliveries are settled by the node that makes them: only pull workers' leases need recording
        if (leaseStore != null && !fleet.alone() && t.type().delivery() == Delivery.PULL) {
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

    /** Settles a lease another node handed out, in the control schema; that node finishes the job when it next looks. */
    private void settleElsewhere(String leaseId, Ended how, String error, long delayMillis) {
        try {
            if (!leaseStore.settle(leaseId, LeaseStore.State.valueOf(how.name()), error, delayMillis, false)) {
                explain(leaseId, how, null);
            }
        } catch (SQLException e) {
            throw new QueueUnavailableException("the lease cannot be settled now (control schema: "
                    + e.getMessage() + "); retry, or let it expire", e);
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

    @Override
    public void ack(String leaseId) {
        LeaseEntry e = take(leaseId, Ended.ACKED, null, -1);
        if (e != null) {
            ended(e, null, -1);
        }
    }

    @Override
    public void nack(String leaseId, long delayMillis, String error) {
        String why = error == null || error.isBlank() ? "failed (nack)" : error;
        LeaseEntry e = take(leaseId, Ended.NACKED, why, delayMillis);
        if (e != null) {
            ended(e, why, delayMillis);
        }
    }

    @Override
    public Lease extend(String leaseId, int visibilitySeconds) {
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
                    return new Lease(e.id, e.job, Instant.ofEpochMilli(at));
                }
                Job job = leaseStore.job(leaseId);
                return new Lease(leaseId, job, Instant.ofEpochMilli(at));
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
        return new Lease(e.id, e.job, Instant.ofEpochMilli(e.expiresAt));
    }

    private void expire(LeaseEntry e) {
        if (e.shared) {
            try {
                if (!leaseStore.settle(e.id, LeaseStore.State.EXPIRED, "lease expired", -1, true)) {
                    long left = leaseStore.remainingMillis(e.id);
                    if (left >= 0) {
                        e.expiresAt = System.currentTimeMillis() + Math.max(left, 50); // extended through another node
                    }
                    return; // or settled through another node: finished by the next round of settledElsewhere
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

    private void expireLeases() {
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
    }

    /** Finishes the jobs of this node's leases that other nodes acked or nacked. */
    private void finishSettledElsewhere() {
        try {
            for (LeaseStore.Row r : leaseStore.settledElsewhere()) {
                if (!r.id().startsWith(leasePrefix)) {
                    continue; // another backend's (or an earlier activation's) lease on this node
                }
                LeaseEntry e = leases.remove(r.id());
                if (e != null) {
                    boolean acked = r.state() == LeaseStore.State.ACKED;
                    endedLeases.put(r.id(), new Tombstone(acked ? Ended.ACKED : r.state() == LeaseStore
                            .State.NACKED ? Ended.NACKED : Ended.EXPIRED, System.currentTimeMillis()));
                    ended(e, acked ? null : r.error() == null ? "failed (nack)" : r.error(), r.delayMillis());
                }
                leaseStore.done(r.id());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("queue: reading leases settled on other nodes failed (next round retries): {}", e.toString());
        }
    }

    private void ended(LeaseEntry e, String error, long retryDelayMillis) {
        schedulerFor(e.job.type()).done(e.job, System.nanoTime() - e.startNanos);
        account(e.job, e.startNanos, error);
        finish(e.job, error, retryDelayMillis);
        remoteWork(e.job.type());
    }

    // ---- stats and tenant settings

    @Override
    public List<TenantStats> stats() {
        Map<TenantId, FairScheduler.TenantView> merged = mergedViews();
        List<TenantStats> out = new ArrayList<>();
        for (FairScheduler.TenantView v : merged.values()) {
            out.add(stats(v));
        }
        out.sort(Comparator.comparing(TenantStats::tenant));
        return out;
    }

    @Override
    public Optional<TenantStats> stats(TenantId tenant) {
        return Optional.ofNullable(mergedViews().get(tenant)).map(this::stats);
    }

    private Map<TenantId, FairScheduler.TenantView> mergedViews() {
        Map<TenantId, FairScheduler.TenantView> merged = new HashMap<>();
        List<FairScheduler> all = new ArrayList<>();
        all.add(scheduler);
        all.addAll(remoteSchedulers.values());
        for (FairScheduler s : all) {
            for (FairScheduler.TenantView v : s.view()) {
                merged.merge(v.tenant(), v, (a, b) -> new FairScheduler.TenantView(a.tenant(), a.backlog() + b.backlog(),
                        a.overflowBacklog() + b.overflowBacklog(), a.inFlight() + b.inFlight(), a.weight(), a.cap(), a.paused(),
                        a.noisy() || b.noisy()));
            }
        }
        return merged;
    }

    private TenantStats stats(FairScheduler.TenantView v) {
        TenantCounters c = counters(v.tenant());
        return new TenantStats(v.tenant().value(), v.backlog(), v.overflowBacklog(), v.inFlight(), v.weight(), v.cap(), v.paused(),
                v.noisy(), c.dwell.percentile(0.5), c.dwell.percentile(0.99), c.completed.get(), c.failed.get(), c.deadLettered.get());
    }

    private List<FairScheduler> allSchedulers() {
        List<FairScheduler> all = new ArrayList<>(remoteSchedulers.values());
        all.add(scheduler);
        return all;
    }

    @Override
    public void pause(TenantId tenant) {
        saveTenant(tenant, null, null, true, null);
        allSchedulers().forEach(s -> s.pause(tenant, true));
    }

    @Override
    public void resume(TenantId tenant) {
        saveTenant(tenant, null, null, false, null);
        allSchedulers().forEach(s -> s.pause(tenant, false));
        signalIdle();
        remote.keySet().forEach(this::remoteWork);
    }

    @Override
    public void setLimits(TenantId tenant, int weight, int cap) {
        if (weight < 1 || weight > 100 || cap < 1) {
            throw new IllegalArgumentException("weight must be 1-100 and cap at least 1");
        }
        saveTenant(tenant, weight, cap, null, null);
        allSchedulers().forEach(s -> s.setLimits(tenant, weight, cap));
        signalIdle();
        remote.keySet().forEach(this::remoteWork);
    }

    @Override
    public void setHighBudget(TenantId tenant, int highBudget) {
        if (highBudget < 0 || highBudget > 1_000_000) {
            throw new IllegalArgumentException("highBudget must be 0-1000000");
        }
        saveTenant(tenant, null, null, null, highBudget);
    }

    private void saveTenant(TenantId tenant, Integer weight, Integer cap, Boolean paused, Integer highBudget) {
        try {
            tenantStore.save(tenant, weight, cap, paused, highBudget);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the tenant's queue settings: " + e.getMessage(), e);
        }
        TenantStore.Settings old = tenantSettings.getOrDefault(tenant, TenantStore.Settings.DEFAULT);
        tenantSettings.put(tenant, new TenantStore.Settings(weight == null ? old.weight() : weight, cap == null ? old.cap() : cap,
                paused == null ? old.paused() : paused, highBudget == null ? old.highBudget() : highBudget));
    }

    private void loadTenantSettings() throws SQLException {
        tenantStore.load().forEach((t, v) -> {
            if (!v.equals(tenantSettings.put(t, v))) {
                if (scheduler != null) {
                    allSchedulers().forEach(sc -> apply(sc, t, v));
                }
            }
        });
    }

    @Override
    public List<String> types() {
        TreeSet<String> all = new TreeSet<>(handlers.keySet());
        all.addAll(remote.keySet());
        return List.copyOf(all);
    }
}
