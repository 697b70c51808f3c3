package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
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
        return node(LeasedLimits.Settings.defaults());
    }

    /** A node counting in windows of {@code windowSeconds}. */
    private LeasedLimits node(long windowSeconds) {
        return node(LeasedLimits.Settings.defaults().window(windowSeconds * 1_000));
    }

    private LeasedLimits node(LeasedLimits.Settings settings) {
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
        return new LeasedLimits(counted, clock::get, () -> 2, settings);
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

    // --- limits counted in windows shorter than a minute ---

    @Test
    public void aShortWindowAdmitsItsShareAndAWindowTurningOverAdmitsAgain() {
        LeasedLimits a = node(10);
        int minute = 0;
        for (int w = 0; w < 6; w++) {
            int n = 0;
            for (int i = 0; i < 50; i++) {
                n += a.tryTake(KEY, 60, 1.0, 1) ? 1 : 0;
            }
            assertEquals("60 a minute in 10 s windows: 10 in window " + w, 10, n);
            minute += n;
            assertTrue("the window is used up", !a.tryTake(KEY, 60, 1.0, 1));
            clock.addAndGet(9_999);
            assertTrue("still the same window a millisecond before it ends", !a.tryTake(KEY, 60, 1.0, 1));
            clock.addAndGet(1);
        }
        assertEquals("the clock minute admitted the limit, no more", 60, minute);
        assertTrue("the next minute's first window admits again", a.tryTake(KEY, 60, 1.0, 1));
    }

    @Test
    public void theWindowsOfAMinuteAddUpToExactlyTheLimitWhateverItsRounding() {
        LeasedLimits a = node(10);
        long window = clock.get() / 10_000;
        for (long limit : new long[] {1, 4, 5, 7, 59, 61, 100, 1_000_003}) {
            long sum = 0;
            for (int i = 0; i < 6; i++) {
                long share = a.allowance(limit, window + i);
                assertTrue(limit + " a minute: window " + i + " admits " + share, share == limit / 6 || share == limit / 6 + 1);
                sum += share;
            }
            assertEquals(limit + " a minute", limit, sum);
        }
        assertEquals("a one-minute window is the whole limit", 7, node().allowance(7, 123));
    }

    @Test
    public void aSmallLimitAdmitsInTheWindowsItsRoundingGivesAndSaysWhenTheNextIs() {
        LeasedLimits a = node(10);
        int admitted = 0;
        long retryAfter = a.millisUntilNextWindow(5, 1.0);
        for (int w = 0; w < 6; w++) {
            boolean first = a.tryTake(KEY, 5, 1.0, 1);
            if (w == 0) {
                assertTrue("5 a minute: the minute's first 10 s window has none of it", !first);
                assertEquals("so the wait points past it, to the next window", 10_000, retryAfter);
            }
            admitted += first ? 1 : 0;
            assertTrue("one in a window at most", !a.tryTake(KEY, 5, 1.0, 1));
            clock.addAndGet(10_000);
        }
        assertEquals(5, admitted);
        clock.addAndGet(-1); // the minute's last window, a millisecond before it ends
        assertEquals("the next minute's first window has none: the wait points past it", 10_001, a.millisUntilNextWindow(5, 1.0));
        clock.addAndGet(1);
        assertEquals("1 a minute: only the minute's last window has it", 50_000, a.millisUntilNextWindow(1, 1.0));
    }

    @Test
    public void twoNodesNeverTogetherExceedAWindowsShareAndALoneNodeCanUseAllOfIt() throws Exception {
        List<LeasedLimits> nodes = List.of(node(10), node(10));
        for (int w = 0; w < 3; w++) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                LeasedLimits n = nodes.get(t % 2);
                counts.add(pool.submit(() -> {
                    go.await();
                    return admitted(n, 200);
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : counts) {
                total += f.get();
            }
            pool.shutdown();
            assertEquals("1,600 tries in window " + w + ": 1,000 a minute is 166 or 167 in 10 s", nodes.get(0).allowance(1000,
                    clock.get() / 10_000), total);
            assertTrue(total == 166 || total == 167);
            assertEquals(total, ledger.granted(KEY, clock.get() / 10_000));
            clock.addAndGet(10_000);
        }
        // the other node idle: the one node alone takes the whole window's share, none of it held back for the other
        assertEquals(nodes.get(0).allowance(1000, clock.get() / 10_000), admitted(nodes.get(1), 1000));
    }

    @Test
    public void backgroundCallsNeverPushAWindowPastTheWholeLimitsShare() {
        // 4 a minute, 3 of it for background calls: a window where 3's rounding gives 1 and 4's gives 0 admits nothing
        LeasedLimits a = node(10);
        int minute = 0;
        for (int w = 0; w < 6; w++) {
            int n = 0;
            for (int i = 0; i < 5; i++) {
                n += a.tryTake(KEY, 4, 0.75, 1) ? 1 : 0;
            }
            for (int i = 0; i < 5; i++) {
                n += a.tryTake(KEY, 4, 1.0, 1) ? 1 : 0;
            }
            assertTrue("window " + w + " admitted " + n, n <= a.allowance(4, clock.get() / 10_000));
            minute += n;
            clock.addAndGet(10_000);
        }
        assertEquals(4, minute);
    }

    @Test
    public void settlingAndIdleReturnsWorkPerWindow() {
        LeasedLimits a = node(10);
        LeasedLimits b = node(10);
        long t0 = clock.get();
        assertTrue(a.tryTake("tokens", 600, 1.0, 100)); // 600 a minute: 100 per 10 s window
        assertTrue(!a.tryTake("tokens", 600, 1.0, 1));
        a.settle("tokens", 600, 1.0, 60, t0);
        assertTrue("given back within the window", a.tryTake("tokens", 600, 1.0, 60));
        clock.addAndGet(10_000);
        a.settle("tokens", 600, 1.0, 50, t0);
        assertEquals("a take of the last window lapsed with it", 0, a.held("tokens", 1.0));
        assertEquals(1, admitted(a, 1));
        assertEquals("1,000 a minute: a slice is 5% of a window's 166 or 167, rounded up to 9", 8, a.held(KEY, 1.0));
        clock.addAndGet(1_500);
        a.returnIdle(false);
        assertEquals(0, a.held(KEY, 1.0));
        assertEquals("b gets the whole window's share, a's slice included", a.allowance(1000, clock.get() / 10_000) - 1,
                admitted(b, 1000));
    }

    @Test
    public void aTokensLimitAdmitsAtOnceNoMoreThanAWindowsShare() {
        assertEquals(10_000, node().largestTake(10_000, 1.0));
        assertEquals("10,000 a minute in 10 s windows: 1,667 at most in one", 1_667, node(10).largestTake(10_000, 1.0));
        assertEquals(Long.MAX_VALUE, node(10).largestTake(0, 1.0));
        LeasedLimits a = node(10);
        assertTrue("more than any window admits never fits", !a.tryTake("tokens", 10_000, 1.0, 1_668));
        assertTrue(a.tryTake("tokens", 10_000, 1.0, 1_666));
    }

    @Test
    public void withoutTheLedgerANodeServesItsShareOfEachWindow() {
        LeasedLimits a = new LeasedLimits(new LeasedLimits.Ledger() {
            @Override
            public long take(String key, long window, long ceiling, long amount) {
                throw new IllegalStateException("control schema unreachable");
            }

            @Override
            public void giveBack(String key, long window, long amount) {
                throw new IllegalStateException("control schema unreachable");
            }
        }, clock::get, () -> 4, LeasedLimits.Settings.defaults().window(10_000));
        assertEquals("1200 a minute is 200 in 10 s, / 4 live nodes", 50, admitted(a, 1200, 1000));
        clock.addAndGet(5_000);
        assertEquals("asking again later in the window does not grant the share twice", 0, admitted(a, 1200, 1000));
        clock.addAndGet(5_000);
        assertEquals("the next window: the share again", 50, admitted(a, 1200, 1000));
    }

    @Test
    public void aWindowDividesAMinute() {
        assertThrows(IllegalArgumentException.class, () -> LeasedLimits.Settings.defaults().window(7_000));
        assertThrows(IllegalArgumentException.class, () -> LeasedLimits.Settings.defaults().window(0));
        assertThrows(IllegalArgumentException.class, () -> LeasedLimits.Settings.defaults().window(120_000));
        assertEquals(6, LeasedLimits.Settings.windowSeconds(7));
        assertEquals(1, LeasedLimits.Settings.windowSeconds(0));
        assertEquals(60, LeasedLimits.Settings.windowSeconds(90));
        assertEquals(15, LeasedLimits.Settings.windowSeconds(15));
        assertEquals(60_000, LeasedLimits.Settings.defaults().windowMillis());
    }

    private static int admitted(LeasedLimits node, long limit, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            n += node.tryTake(KEY, limit, 1.0, 1) ? 1 : 0;
        }
        return n;
    }
}
