package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.TenantStats;
import io.headroom.queue.internal.core.FairScheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every backend shares: this node's workers running jobs in the order the fair scheduler picks, the handlers
 * by job type, idempotency keys, per-tenant counters and dwell times, signals to the heartbeat, and tenant weights,
 * caps and pauses kept in the control schema. A backend decides where jobs wait and what a finished job means.
 */
abstract class WorkerQueue implements FairQueue {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerQueue.class);

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "queue tenant settings",
            "CREATE TABLE IF NOT EXISTS queue_tenants (tenant VARCHAR(63) NOT NULL PRIMARY KEY, weight INT NOT NULL DEFAULT 1,"
                    + " cap INT NOT NULL DEFAULT 0, paused BOOLEAN NOT NULL DEFAULT FALSE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    /** The tuning every backend has; {@code name} labels threads and load samples. */
    record Tuning(String name, int workers, int overflowWorkers, int noisyBacklog, long overflowMaxWaitMillis, long dedupeMinutes) {
    }

    private record Dedupe(Job job, long until) {
    }

    static final class TenantCounters {
        final DwellWindow dwell = new DwellWindow();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
    }

    private final Tuning tuning;
    private final DataSource db;
    private final Signals signals;
    protected final FairScheduler scheduler;
    private final Map<String, JobHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Dedupe> dedupe = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantCounters> counters = new ConcurrentHashMap<>();
    protected final ScheduledExecutorService timers;
    private final List<Thread> workers = new ArrayList<>();
    private final Object wakeUp = new Object();
    private volatile boolean running = true;

    WorkerQueue(ControlStore store, Signals signals, Tuning tuning) throws SQLException {
        this.tuning = tuning;
        this.signals = signals;
        store.migrate("queue", MIGRATIONS);
        this.db = store.dataSource();
        this.scheduler = new FairScheduler(new FairScheduler.Settings(tuning.workers(), tuning.overflowWorkers(),
                tuning.noisyBacklog(), 0.5, 10, 10_000_000_000L, tuning.overflowMaxWaitMillis() * 1_000_000), System::nanoTime);
        loadTenantSettings();
        this.timers = Executors.newScheduledThreadPool(1, r -> new Thread(r, "headroom-queue-" + tuning.name() + "-timers"));
        timers.scheduleWithFixedDelay(this::forgetExpiredKeys, 1, 1, TimeUnit.MINUTES);
    }

    /** Starts the workers; the last step of a backend's activation. */
    protected void startWorkers() {
        for (int i = 0; i < tuning.workers(); i++) {
            Thread t = new Thread(this::work, "headroom-queue-" + tuning.name() + "-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /** Stops taking jobs and waits for the running ones; the first step of a backend's deactivation. */
    protected void stopWorkers() throws InterruptedException {
        running = false;
        signalIdle();
        for (Thread t : workers) {
            t.join(10_000);
        }
        timers.shutdownNow();
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
            finished(job, start, error);
        }
    }

    private void finished(Job job, long startNanos, String error) {
        long runMillis = (System.nanoTime() - startNanos) / 1_000_000;
        long dwellMillis = Math.max(0, Instant.now().toEpochMilli() - job.enqueuedAt().toEpochMilli() - runMillis);
        TenantCounters c = counters(job.tenant());
        c.dwell.add(dwellMillis);
        signals.outcome(new OutcomeEvent(job.tenant(), JobRequest.outcomeJob(job.type()), error == null, runMillis + dwellMillis, Instant.now()));
        signals.load(new LoadSample(job.tenant(), "queue", tuning.name(), 1, Instant.now()));
        (error == null ? c.completed : c.failed).incrementAndGet();
        try {
            completed(job, error);
        } catch (RuntimeException e) {
            LOG.warn("queue: finishing job {} failed: {}", job.id(), e.toString());
        }
    }

    /** What the backend does once a job ran; {@code error} is null on success. */
    protected abstract void completed(Job job, String error);

    /** Takes new jobs, all or none, or throws. */
    protected abstract void accept(List<Job> jobs);

    protected TenantCounters counters(TenantId tenant) {
        return counters.computeIfAbsent(tenant, k -> new TenantCounters());
    }

    /** Exponential backoff with jitter before attempt {@code attempt + 1}. */
    protected static long backoffMillis(long base, long max, int attempt) {
        long backoff = Math.min(max, base << Math.min(20, attempt - 1));
        return backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    }

    /** Hands a job to this node's workers. */
    protected void dispatch(Job job) {
        scheduler.add(job);
        signalIdle();
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
        for (int i = 0; i < requests.size(); i++) {
            if (!handlers.containsKey(requests.get(i).type())) {
                throw new IllegalArgumentException((requests.size() > 1 ? "job " + i + ": " : "") + "no handler runs job type '"
                        + requests.get(i).type() + "'; known types: " + types());
            }
        }
        List<Job> out = new ArrayList<>(requests.size());
        List<Job> fresh = new ArrayList<>(requests.size());
        List<String> newKeys = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (JobRequest r : requests) {
            Job job = newJob(r);
            if (r.idempotencyKey() != null) {
                String key = r.tenant().value() + "|" + r.idempotencyKey();
                Dedupe seen = dedupe.compute(key, (k, old) -> old != null && old.until > now
                        ? old : new Dedupe(job, now + TimeUnit.MINUTES.toMillis(tuning.dedupeMinutes())));
                if (seen.job != job) {
                    out.add(seen.job);
                    continue;
                }
                newKeys.add(key);
            }
            fresh.add(job);
            out.add(job);
        }
        try {
            accept(fresh);
        } catch (RuntimeException e) {
            newKeys.forEach(dedupe::remove); // nothing was accepted: the same keys may come again
            throw e;
        }
        return out;
    }

    private static Job newJob(JobRequest r) {
        return new Job(UUID.randomUUID().toString(), r.tenant(), r.type(), r.payload(), r.priority(), r.idempotencyKey(), 1, Instant.now());
    }

    private void forgetExpiredKeys() {
        long now = System.currentTimeMillis();
        dedupe.values().removeIf(d -> d.until <= now);
    }

    @Override
    public List<TenantStats> stats() {
        List<TenantStats> out = new ArrayList<>();
        for (FairScheduler.TenantView v : scheduler.view()) {
            out.add(stats(v));
        }
        out.sort(Comparator.comparing(TenantStats::tenant));
        return out;
    }

    @Override
    public Optional<TenantStats> stats(TenantId tenant) {
        return scheduler.view().stream().filter(v -> v.tenant().equals(tenant)).findFirst().map(this::stats);
    }

    private TenantStats stats(FairScheduler.TenantView v) {
        TenantCounters c = counters(v.tenant());
        return new TenantStats(v.tenant().value(), v.backlog(), v.overflowBacklog(), v.inFlight(), v.weight(), v.cap(), v.paused(),
                v.noisy(), c.dwell.percentile(0.5), c.dwell.percentile(0.99), c.completed.get(), c.failed.get(), c.deadLettered.get());
    }

    @Override
    public void pause(TenantId tenant) {
        saveTenant(tenant, null, null, true);
        scheduler.pause(tenant, true);
    }

    @Override
    public void resume(TenantId tenant) {
        saveTenant(tenant, null, null, false);
        scheduler.pause(tenant, false);
        signalIdle();
    }

    @Override
    public void setLimits(TenantId tenant, int weight, int cap) {
        if (weight < 1 || weight > 100 || cap < 1) {
            throw new IllegalArgumentException("weight must be 1-100 and cap at least 1");
        }
        saveTenant(tenant, weight, cap, null);
        scheduler.setLimits(tenant, weight, cap);
        signalIdle();
    }

    private void saveTenant(TenantId tenant, Integer weight, Integer cap, Boolean paused) {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO queue_tenants (tenant, weight, cap, paused) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        + " weight = COALESCE(?, weight), cap = COALESCE(?, cap), paused = COALESCE(?, paused)")) {
            p.setString(1, tenant.value());
            p.setInt(2, weight == null ? 1 : weight);
            p.setInt(3, cap == null ? 0 : cap);
            p.setBoolean(4, paused != null && paused);
            p.setObject(5, weight);
            p.setObject(6, cap);
            p.setObject(7, paused);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the tenant's queue settings: " + e.getMessage(), e);
        }
    }

    private void loadTenantSettings() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant, weight, cap, paused FROM queue_tenants")) {
            while (rs.next()) {
                TenantId t = TenantId.of(rs.getString(1));
                int cap = rs.getInt(3);
                scheduler.setLimits(t, rs.getInt(2), cap <= 0 ? Integer.MAX_VALUE : cap);
                scheduler.pause(t, rs.getBoolean(4));
            }
        }
    }

    @Override
    public List<String> types() {
        return handlers.keySet().stream().sorted().toList();
    }
}
