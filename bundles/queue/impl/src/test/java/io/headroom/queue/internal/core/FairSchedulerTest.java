package io.headroom.queue.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

public class FairSchedulerTest {
    private static final TenantId NOISY = TenantId.of("noisy");
    private static final TenantId QUIET = TenantId.of("quiet");
    private final long[] clock = {0};
    private int ids;

    private FairScheduler scheduler(int workers) {
        return new FairScheduler(FairScheduler.Settings.defaults(workers), () -> clock[0]);
    }

    private Job job(TenantId tenant, String type, Priority priority) {
        return new Job("j" + ids++, tenant, type, "", priority, null, 1, Instant.EPOCH);
    }

    /** Dispatches n jobs one at a time, completing each at once; counts jobs per tenant. */
    private static Map<TenantId, Integer> drain(FairScheduler s, int n) {
        Map<TenantId, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Job j = s.next();
            if (j == null) {
                break;
            }
            counts.merge(j.tenant(), 1, Integer::sum);
            s.done(j, 1_000_000);
        }
        return counts;
    }

    @Test
    public void weightsAreHonoured() {
        FairScheduler s = scheduler(4);
        TenantId a = TenantId.of("a");
        TenantId b = TenantId.of("b");
        s.setLimits(a, 3, 100);
        for (int i = 0; i < 50; i++) {
            s.add(job(a, "t", Priority.NORMAL));
            s.add(job(b, "t", Priority.NORMAL));
        }
        Map<TenantId, Integer> first40 = drain(s, 40);
        assertEquals(Integer.valueOf(30), first40.get(a));
        assertEquals(Integer.valueOf(10), first40.get(b));
    }

    @Test
    public void aQuietTenantWaitsOneTurnBehindABurstNotTheWholeBurst() {
        FairScheduler s = scheduler(2);
        for (int i = 0; i < 10_000; i++) {
            s.add(job(NOISY, "t", Priority.NORMAL));
        }
        drain(s, 5);
        s.add(job(QUIET, "t", Priority.NORMAL));
        int dispatchesUntilQuiet = 0;
        Job j;
        do {
            j = s.next();
            s.done(j, 1);
            dispatchesUntilQuiet++;
        } while (!j.tenant().equals(QUIET));
        // at most the noisy tenant's current turn, plus one overflow-lane turn (its starvation guard)
        assertTrue("quiet tenant waited " + dispatchesUntilQuiet + " dispatches", dispatchesUntilQuiet <= 3);
    }

    @Test
    public void splittingABurstAcrossManyJobTypesGainsNothing() {
        int[] quietInFirst20 = new int[2];
        for (int split = 0; split < 2; split++) {
            FairScheduler s = scheduler(2);
            for (int i = 0; i < 5_000; i++) {
                s.add(job(NOISY, split == 1 ? "type-" + (i % 50) : "t", Priority.NORMAL));
            }
            for (int i = 0; i < 10; i++) {
                s.add(job(QUIET, "t", Priority.NORMAL));
            }
            quietInFirst20[split] = drain(s, 20).getOrDefault(QUIET, 0);
        }
        assertEquals("the same dispatch order with 1 or 50 job types", quietInFirst20[0], quietInFirst20[1]);
        assertTrue("quiet got " + quietInFirst20[1] + " of the first 20", quietInFirst20[1] >= 6);
    }

    @Test
    public void higherPrioritiesGoFirst() {
        FairScheduler s = scheduler(2);
        s.add(job(NOISY, "t", Priority.LOW));
        s.add(job(NOISY, "t", Priority.NORMAL));
        s.add(job(QUIET, "t", Priority.HIGH));
        assertEquals(Priority.HIGH, s.next().priority());
        assertEquals(Priority.NORMAL, s.next().priority());
        assertEquals(Priority.LOW, s.next().priority());
    }

    @Test
    public void pausedTenantsWaitAndResumeWhereTheyWere() {
        FairScheduler s = scheduler(2);
        s.pause(QUIET, true);
        s.add(job(QUIET, "t", Priority.NORMAL));
        assertNull(s.next());
        s.pause(QUIET, false);
        assertEquals(QUIET, s.next().tenant());
    }

    @Test
    public void aNoisyTenantsNewWorkGoesToOverflowWithABoundedShareAndComesBack() {
        FairScheduler s = scheduler(4); // one overflow worker
        for (int i = 0; i < 200; i++) {
            s.add(job(NOISY, "t", Priority.NORMAL));
        }
        assertEquals("overflow", s.add(job(NOISY, "t", Priority.NORMAL)));
        for (int i = 0; i < 100; i++) {
            s.add(job(QUIET, "t", Priority.NORMAL));
        }
        FairScheduler.TenantView noisy = s.view().stream().filter(v -> v.tenant().equals(NOISY)).findFirst().orElseThrow();
        assertTrue(noisy.noisy());
        assertTrue(noisy.overflowBacklog() > 0);
        // with the main lane busy, at most one worker runs overflow work
        List<Job> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(s.next());
        }
        // drain everything; the tenant returns to the main lane once its backlog is small
        running.forEach(j -> s.done(j, 1));
        drain(s, 10_000);
        assertEquals("main", s.add(job(NOISY, "t", Priority.NORMAL)));
    }

    @Test
    public void overflowWorkIsCappedWhileTheMainLaneHasWorkAndNeverStarved() {
        FairScheduler s = scheduler(4); // overflow may take 1 worker from a busy main lane, after waiting 1 s
        for (int i = 0; i < 300; i++) {
            s.add(job(NOISY, "t", Priority.NORMAL)); // all but the first 20 land in overflow
        }
        for (int i = 0; i < 300; i++) {
            s.add(job(TenantId.of("q" + (i % 30)), "t", Priority.NORMAL));
        }
        int maxOverflowWhileMainBusy = 0;
        List<Job> inFlight = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
            clock[0] += 100_000_000L; // each job takes 100 ms
            while (inFlight.size() < 4) {
                Job j = s.next();
                if (j == null) {
                    break;
                }
                inFlight.add(j);
            }
            int mainBacklog = s.view().stream().mapToInt(v -> v.backlog() - v.overflowBacklog()).sum();
            if (mainBacklog > 0) {
                maxOverflowWhileMainBusy = Math.max(maxOverflowWhileMainBusy, s.overflowInFlight());
            }
            s.done(inFlight.remove(0), 100_000_000L);
        }
        assertEquals("one worker for the noisy tenant while quiet work waits", 1, maxOverflowWhileMainBusy);
    }

    @Test
    public void capsHoldExactlyUnderConcurrency() throws Exception {
        FairScheduler s = scheduler(16);
        TenantId capped = TenantId.of("capped");
        s.setLimits(capped, 1, 3);
        for (int i = 0; i < 2_000; i++) {
            s.add(job(capped, "t", Priority.NORMAL));
            s.add(job(TenantId.of("other" + (i % 7)), "t", Priority.NORMAL));
        }
        Map<TenantId, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger maxCapped = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            Thread t = new Thread(() -> {
                while (processed.get() < 4_000) {
                    Job j = s.next();
                    if (j == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    int now = running.computeIfAbsent(j.tenant(), k -> new AtomicInteger()).incrementAndGet();
                    if (j.tenant().equals(capped)) {
                        maxCapped.accumulateAndGet(now, Math::max);
                    }
                    Thread.yield();
                    running.get(j.tenant()).decrementAndGet();
                    s.done(j, 1);
                    processed.incrementAndGet();
                }
            });
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join(60_000);
        }
        assertEquals(4_000, processed.get());
        assertTrue("capped tenant ran " + maxCapped.get() + " at once", maxCapped.get() <= 3 && maxCapped.get() >= 1);
    }

    @Test
    public void quietTenantsKeepTheirDwellTimeUnderABurstWhereFifoDoesNot() {
        List<Simulation.Arrival> quietOnly = new ArrayList<>();
        List<Simulation.Arrival> withBurst = new ArrayList<>();
        List<TenantId> quiet = new ArrayList<>();
        for (int t = 0; t < 100; t++) {
            quiet.add(TenantId.of("q" + t));
        }
        long ms = 1_000_000;
        // 100 quiet tenants, one job each per 4 s in turn (25 jobs/s, half of 2 workers at 20 ms a job), for 60 s
        for (long at = 0; at < 60_000 * ms; at += 40 * ms) {
            Simulation.Arrival a = new Simulation.Arrival(at, quiet.get((int) (at / (40 * ms)) % 100), "t");
            quietOnly.add(a);
            withBurst.add(a);
        }
        for (int i = 0; i < 2_000; i++) {
            withBurst.add(new Simulation.Arrival(5_000 * ms, NOISY, "t"));
        }
        withBurst.sort((x, y) -> Long.compare(x.atNanos(), y.atNanos()));
        long baseline = Simulation.run(quietOnly, 2, 20 * ms, true).percentile(quiet, 0.99);
        long fair = Simulation.run(withBurst, 2, 20 * ms, true).percentile(quiet, 0.99);
        long fifo = Simulation.run(withBurst, 2, 20 * ms, false).percentile(quiet, 0.99);
        // bounded waiting: at most the job ahead of it in the tenant rotation and a worker becoming free
        assertTrue("fair p99 " + fair / ms + " ms vs baseline " + baseline / ms + " ms", fair <= baseline + 40 * ms);
        assertTrue("FIFO p99 " + fifo / ms + " ms should suffer", fifo > 10 * fair);
    }
}
