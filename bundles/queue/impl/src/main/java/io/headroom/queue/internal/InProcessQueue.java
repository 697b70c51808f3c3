package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.queue.api.DeadLetter;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
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
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process backend: jobs wait in memory and run on this node's workers, in the order the fair scheduler
 * picks. Delivery is at least once while the node runs (a failed attempt is retried with exponential backoff, then
 * dead-lettered); jobs still queued are lost if the node dies: use it for work that can be resubmitted. Tenant
 * weights, caps and pauses live in the control schema and apply on every node.
 */
@Component(service = FairQueue.class, configurationPid = InProcessQueue.PID)
@Designate(ocd = InProcessQueue.Config.class)
public final class InProcessQueue implements FairQueue {
    public static final String PID = "io.headroom.queue";
    private static final Logger LOG = LoggerFactory.getLogger(InProcessQueue.class);

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "queue tenant settings",
            "CREATE TABLE IF NOT EXISTS queue_tenants (tenant VARCHAR(63) NOT NULL PRIMARY KEY, weight INT NOT NULL DEFAULT 1,"
                    + " cap INT NOT NULL DEFAULT 0, paused BOOLEAN NOT NULL DEFAULT FALSE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    @ObjectClassDefinition(name = "Headroom fair queue (in-process backend)")
    public @interface Config {
        @AttributeDefinition(description = "Worker threads on this node")
        int workers() default 4;

        @AttributeDefinition(description = "Workers the overflow lane may take from a busy main lane when it has waited overflowMaxWaitMillis")
        int overflowWorkers() default 1;

        @AttributeDefinition(description = "A tenant with at least this many jobs waiting, and more than half of all, is noisy")
        int noisyBacklog() default 20;

        @AttributeDefinition(description = "The overflow lane gets a turn after waiting this long with the main lane busy, ms")
        long overflowMaxWaitMillis() default 1000;

        @AttributeDefinition(description = "Attempts before a job is dead-lettered")
        int maxAttempts() default 5;

        @AttributeDefinition(description = "Backoff before the second attempt, ms; doubles each attempt, with jitter")
        long backoffMillis() default 1000;

        long maxBackoffMillis() default 60_000;

        @AttributeDefinition(description = "How long an idempotency key is remembered, minutes")
        long dedupeMinutes() default 60;

        @AttributeDefinition(description = "Dead letters kept (oldest dropped first)")
        int maxDeadLetters() default 10_000;
    }

    private record Dedupe(Job job, long until) {
    }

    private static final class TenantCounters {
        final DwellWindow dwell = new DwellWindow();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
    }

    private final Config config;
    private final DataSource db;
    private final Signals signals;
    private final FairScheduler scheduler;
    private final Map<String, JobHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Dedupe> dedupe = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantCounters> counters = new ConcurrentHashMap<>();
    private final Deque<DeadLetter> deadLetters = new ArrayDeque<>();
    private final ScheduledExecutorService retries;
    private final List<Thread> workers = new ArrayList<>();
    private final Object wakeUp = new Object();
    private volatile boolean running = true;

    @Activate
    public InProcessQueue(@Reference ControlStore store, @Reference Signals signals, Config config) throws SQLException {
        this.config = config;
        this.signals = signals;
        store.migrate("queue", MIGRATIONS);
        this.db = store.dataSource();
        this.scheduler = new FairScheduler(new FairScheduler.Settings(config.workers(), config.overflowWorkers(),
                config.noisyBacklog(), 0.5, 10, 10_000_000_000L, config.overflowMaxWaitMillis() * 1_000_000), System::nanoTime);
        loadTenantSettings();
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-queue-retries"));
        retries.scheduleWithFixedDelay(this::forgetExpiredKeys, 1, 1, TimeUnit.MINUTES);
        for (int i = 0; i < config.workers(); i++) {
            Thread t = new Thread(this::work, "headroom-queue-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        for (Thread t : workers) {
            t.join(10_000);
        }
        retries.shutdownNow();
        int left = scheduler.backlog();
        if (left > 0) {
            LOG.warn("in-process queue stopped with {} jobs still queued; they are not kept", left);
        }
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
        long dwellMillis = Math.max(0, Instant.now().toEpochMilli() - job.enqueuedAt().toEpochMilli()
                - (System.nanoTime() - startNanos) / 1_000_000);
        TenantCounters c = counters.computeIfAbsent(job.tenant(), k -> new TenantCounters());
        c.dwell.add(dwellMillis);
        long latency = (System.nanoTime() - startNanos) / 1_000_000 + dwellMillis;
        signals.outcome(new OutcomeEvent(job.tenant(), "queue." + job.type(), error == null, latency, Instant.now()));
        signals.load(new LoadSample(job.tenant(), "queue", "in-process", 1, Instant.now()));
        if (error == null) {
            c.completed.incrementAndGet();
            return;
        }
        c.failed.incrementAndGet();
        if (job.attempt() >= config.maxAttempts()) {
            c.deadLettered.incrementAndGet();
            synchronized (deadLetters) {
                deadLetters.addLast(new DeadLetter(job, error, Instant.now().toString()));
                while (deadLetters.size() > config.maxDeadLetters()) {
                    deadLetters.pollFirst();
                }
            }
            LOG.warn("queue: job {} of tenant {} dead-lettered after {} attempts: {}", job.id(), job.tenant(), job.attempt(), error);
            return;
        }
        long backoff = Math.min(config.maxBackoffMillis(), config.backoffMillis() << Math.min(20, job.attempt() - 1));
        long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        retries.schedule(() -> enqueue(job.nextAttempt()), jittered, TimeUnit.MILLISECONDS);
    }

    private void enqueue(Job job) {
        scheduler.add(job);
        signalIdle();
    }

    private void signalIdle() {
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
        long now = System.currentTimeMillis();
        for (JobRequest r : requests) {
            if (r.idempotencyKey() != null) {
                String key = r.tenant().value() + "|" + r.idempotencyKey();
                Job fresh = newJob(r);
                Dedupe seen = dedupe.compute(key, (k, old) -> old != null && old.until > now ? old
                        : new Dedupe(fresh, now + TimeUnit.MINUTES.toMillis(config.dedupeMinutes())));
                if (seen.job != fresh) {
                    out.add(seen.job);
                    continue;
                }
                scheduler.add(fresh);
                out.add(fresh);
            } else {
                Job job = newJob(r);
                scheduler.add(job);
                out.add(job);
            }
        }
        signalIdle();
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
        TenantCounters c = counters.computeIfAbsent(v.tenant(), k -> new TenantCounters());
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
    public List<DeadLetter> deadLetters(int limit) {
        synchronized (deadLetters) {
            List<DeadLetter> out = new ArrayList<>(deadLetters);
            return out.subList(Math.max(0, out.size() - limit), out.size());
        }
    }

    @Override
    public int redrive(TenantId tenant) {
        List<Job> again = new ArrayList<>();
        synchronized (deadLetters) {
            for (Iterator<DeadLetter> it = deadLetters.iterator(); it.hasNext(); ) {
                DeadLetter d = it.next();
                if (tenant == null || d.job().tenant().equals(tenant)) {
                    it.remove();
                    Job j = d.job();
                    again.add(new Job(j.id(), j.tenant(), j.type(), j.payload(), j.priority(), j.idempotencyKey(), 1, j.enqueuedAt()));
                }
            }
        }
        again.forEach(scheduler::add);
        signalIdle();
        return again.size();
    }

    @Override
    public List<String> types() {
        return handlers.keySet().stream().sorted().toList();
    }
}
