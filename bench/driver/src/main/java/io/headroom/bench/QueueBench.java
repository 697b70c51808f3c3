package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.SignalListener;
import io.headroom.core.internal.load.LoadLedger;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.LoadTally;
import io.headroom.queue.internal.core.Simulation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fair queuing figures, baseline and Headroom in one run.
 * <ol>
 * <li>Noisy neighbour (virtual time, the scheduler the capability runs): 100 quiet tenants with Poisson arrivals,
 * one tenant bursting 10,000 jobs, 2 workers, 20 ms jobs. Quiet tenants' p99 dwell with the fair scheduler vs
 * their no-burst baseline, FIFO beside it, and total throughput (jobs / time to drain) fair vs FIFO. Then the same
 * burst spread over 50 job types.</li>
 * <li>Dispatch rate (wall clock): no-op jobs through the fair scheduler with 2 worker threads vs a
 * ThreadPoolExecutor with 2 threads, same jobs.</li>
 * </ol>
 * Usage: QueueBench [quiet jobs per second] [seconds] [burst]   (defaults 45 120 10000)
 */
public final class QueueBench {
    private static final long MS = 1_000_000L;

    public static void main(String[] args) throws Exception {
        double quietRate = args.length > 0 ? Double.parseDouble(args[0]) : 45;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int burst = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        List<TenantId> quiet = new ArrayList<>();
        for (int t = 0; t < 100; t++) {
            quiet.add(TenantId.of("quiet-" + t));
        }
        Random random = new Random(11);
        List<Simulation.Arrival> quietOnly = new ArrayList<>();
        double at = 0;
        while (at < seconds * 1e9) {
            at += -Math.log(1 - random.nextDouble()) / quietRate * 1e9; // Poisson arrivals
            quietOnly.add(new Simulation.Arrival((long) at, quiet.get(random.nextInt(quiet.size())), "work"));
        }
        long burstAt = 10_000 * MS;
        System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.printf("noisy neighbour: 100 quiet tenants, %.0f jobs/s Poisson for %d s; one tenant bursts %d jobs at 10 s;"
                + " 2 workers; 20 ms jobs%n", quietRate, seconds, burst);
        Simulation.Result base = Simulation.run(quietOnly, 2, 20 * MS, true);
        long baseP99 = base.percentile(quiet, 0.99);
        System.out.printf("  quiet p99 dwell, no burst (baseline): %.1f ms%n", baseP99 / 1e6);
        for (int types : new int[] {1, 50}) {
            List<Simulation.Arrival> withBurst = new ArrayList<>(quietOnly);
            for (int i = 0; i < burst; i++) {
                withBurst.add(new Simulation.Arrival(burstAt, TenantId.of("noisy"), "burst-" + (i % types)));
            }
            withBurst.sort((x, y) -> Long.compare(x.atNanos(), y.atNanos()));
            Simulation.Result fair = Simulation.run(withBurst, 2, 20 * MS, true);
            Simulation.Result fifo = Simulation.run(withBurst, 2, 20 * MS, false);
            long fairP99 = fair.percentile(quiet, 0.99);
            long fifoP99 = fifo.percentile(quiet, 0.99);
            System.out.printf("  burst over %d job type(s): quiet p99 dwell fair %.1f ms (%.2fx baseline), FIFO %.1f ms (%.1fx);"
                            + " throughput fair/FIFO %.3f (%d jobs, drained at %.1f s vs %.1f s)%n", types, fairP99 / 1e6,
                    (double) fairP99 / Math.max(1, baseP99), fifoP99 / 1e6, (double) fifoP99 / Math.max(1, baseP99),
                    (double) fifo.makespanNanos() / fair.makespanNanos(), fair.jobs(), fair.makespanNanos() / 1e9, fifo.makespanNanos() / 1e9);
        }
        dispatchRate();
    }

    /** No-op jobs through the fair scheduler on 2 threads, against a 2-thread ThreadPoolExecutor. */
    private static void dispatchRate() throws Exception {
        int jobs = 2_000_000;
        TenantId[] tenants = new TenantId[1000];
        for (int i = 0; i < tenants.length; i++) {
            tenants[i] = TenantId.of("t" + i);
        }
        double fairRate = 0;
        double poolRate = 0;
        for (int round = 0; round < 4; round++) {
            double f = fairRound(jobs, tenants);
            double p = poolRound(jobs);
            if (round > 0) {
                fairRate += f / 3;
                poolRate += p / 3;
            }
        }
        System.out.printf("dispatch rate, no-op jobs, 2 worker threads: fair scheduler %.0f jobs/s (%.2f us per job),"
                + " ThreadPoolExecutor %.0f jobs/s; ratio %.2f%n", fairRate, 1e6 / fairRate, poolRate, fairRate / poolRate);
        ledgerCost(jobs, tenants);
    }

    /**
     * The tenant load ledger on the dispatch path: each finished job reports its load sample as the queue does, to no
     * listener (baseline) or to the core's ledger, alternating rounds; and the ledger's memory for 100,000 tenants.
     */
    private static void ledgerCost(int jobs, TenantId[] tenants) throws Exception {
        double[] sums = new double[4]; // per job without, per job with, tallied without, tallied with
        for (int round = 0; round < 6; round++) {
            double[] r = {fairRound(jobs, tenants, false, false), fairRound(jobs, tenants, true, false),
                    fairRound(jobs, tenants, false, true), fairRound(jobs, tenants, true, true)};
            if (round > 0) {
                for (int i = 0; i < 4; i++) {
                    sums[i] += r[i] / 5;
                }
            }
        }
        System.out.printf("dispatch, one load sample per job (the queue before): with the tenant load ledger %.0f jobs/s, without %.0f"
                + " jobs/s; ratio %.3f%n", sums[1], sums[0], sums[1] / sums[0]);
        System.out.printf("dispatch, one load sample per tenant every %d ms (the queue now, LoadTally): with the tenant load ledger %.0f"
                + " jobs/s, without %.0f jobs/s; ratio %.3f%n", TALLY_MILLIS, sums[3], sums[2], sums[3] / sums[2]);
        System.out.printf("the queue now with the ledger vs the queue before without it: ratio %.3f%n", sums[3] / sums[0]);
        LoadLedger one = new LoadLedger(new LoadLedger.Settings(1000, 16, 10_000, 900_000), System::currentTimeMillis);
        double bestNanos = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 10_000_000; i++) {
                one.add("queue", tenants[i % tenants.length].value(), 1);
            }
            bestNanos = Math.min(bestNanos, (System.nanoTime() - t0) / 1e7);
        }
        System.out.printf("ledger cost per load sample, one thread, 1,000 tenants: %.1f ns (best of 5 rounds of 10 M)%n", bestNanos);
        double perJob = (double) TALLIED_SAMPLES.get() / TALLIED_JOBS.get();
        System.out.printf("load samples reaching the ledger per job: before 1, now %.4f (%d samples for %d jobs); ledger work per job:"
                + " before %.1f ns, now %.2f ns%n", perJob, TALLIED_SAMPLES.get(), TALLIED_JOBS.get(), bestNanos, perJob * bestNanos);
        LoadLedger.Settings settings = new LoadLedger.Settings(1000, 16, 10_000, 900_000);
        System.gc();
        long before = usedHeap();
        LoadLedger ledger = new LoadLedger(settings, System::currentTimeMillis);
        String[] layers = {"sharding", "queue", "llm", "search", "rest"};
        for (int t = 0; t < 100_000; t++) {
            for (String layer : layers) {
                ledger.add(layer, "tenant-" + t, 1);
            }
        }
        System.gc();
        long after = usedHeap();
        System.out.printf("ledger memory, 100,000 tenants on %d layers: heap grew %.2f MiB, %d tenants tracked by name (bound %.2f MiB)%n",
                layers.length, (after - before) / 1048576.0, ledger.tracked(), LoadLedger.bound(settings) / 1048576.0);
    }

    private static long usedHeap() {
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double fairRound(int jobs, TenantId[] tenants) throws InterruptedException {
        return fairRound(jobs, tenants, null);
    }

    private static final long TALLY_MILLIS = 200;
    /** Load samples the ledger received in the tallied rounds with the ledger, and the jobs those rounds ran. */
    private static final AtomicLong TALLIED_SAMPLES = new AtomicLong();
    private static final AtomicLong TALLIED_JOBS = new AtomicLong();

    private static double fairRound(int jobs, TenantId[] tenants, boolean ledger, boolean tallied) throws InterruptedException {
        LoadLedger l = ledger ? new LoadLedger(new LoadLedger.Settings(1000, 16, 10_000, 900_000), System::currentTimeMillis) : null;
        SignalListener listener = new SignalListener() {
            @Override
            public void onLoad(LoadSample sample) {
                if (l != null) {
                    l.add(sample.capability(), sample.tenant().value(), sample.amount());
                    if (tallied) {
                        TALLIED_SAMPLES.incrementAndGet();
                    }
                }
            }
        };
        if (tallied && ledger) {
            TALLIED_JOBS.addAndGet(jobs);
        }
        return tallied ? fairRound(jobs, tenants, null, new LoadTally(), listener) : fairRound(jobs, tenants, listener);
    }

    private static double fairRound(int jobs, TenantId[] tenants, SignalListener listener) throws InterruptedException {
        return fairRound(jobs, tenants, listener, null, null);
    }

    /**
     * {@code listener}: a sample per job as it ends; or {@code tally}: counted per tenant as the queue does, and drained
     * into {@code tallyListener} every {@link #TALLY_MILLIS} by another thread (once more at the end).
     */
    private static double fairRound(int jobs, TenantId[] tenants, SignalListener listener, LoadTally tally, SignalListener tallyListener)
            throws InterruptedException {
        java.util.concurrent.ScheduledExecutorService reporter = null;
        if (tally != null) {
            reporter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            reporter.scheduleWithFixedDelay(() -> report(tally, tallyListener), TALLY_MILLIS, TALLY_MILLIS, TimeUnit.MILLISECONDS);
        }
        FairScheduler s = new FairScheduler(FairScheduler.Settings.defaults(2), System::nanoTime);
        for (int i = 0; i < jobs; i++) {
            s.add(new Job("j" + i, tenants[i % tenants.length], "noop", "", Priority.NORMAL, null, 1, Instant.EPOCH));
        }
        AtomicLong done = new AtomicLong();
        long t0 = System.nanoTime();
        Thread[] workers = new Thread[2];
        for (int w = 0; w < 2; w++) {
            workers[w] = new Thread(() -> {
                Job j;
                while ((j = s.next()) != null) {
                    s.done(j, 0);
                    if (listener != null) { // what the queue reports as each job ends
                        listener.onLoad(new LoadSample(j.tenant(), "queue", "in-process", 1, Instant.now()));
                    } else if (tally != null) {
                        tally.add(j.tenant());
                    }
                    done.incrementAndGet();
                }
            });
            workers[w].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        if (reporter != null) {
            reporter.shutdown();
            reporter.awaitTermination(10, TimeUnit.SECONDS);
            report(tally, tallyListener);
        }
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }

    private static void report(LoadTally tally, SignalListener listener) {
        Instant now = Instant.now();
        tally.drain((tenant, n) -> listener.onLoad(new LoadSample(tenant, "queue", "in-process", n, now)));
    }

    private static double poolRound(int jobs) throws InterruptedException {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(jobs));
        pool.prestartAllCoreThreads();
        CountDownLatch latch = new CountDownLatch(jobs);
        long t0 = System.nanoTime();
        for (int i = 0; i < jobs; i++) {
            pool.execute(latch::countDown);
        }
        latch.await();
        double rate = jobs / ((System.nanoTime() - t0) / 1e9);
        pool.shutdown();
        return rate;
    }
}
