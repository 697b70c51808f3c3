package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which job runs next. Pure and single-lock: every decision and every in-flight count changes under this object's
 * monitor, so per-tenant caps hold exactly however many workers ask at once.
 *
 * <ul>
 * <li>Priorities: a higher level is served first; within a level tenants take turns by deficit round robin, each
 * getting {@code weight} jobs per turn. Keys and job types play no part: fairness is per tenant.</li>
 * <li>Lanes: a tenant becomes noisy when its backlog is at least {@code noisyBacklog} and more than
 * {@code noisyShare} of all waiting work, or when it holds more than that share of the work in flight or of the
 * recent processing time. Its new jobs then go to the overflow lane, which runs on the workers the main lane leaves
 * idle (see {@link #next()}). It returns once its backlog falls under {@code returnBelow}.</li>
 * <li>Fleet: on a fleet the other nodes' view comes in through {@link #fleetView}: a tenant the fleet finds noisy
 * (see {@link FleetLoad}) is noisy here too, and a tenant's cap counts its jobs in flight on the other nodes, so a
 * tenant spread over several nodes is one tenant.</li>
 * </ul>
 */
public final class FairScheduler {
    /** Tuning. */
    public record Settings(int workers, int overflowWorkers, int noisyBacklog, double noisyShare, int returnBelow,
                           long processingHalfLifeNanos, long overflowMaxWaitNanos) {
        public static Settings defaults(int workers) {
            return new Settings(workers, Math.max(1, workers / 4), 20, 0.5, 10, 10_000_000_000L, 1_000_000_000L);
        }
    }

    private static final int MAIN = 0;
    private static final int OVERFLOW = 1;
    private static final int LEVELS = Priority.values().length;

    /** A tenant's queues (per lane and priority), limits and counters. */
    private static final class Tenant {
        final TenantId id;
        @SuppressWarnings("unchecked")
        final ArrayDeque<Job>[][] queues = new ArrayDeque[2][LEVELS];
        final boolean[][] ringed = new boolean[2][LEVELS];
        final int[][] deficit = new int[2][LEVELS];
        int weight = 1;
        int cap = Integer.MAX_VALUE;
        int inFlight;
        int overflowInFlight;
        int backlog;
        int overflowBacklog;
        boolean paused;
        boolean noisy;
        boolean fleetNoisy;
        int inFlightElsewhere;
        double busyNanos;
        long busyStamp;

        Tenant(TenantId id) {
            this.id = id;
            for (int lane = 0; lane < 2; lane++) {
                for (int level = 0; level < LEVELS; level++) {
                    queues[lane][level] = new ArrayDeque<>();
                }
            }
        }

        boolean runnable() {
            return !paused && inFlight + inFlightElsewhere < cap;
        }
    }

    /** A tenant's numbers for stats. */
    public record TenantView(TenantId tenant, int backlog, int overflowBacklog, int inFlight, int weight, int cap,
                             boolean paused, boolean noisy) {
    }

    private final Settings settings;
    private final LongSupplier nanoClock;
    private final Map<TenantId, Tenant> tenants = new HashMap<>();
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Tenant>[][] rings = new ArrayDeque[2][LEVELS];
    /** Ids of the running jobs that were dispatched from the overflow lane. */
    private final Set<String> overflowRunning = new HashSet<>();
    private int totalBacklog;
    private long lastOverflowDispatch;
    private int totalInFlight;
    private int overflowInFlight;
    private double totalBusyNanos;
    private long totalBusyStamp;

    public FairScheduler(Settings settings, LongSupplier nanoClock) {
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.lastOverflowDispatch = nanoClock.getAsLong();
        for (int lane = 0; lane < 2; lane++) {
            for (int level = 0; level < LEVELS; level++) {
                rings[lane][level] = new ArrayDeque<>();
            }
        }
    }

    private Tenant tenant(TenantId id) {
        return tenants.computeIfAbsent(id, Tenant::new);
    }

    /** Queues a job, in the overflow lane if its tenant is noisy. Returns the lane's name. */
    public synchronized String add(Job job) {
        Tenant t = tenant(job.tenant());
        t.noisy = isNoisy(t);
        int lane = t.noisy || t.fleetNoisy ? OVERFLOW : MAIN; // the fleet's verdict has its own hysteresis: not kept here
        int level = job.priority().ordinal();
        t.queues[lane][level].addLast(job);
        if (lane == OVERFLOW) {
            t.overflowBacklog++;
        }
        t.backlog++;
        totalBacklog++;
        if (!t.ringed[lane][level]) {
            t.ringed[lane][level] = true;
            rings[lane][level].addLast(t);
        }
        return lane == OVERFLOW ? "overflow" : "main";
    }

    private boolean isNoisy(Tenant t) {
        if (t.noisy) {
            return t.backlog >= settings.returnBelow(); // stays noisy until its backlog drains
        }
        boolean backlogHog = t.backlog >= settings.noisyBacklog() && t.backlog > settings.noisyShare() * totalBacklog;
        boolean inFlightHog = totalInFlight >= 2 && t.inFlight > settings.noisyShare() * totalInFlight
                && totalBacklog - t.backlog > 0 && t.backlog >= settings.returnBelow();
        long now = nanoClock.getAsLong();
        double busyShare = decayed(t.busyNanos, t.busyStamp, now) / Math.max(1, decayed(totalBusyNanos, totalBusyStamp, now));
        boolean busyHog = tenants.size() > 1 && busyShare > settings.noisyShare() && t.backlog >= settings.returnBelow()
                && totalBacklog - t.backlog > 0;
        return backlogHog || inFlightHog || busyHog;
    }

    private double decayed(double value, long stamp, long now) {
        return value * Math.pow(0.5, (double) (now - stamp) / settings.processingHalfLifeNanos());
    }

    /**
     * The next job to run, or null when nothing is runnable (empty, paused, or at caps). The main lane goes first and
     * the overflow lane runs on the workers it leaves idle; so that a noisy tenant is slowed but never starved, the
     * overflow lane also gets a turn when it has waited {@code overflowMaxWaitNanos} while running on fewer than
     * {@code overflowWorkers} workers.
     */
    public synchronized Job next() {
        long now = nanoClock.getAsLong();
        if (overflowInFlight < settings.overflowWorkers() && now - lastOverflowDispatch >= settings.overflowMaxWaitNanos()) {
            Job job = pick(OVERFLOW);
            if (job != null) {
                lastOverflowDispatch = now;
                return job;
            }
        }
        Job job = pick(MAIN);
        if (job != null) {
            return job;
        }
        job = pick(OVERFLOW);
        if (job != null) {
            lastOverflowDispatch = now;
        }
        return job;
    }

    private Job pick(int lane) {
        for (int level = 0; level < LEVELS; level++) {
            ArrayDeque<Tenant> ring = rings[lane][level];
            int visits = ring.size();
            for (int i = 0; i < visits && !ring.isEmpty(); i++) {
                Tenant t = ring.peekFirst();
                ArrayDeque<Job> q = t.queues[lane][level];
                if (q.isEmpty()) {
                    ring.pollFirst();
                    t.ringed[lane][level] = false;
                    t.deficit[lane][level] = 0;
                    continue;
                }
                if (!t.runnable()) {
                    ring.addLast(ring.pollFirst());
                    continue;
                }
                if (t.deficit[lane][level] < 1) {
                    t.deficit[lane][level] += t.weight;
                }
                Job job = q.pollFirst();
                t.deficit[lane][level]--;
                if (q.isEmpty()) {
                    ring.pollFirst();
                    t.ringed[lane][level] = false;
                    t.deficit[lane][level] = 0;
                } else if (t.deficit[lane][level] < 1) {
                    ring.addLast(ring.pollFirst()); // turn used up: next tenant
                }
                dispatched(t, lane, job);
                return job;
            }
        }
        return null;
    }

    private void dispatched(Tenant t, int lane, Job job) {
        t.backlog--;
        totalBacklog--;
        t.inFlight++;
        totalInFlight++;
        if (lane == OVERFLOW) {
            t.overflowBacklog--;
            t.overflowInFlight++;
            overflowInFlight++;
            overflowRunning.add(job.id());
        }
        if (t.noisy && t.backlog < settings.returnBelow()) {
            t.noisy = false;
        }
    }

    /** A dispatched job finished (whatever the outcome) after {@code busyNanos} of processing. */
    public synchronized void done(Job job, long busyNanos) {
        Tenant t = tenants.get(job.tenant());
        t.inFlight--;
        totalInFlight--;
        if (overflowRunning.remove(job.id())) {
            t.overflowInFlight--;
            overflowInFlight--;
        }
        long now = nanoClock.getAsLong();
        t.busyNanos = decayed(t.busyNanos, t.busyStamp, now) + busyNanos;
        t.busyStamp = now;
        totalBusyNanos = decayed(totalBusyNanos, totalBusyStamp, now) + busyNanos;
        totalBusyStamp = now;
    }

    public synchronized void pause(TenantId id, boolean paused) {
        tenant(id).paused = paused;
    }

    public synchronized void setLimits(TenantId id, int weight, int cap) {
        if (weight < 1 || weight > 100 || cap < 1) {
            throw new IllegalArgumentException("weight must be 1-100 and cap at least 1");
        }
        Tenant t = tenant(id);
        t.weight = weight;
        t.cap = cap;
    }

    /**
     * What the other nodes report: the tenants the fleet finds noisy (their new jobs go to the overflow lane here too)
     * and each tenant's jobs in flight elsewhere (counted against its cap). Replaces the previous view.
     */
    public synchronized void fleetView(java.util.Set<TenantId> noisy, Map<TenantId, Integer> inFlightElsewhere) {
        for (Tenant t : tenants.values()) {
            t.fleetNoisy = false;
            t.inFlightElsewhere = 0;
        }
        for (TenantId id : noisy) {
            tenant(id).fleetNoisy = true;
        }
        inFlightElsewhere.forEach((id, n) -> tenant(id).inFlightElsewhere = Math.max(0, n));
    }

    /** Whether the tenant's new jobs go to the overflow lane now (noisy on this node or in the fleet). */
    public synchronized boolean noisy(TenantId id) {
        Tenant t = tenants.get(id);
        return t != null && (t.noisy || t.fleetNoisy);
    }

    public synchronized int backlog() {
        return totalBacklog;
    }

    public synchronized int overflowInFlight() {
        return overflowInFlight;
    }

    public synchronized int inFlight() {
        return totalInFlight;
    }

    public synchronized List<TenantView> view() {
        List<TenantView> out = new ArrayList<>();
        for (Tenant t : tenants.values()) {
            out.add(new TenantView(t.id, t.backlog, t.overflowBacklog, t.inFlight, t.weight, t.cap == Integer.MAX_VALUE ? 0 : t.cap,
                    t.paused, t.noisy || t.fleetNoisy));
        }
        return out;
    }
}
