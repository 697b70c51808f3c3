package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueFullException;
import io.headroom.queue.api.TenantStats;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.LoadTally;
import io.headroom.queue.internal.store.LoadStore;
import io.headroom.queue.internal.store.TenantStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a queue keeps per tenant: its counters, its settings from the control schema (weight, cap, pause, HIGH budget),
 * the operator's cross-layer queue cap, and its idempotency keys (only the key's job id is kept, not the job); and the
 * admission rules built on them: the backlog cap and the HIGH budget, counted over the fleet where there is one.
 */
final class QueueTenants {
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

    private record Dedupe(String jobId, long until) {
    }

    /** Where each finished attempt's dwell and processing time go (the queue's histograms). */
    @FunctionalInterface
    interface JobTimes {
        void finished(TenantId tenant, long dwellMillis, long runMillis);
    }

    private static final Logger LOG = LoggerFactory.getLogger(QueueTenants.class);
    /** How often finished jobs are reported as load: one sample per tenant and interval, not one per job. */
    static final long LOAD_REPORT_MILLIS = 200;
    private final TenantStore store;
    private final Signals signals;
    private final String backend;
    private final LoadTally loadTally = new LoadTally();
    private volatile long lastReportNanos; // the report timer's thread, and the last report at stop
    private final int maxBacklogPerTenant;
    private final long dedupeMinutes;
    private final AtomicReference<TenantLimits> limits = new AtomicReference<>();
    private final Map<String, Dedupe> dedupe = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantCounters> counters = new ConcurrentHashMap<>();
    private final Map<TenantId, TenantStore.Settings> settings = new ConcurrentHashMap<>();
    private volatile JobTimes jobTimes;

    QueueTenants(DataSource db, Signals signals, String backend, int maxBacklogPerTenant, long dedupeMinutes) {
        this.store = new TenantStore(db);
        this.signals = signals;
        this.backend = backend;
        this.maxBacklogPerTenant = maxBacklogPerTenant;
        this.dedupeMinutes = dedupeMinutes;
    }

    /** Sends each finished attempt's times to {@code times} from now on ({@code null}: nowhere). */
    void jobTimes(JobTimes times) {
        this.jobTimes = times;
    }

    TenantCounters counters(TenantId tenant) {
        return counters.computeIfAbsent(tenant, k -> new TenantCounters());
    }

    /** Every tenant's counters on this node. */
    Map<TenantId, TenantCounters> counters() {
        return counters;
    }

    /** This node's open-job counts per tenant (accepted here minus finished here), for the fleet's view. */
    Map<TenantId, LoadStore.Open> open() {
        Map<TenantId, LoadStore.Open> out = new HashMap<>();
        counters.forEach((t, c) -> out.put(t, new LoadStore.Open(c.open.get(), c.openHigh.get())));
        return out;
    }

    /** Takes this node's open counts as it last wrote them (jobs that outlived its restart). */
    void carryOver(Map<TenantId, LoadStore.Open> open) {
        open.forEach((t, o) -> {
            TenantCounters c = counters(t);
            c.open.set((int) o.open());
            c.openHigh.set((int) o.openHigh());
        });
    }

    /** Every tenant's settings as last loaded or saved here. */
    Map<TenantId, TenantStore.Settings> settings() {
        return settings;
    }

    /**
     * Refuses the batch (QueueFullException) when a tenant would go over its backlog cap, or a tenant caller over its
     * HIGH budget; counts the tenant's open jobs on the other nodes too ({@code fleet} null: this node alone).
     */
    void admit(List<JobRequest> requests, boolean tenantCaller, QueueFleet fleet) {
        Map<TenantId, int[]> perTenant = new HashMap<>();
        for (JobRequest r : requests) {
            int[] n = perTenant.computeIfAbsent(r.tenant(), k -> new int[2]);
            n[0]++;
            if (r.priority() == Priority.HIGH) {
                n[1]++;
            }
        }
        perTenant.forEach((tenant, n) -> {
            TenantCounters c = counters(tenant);
            LoadStore.Open elsewhere = fleet == null ? new LoadStore.Open(0, 0) : fleet.openElsewhere(tenant);
            long open = Math.max(0, c.open.get() + elsewhere.open());
            long openHigh = Math.max(0, c.openHigh.get() + elsewhere.openHigh());
            int backlogCap = backlogCap(tenant);
            if (open + n[0] > backlogCap) {
                throw new QueueFullException("tenant " + tenant + " has " + open + " jobs open" + (fleet == null ? "" : " in the fleet")
                        + "; its backlog cap is " + backlogCap, 5);
            }
            int budget = settings.getOrDefault(tenant, TenantStore.Settings.DEFAULT).highBudget();
            if (tenantCaller && n[1] > 0 && openHigh + n[1] > budget) {
                throw new QueueFullException("tenant " + tenant + " may have " + budget + " HIGH jobs open (it has " + openHigh
                        + "); submit them as NORMAL, or ask an operator for a HIGH budget", 5);
            }
        });
    }

    /** The backend's backlog cap, or the lower queue cap an operator set on the tenant across layers. */
    private int backlogCap(TenantId tenant) {
        TenantLimits l = limits.get();
        Integer cap = l == null ? null : l.limit(tenant).map(TenantLimit::queueCap).orElse(null);
        return cap == null ? maxBacklogPerTenant : Math.min(cap, maxBacklogPerTenant);
    }

    void bindLimits(TenantLimits l) {
        limits.set(l);
    }

    void unbindLimits(TenantLimits l) {
        limits.compareAndSet(l, null);
    }

    /** The job id the tenant's idempotency key stands for: {@code jobId} when the key is new (or its window passed). */
    String claimKey(String key, String jobId, long now) {
        Dedupe seen = dedupe.compute(key, (k, old) -> old != null && old.until > now
                ? old : new Dedupe(jobId, now + TimeUnit.MINUTES.toMillis(dedupeMinutes)));
        return seen.jobId;
    }

    /** Nothing was accepted: the same keys may come again. */
    void releaseKeys(List<String> keys) {
        keys.forEach(dedupe::remove);
    }

    void forgetExpiredKeys(long now) {
        dedupe.values().removeIf(d -> d.until <= now);
    }

    /** A job was accepted here. */
    void opened(Job job) {
        TenantCounters c = counters(job.tenant());
        c.open.incrementAndGet();
        if (job.priority() == Priority.HIGH) {
            c.openHigh.incrementAndGet();
        }
    }

    /** A job accepted in the fleet ended here; {@code fleet}: another node may have accepted it, so a count may go negative. */
    void released(Job job, boolean fleet) {
        TenantCounters c = counters(job.tenant());
        if (fleet) {
            c.open.decrementAndGet(); // the fleet's sum is what counts; this node's part may be negative
        } else {
            c.open.updateAndGet(n -> Math.max(0, n - 1));
        }
        if (job.priority() == Priority.HIGH) {
            if (fleet) {
                c.openHigh.decrementAndGet();
            } else {
                c.openHigh.updateAndGet(n -> Math.max(0, n - 1));
            }
        }
    }

    /** Stores a tenant's settings (null: unchanged) and keeps them here. */
    void save(TenantId tenant, Integer weight, Integer cap, Boolean paused, Integer highBudget) {
        try {
            store.save(tenant, weight, cap, paused, highBudget);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the tenant's queue settings: " + e.getMessage(), e);
        }
        TenantStore.Settings old = settings.getOrDefault(tenant, TenantStore.Settings.DEFAULT);
        settings.put(tenant, new TenantStore.Settings(weight == null ? old.weight() : weight, cap == null ? old.cap() : cap,
                paused == null ? old.paused() : paused, highBudget == null ? old.highBudget() : highBudget));
    }

    /** Reloads the settings from the control schema; {@code changed} hears of each tenant whose settings changed. */
    void load(BiConsumer<TenantId, TenantStore.Settings> changed) throws SQLException {
        store.load().forEach((t, v) -> {
            if (!v.equals(settings.put(t, v))) {
                changed.accept(t, v);
            }
        });
    }

    /** Each tenant's figures over the given schedulers (backlogs and jobs in flight summed), with its counters here. */
    List<TenantStats> stats(List<FairScheduler> schedulers) {
        List<TenantStats> out = new ArrayList<>();
        for (FairScheduler.TenantView v : merged(schedulers).values()) {
            out.add(stats(v));
        }
        out.sort(Comparator.comparing(TenantStats::tenant));
        return out;
    }

    Optional<TenantStats> stats(List<FairScheduler> schedulers, TenantId tenant) {
        return Optional.ofNullable(merged(schedulers).get(tenant)).map(this::stats);
    }

    /**
     * The tenants' views summed over the schedulers, and a tenant none of them knows but whose jobs ended here (a lease
     * settled for a gone holder), with nothing waiting.
     */
    private Map<TenantId, FairScheduler.TenantView> merged(List<FairScheduler> schedulers) {
        Map<TenantId, FairScheduler.TenantView> merged = new HashMap<>();
        counters.forEach((t, c) -> {
            if (c.completed.get() + c.failed.get() + c.deadLettered.get() > 0) {
                TenantStore.Settings v = settings.getOrDefault(t, TenantStore.Settings.DEFAULT);
                merged.put(t, new FairScheduler.TenantView(t, 0, 0, 0, v.weight(), v.cap() <= 0 ? Integer.MAX_VALUE : v.cap(),
                        v.paused(), false));
            }
        });
        for (FairScheduler s : schedulers) {
            for (FairScheduler.TenantView v : s.view()) {
                merged.merge(v.tenant(), v, (a, b) -> new FairScheduler.TenantView(b.tenant(), a.backlog() + b.backlog(),
                        a.overflowBacklog() + b.overflowBacklog(), a.inFlight() + b.inFlight(), b.weight(), b.cap(), b.paused(),
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

    /** The ids a batch of requests gets: new jobs, or for a key seen within its window the job it stood for. */
    record Batch(List<Job> jobs, List<WorkerQueue.Pending> fresh, List<String> newKeys) {
    }

    Batch newJobs(List<JobRequest> requests) {
        List<Job> out = new ArrayList<>(requests.size());
        List<WorkerQueue.Pending> fresh = new ArrayList<>(requests.size());
        List<String> newKeys = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (JobRequest r : requests) {
            Job job = new Job(UUID.randomUUID().toString(), r.tenant(), r.type(), r.payload(), r.priority(), r.idempotencyKey(), 1, Instant.now());
            if (r.idempotencyKey() != null) {
                String key = r.tenant().value() + "|" + r.idempotencyKey();
                String seen = claimKey(key, job.id(), now);
                if (!seen.equals(job.id())) {
                    out.add(new Job(seen, r.tenant(), r.type(), r.payload(), r.priority(), r.idempotencyKey(), 1, job.enqueuedAt()));
                    continue;
                }
                newKeys.add(key);
            }
            fresh.add(new WorkerQueue.Pending(job, r.notBefore() == null ? 0 : r.notBefore().toEpochMilli()));
            out.add(job);
        }
        return new Batch(out, fresh, newKeys);
    }

    /** An attempt of the job ended: its dwell, its outcome to the heartbeat, its load (tallied), its counters. */
    void account(Job job, long startNanos, String error) {
        long runMillis = (System.nanoTime() - startNanos) / 1_000_000;
        long dwellMillis = Math.max(0, Instant.now().toEpochMilli() - job.enqueuedAt().toEpochMilli() - runMillis);
        TenantCounters c = counters(job.tenant());
        c.dwell.add(dwellMillis);
        JobTimes times = jobTimes;
        if (times != null) {
            times.finished(job.tenant(), dwellMillis, runMillis);
        }
        signals.outcome(new OutcomeEvent(job.tenant(), JobRequest.outcomeJob(job.type()), error == null, runMillis + dwellMillis, Instant.now()));
        loadTally.add(job.tenant(), dwellMillis, runMillis); // reported as a few samples per tenant every LOAD_REPORT_MILLIS
        (error == null ? c.completed : c.failed).incrementAndGet();
    }

    /**
     * An attempt that another node handed out ended here (its holder was gone): its outcome, load and counters as for
     * {@link #account}, its latency from submission; no dwell sample, as its start is not known here.
     */
    void accountSettled(Job job, String error) {
        long latencyMillis = Math.max(0, Instant.now().toEpochMilli() - job.enqueuedAt().toEpochMilli());
        signals.outcome(new OutcomeEvent(job.tenant(), JobRequest.outcomeJob(job.type()), error == null, latencyMillis, Instant.now()));
        loadTally.add(job.tenant());
        (error == null ? counters(job.tenant()).completed : counters(job.tenant()).failed).incrementAndGet();
    }

    /**
     * Reports the load since the last report, per tenant: the jobs finished, the milliseconds they waited (dwell_ms)
     * and ran (processing_ms), and its backlog on the given schedulers as jobs times the seconds since the last report
     * (so the backlog measure's rate is the tenant's average backlog).
     */
    void reportLoad(List<FairScheduler> schedulers) {
        try {
            Instant now = Instant.now();
            long at = System.nanoTime();
            double seconds = lastReportNanos == 0 ? LOAD_REPORT_MILLIS / 1000.0 : (at - lastReportNanos) / 1e9;
            lastReportNanos = at;
            loadTally.drain((tenant, jobs, dwellMillis, runMillis) -> {
                signals.load(new LoadSample(tenant, "queue", backend, "jobs", jobs, now));
                signals.load(new LoadSample(tenant, "queue", backend, "dwell_ms", dwellMillis, now));
                signals.load(new LoadSample(tenant, "queue", backend, "processing_ms", runMillis, now));
            });
            for (FairScheduler s : schedulers) {
                for (FairScheduler.TenantView v : s.view()) {
                    long waiting = (long) v.backlog() + v.overflowBacklog();
                    if (waiting > 0) {
                        signals.load(new LoadSample(v.tenant(), "queue", backend, "backlog", waiting * seconds, now));
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("queue: reporting tenants' load failed: {}", e.toString());
        }
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

    /** Pauses or resumes the tenant, stored and applied to the given schedulers. */
    void pause(TenantId tenant, boolean paused, List<FairScheduler> schedulers) {
        save(tenant, null, null, paused, null);
        schedulers.forEach(s -> s.pause(tenant, paused));
    }

    void setLimits(TenantId tenant, int weight, int cap, List<FairScheduler> schedulers) {
        if (weight < 1 || weight > 100 || cap < 1) {
            throw new IllegalArgumentException("weight must be 1-100 and cap at least 1");
        }
        save(tenant, weight, cap, null, null);
        schedulers.forEach(s -> s.setLimits(tenant, weight, cap));
    }

    void setHighBudget(TenantId tenant, int highBudget) {
        if (highBudget < 0 || highBudget > 1_000_000) {
            throw new IllegalArgumentException("highBudget must be 0-1000000");
        }
        save(tenant, null, null, null, highBudget);
    }
}
