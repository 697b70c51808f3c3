package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import io.headroom.core.internal.load.LoadLedger;
import io.headroom.core.internal.load.TenantTracker;
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
 * Usage: QueueBench [quiet jobs per second] [seconds] [burst] [ledger]   (defaults 45 120 10000; {@code ledger}: only the
 * tenant load ledger's cost on dispatch and its memory)
 */
public final class QueueBench {
    private static final long MS = 1_000_000L;

    public static void main(String[] args) throws Exception {
        double quietRate = args.length > 0 ? Double.parseDouble(args[0]) : 45;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int burst = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        if (args.length > 3 && args[3].equals("ledger")) { // the ledger's part only
            System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                    System.getProperty("java.version"));
            ledgerCost(LEDGER_JOBS, tenants());
            return;
        }
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
        TenantId[] tenants = tenants();
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
        ledgerCost(LEDGER_JOBS, tenants);
    }

    private static TenantId[] tenants() {
        TenantId[] tenants = new TenantId[1000];
        for (int i = 0; i < tenants.length; i++) {
            tenants[i] = TenantId.of("t" + i);
        }
        return tenants;
    }

    /**
     * The tenant load ledger on the queue's dispatch path, as the queue runs it: as each job ends its outcome goes to the
     * signal listeners (as {@code SignalHub} hands it, on the worker's thread) and its load is tallied per tenant, the
     * tally drained to the listeners every {@link #TALLY_MILLIS} ms by another thread. Without the ledger no listener is
     * installed; with it the core's {@link TenantTracker} (production settings), whose outcomes are drained into its
     * ledger every {@link #TALLY_MILLIS} ms like the ledger service does; and, to show what that changed, the ledger
     * taking each outcome on the worker's thread (the tracker before). The kinds run in interleaved rounds, their order
     * rotating, a GC before each round, {@link #ROUNDS} measured after {@link #WARMUP} of warm-up: each round's ratio
     * against the round without the ledger next to it, and their median. Then the ledger alone on one thread (ns per
     * sample), and 100,000 tenants reporting into one ledger, heap measured after a GC.
     */
    private static void ledgerCost(int jobs, TenantId[] tenants) throws Exception {
        String[] kinds = {"without the ledger", "with the ledger (outcomes tallied)", "with the ledger taking each outcome"};
        List<List<Double>> rates = new ArrayList<>();
        for (int k = 0; k < kinds.length; k++) {
            rates.add(new ArrayList<>());
        }
        for (int round = 0; round < WARMUP + ROUNDS; round++) {
            double[] r = new double[kinds.length];
            for (int i = 0; i < kinds.length; i++) {
                int k = (round + i) % kinds.length;
                System.gc();
                r[k] = queueRound(jobs, tenants, k);
            }
            if (round >= WARMUP) {
                for (int k = 0; k < kinds.length; k++) {
                    rates.get(k).add(r[k]);
                }
            }
        }
        for (int k = 1; k < kinds.length; k++) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                ratios.add(rates.get(k).get(i) / rates.get(0).get(i));
            }
            System.out.printf("queue dispatch (outcome + tally per job), %s vs without: median jobs/s %.0f vs %.0f; ratio per round %s;"
                    + " median ratio %.3f%n", kinds[k], median(rates.get(k)), median(rates.get(0)),
                    ratios.stream().map(x -> String.format("%.3f", x)).toList(), median(ratios));
        }
        LoadLedger one = new LoadLedger(new LoadLedger.Settings(1000, 16, 8, 10_000, 900_000), System::currentTimeMillis);
        double bestNanos = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 10_000_000; i++) {
                one.add("queue", "jobs", "in-process", tenants[i % tenants.length].value(), 1);
            }
            bestNanos = Math.min(bestNanos, (System.nanoTime() - t0) / 1e7);
        }
        System.out.printf("ledger cost per load sample, one thread, 1,000 tenants: %.1f ns (best of 5 rounds of 10 M)%n", bestNanos);
        System.out.printf("samples reaching the ledger per job with outcomes tallied: %.4f (%d samples for %d jobs)%n",
                (double) TALLIED_SAMPLES.get() / TALLIED_JOBS.get(), TALLIED_SAMPLES.get(), TALLIED_JOBS.get());
        LoadLedger.Settings settings = new LoadLedger.Settings(1000, 16, 8, 10_000, 900_000);
        System.gc();
        long before = usedHeap();
        LoadLedger ledger = new LoadLedger(settings, System::currentTimeMillis);
        String[] layers = {"sharding", "queue", "llm", "search", "rest"};
        for (int t = 0; t < 100_000; t++) {
            for (String layer : layers) {
                ledger.add(layer, "requests", "resource-" + (t % 12), "tenant-" + t, 1);
            }
        }
        System.gc();
        long after = usedHeap();
        System.out.printf("ledger memory, 100,000 tenants on %d measures of 12 resources each: heap grew %.2f MiB, %d tenants tracked by name (bound %.2f MiB)%n",
                layers.length, (after - before) / 1048576.0, ledger.tracked(), LoadLedger.bound(settings) / 1048576.0);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long usedHeap() {
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static final long TALLY_MILLIS = 200;
    private static final int WARMUP = 1;
    private static final int ROUNDS = 7;
    private static final int LEDGER_JOBS = 1_000_000;
    /** Load samples and drained outcome counts the ledger received in the rounds with outcomes tallied, and their jobs. */
    private static final AtomicLong TALLIED_SAMPLES = new AtomicLong();
    private static final AtomicLong TALLIED_JOBS = new AtomicLong();

    /**
     * One round of the queue's path; {@code kind} 0 no listener, 1 the tenant tracker (outcomes tallied, drained every
     * {@link #TALLY_MILLIS}), 2 the ledger taking each outcome as it comes.
     */
    private static double queueRound(int jobs, TenantId[] tenants, int kind) throws InterruptedException {
        LoadLedger.Settings settings = new LoadLedger.Settings(1000, 16, 8, 10_000, 900_000);
        List<SignalListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
        TenantTracker tracker = null;
        if (kind == 1) {
            tracker = new TenantTracker(settings, System::currentTimeMillis);
            TenantTracker t = tracker;
            listeners.add(new SignalListener() { // counts what reaches the ledger, then hands it on
                @Override
                public void onOutcome(OutcomeEvent event) {
                    t.onOutcome(event);
                }

                @Override
                public void onLoad(LoadSample sample) {
                    TALLIED_SAMPLES.incrementAndGet();
                    t.onLoad(sample);
                }
            });
            TALLIED_JOBS.addAndGet(jobs);
        } else if (kind == 2) {
            LoadLedger ledger = new LoadLedger(settings, System::currentTimeMillis);
            listeners.add(new SignalListener() {
                @Override
                public void onOutcome(OutcomeEvent event) {
                    ledger.add("health", "outcomes", event.job(), event.tenant().value(), 1);
                    if (!event.success()) {
                        ledger.add("health", "failures", event.job(), event.tenant().value(), 1);
                    }
                }

                @Override
                public void onLoad(LoadSample sample) {
                    ledger.add(sample.capability(), sample.measure(), sample.resource(), sample.tenant().value(), sample.amount());
                }
            });
        }
        LoadTally tally = new LoadTally();
        TenantTracker drained = tracker;
        java.util.concurrent.ScheduledExecutorService reporter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        Runnable report = () -> {
            Instant now = Instant.now();
            tally.drain((tenant, n) -> {
                for (SignalListener l : listeners) {
                    l.onLoad(new LoadSample(tenant, "queue", "in-process", n, now));
                }
            });
            if (drained != null) {
                drained.drainOutcomes();
            }
        };
        reporter.scheduleWithFixedDelay(report, TALLY_MILLIS, TALLY_MILLIS, TimeUnit.MILLISECONDS);
        double rate = fairRound(jobs, tenants, j -> {
            OutcomeEvent e = new OutcomeEvent(j.tenant(), "queue.noop", true, 0, Instant.now()); // as the queue's account()
            for (SignalListener l : listeners) {
                l.onOutcome(e);
            }
            tally.add(j.tenant(), 0, 0);
        });
        reporter.shutdown();
        reporter.awaitTermination(10, TimeUnit.SECONDS);
        report.run();
        return rate;
    }

    private static double fairRound(int jobs, TenantId[] tenants) throws InterruptedException {
        return fairRound(jobs, tenants, j -> { });
    }

    /** Jobs/s of two workers draining a fair scheduler of {@code jobs} no-op jobs, each finished job handed to {@code finished}. */
    private static double fairRound(int jobs, TenantId[] tenants, java.util.function.Consumer<Job> finished) throws InterruptedException {
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
                    finished.accept(j);
                    done.incrementAndGet();
                }
            });
            workers[w].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return done.get() / ((System.nanoTime() - t0) / 1e9);
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
