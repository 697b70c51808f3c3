package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/** Fleet-wide limits from leased slices: simulated nodes sharing one ledger on a simulated clock. */
public class LeasedLimitsTest {
    private static final String KEY = "deployment:gpt:requests";
    /** The start of a clock minute. */
    private final AtomicLong clock = new AtomicLong(1_000_020_000L);
    private final MemoryLedger ledger = new MemoryLedger();
    private final AtomicInteger ledgerCalls = new AtomicInteger();

    private LeasedLimits node() {
        LeasedLimits.Ledger counted = new LeasedLimits.Ledger() {
            @Override
            public long take(String key, long minute, long ceiling, long amount) {
                ledgerCalls.incrementAndGet();
                return ledger.take(key, minute, ceiling, amount);
            }

            @Override
            public void giveBack(String key, long minute, long amount) {
                ledger.giveBack(key, minute, amount);
            }
        };
        return new LeasedLimits(counted, clock::get, () -> 2, LeasedLimits.Settings.defaults());
    }

    private static int admitted(LeasedLimits node, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            n += node.tryTake(KEY, 1000, 1.0, 1) ? 1 : 0;
        }
        return n;
    }

    @Test
    public void aLoneNodeUsesTheWholeLimitAskingTheLedgerOncePerSlice() {
        LeasedLimits a = node();
        node(); // a second node that stays idle
        assertEquals(1000, admitted(a, 1500));
        assertTrue("slices of 5%: about 20 ledger calls, not 1000: " + ledgerCalls.get(), ledgerCalls.get() <= 22);
        clock.addAndGet(60_000);
        assertEquals("a new minute, a new budget", 1000, admitted(a, 1500));
    }

    @Test
    public void concurrentNodesTogetherNeverExceedTheLimit() throws Exception {
        List<LeasedLimits> nodes = List.of(node(), node(), node());
        ExecutorService pool = Executors.newFixedThreadPool(12);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> counts = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            LeasedLimits n = nodes.get(t % 3);
            counts.add(pool.submit(() -> {
                go.await();
                return admitted(n, 500);
            }));
        }
        go.countDown();
        int total = 0;
        for (Future<Integer> f : counts) {
            total += f.get();
        }
        pool.shutdown();
        assertEquals("6,000 tries, 1,000 a minute", 1000, total);
        assertEquals(1000, ledger.granted(KEY, clock.get() / 60_000));
    }

    @Test
    public void anIdleNodeGivesItsSliceBackForOthersToUse() {
        LeasedLimits a = node();
        LeasedLimits b = node();
        assertEquals(10, admitted(a, 10)); // a holds the rest of a 50 slice
        assertEquals(40, a.held(KEY, 1.0));
        assertEquals("b gets everything a does not hold", 950, admitted(b, 2000));
        clock.addAndGet(1_500);
        a.returnIdle(false);
        assertEquals(0, a.held(KEY, 1.0));
        clock.addAndGet(300); // past b's pause after finding the ledger empty
        assertEquals("b uses what a gave back", 40, admitted(b, 100));
    }

    @Test
    public void backgroundCallsCannotTakeTheInteractiveReserve() {
        LeasedLimits a = node();
        int background = 0;
        for (int i = 0; i < 2000; i++) {
            background += a.tryTake(KEY, 1000, 0.8, 1) ? 1 : 0;
        }
        assertEquals(800, background);
        assertEquals("interactive calls still get the reserved 20%", 200, admitted(a, 1000));
    }

    @Test
    public void settlingGivesBackOnlyWithinTheSameMinute() {
        LeasedLimits a = node();
        long t0 = clock.get();
        assertTrue(a.tryTake("tokens", 100, 1.0, 100));
        assertTrue(!a.tryTake("tokens", 100, 1.0, 10));
        a.settle("tokens", 100, 1.0, 60, t0); // the estimate was 60 too high
        assertTrue(a.tryTake("tokens", 100, 1.0, 60));
        clock.addAndGet(60_000);
        a.settle("tokens", 100, 1.0, 50, t0); // a call of the last minute: its reservation lapsed with it
        assertEquals(0, a.held("tokens", 1.0));
    }

    @Test
    public void withoutTheLedgerANodeServesItsShareOfTheLimit() {
        LeasedLimits a = new LeasedLimits(new LeasedLimits.Ledger() {
            @Override
            public long take(String key, long minute, long ceiling, long amount) {
                throw new IllegalStateException("control schema unreachable");
            }

            @Override
            public void giveBack(String key, long minute, long amount) {
                throw new IllegalStateException("control schema unreachable");
            }
        }, clock::get, () -> 4, LeasedLimits.Settings.defaults());
        assertEquals("1000 / 4 live nodes", 250, admitted(a, 1000));
        clock.addAndGet(5_000);
        assertEquals("asking again later does not grant the share twice", 0, admitted(a, 1000));
        assertTrue("unlimited stays unlimited", a.tryTake(KEY, 0, 1.0, 1_000_000));
    }
}
