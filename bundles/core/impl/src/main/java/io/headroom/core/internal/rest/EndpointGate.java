package io.headroom.core.internal.rest;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Admission to one published path. While the path is live, requests pass and are counted; when its resource goes
 * away (a bundle update or stop) the gate closes, waits for the requests in flight to finish, and holds newcomers
 * for a while in case the resource comes back, which is what makes a bundle update invisible to clients.
 *
 * <p>The live path is lock-free (one volatile read and one atomic increment each way). A held request holds no
 * thread: it waits as a callback, run when the gate opens (admitted) or when its hold time is over (turned away).
 */
final class EndpointGate {
    private volatile boolean live;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<Waiter> waiting = new ConcurrentLinkedQueue<>();

    /** A held request: decided once, either admitted by an opening gate or turned away by its timeout. */
    private static final class Waiter {
        final Consumer<Boolean> then;
        final AtomicBoolean decided = new AtomicBoolean();

        Waiter(Consumer<Boolean> then) {
            this.then = then;
        }
    }

    /**
     * Enters at once if the path is live (true: call {@link #exit()} when the request is done). Otherwise returns
     * false and later calls {@code then} exactly once: with true when the path is live again within
     * {@code holdMillis} (the request has entered), with false when it was not.
     */
    boolean enterOrHold(long holdMillis, ScheduledExecutorService timer, Consumer<Boolean> then) {
        if (tryEnter()) {
            return true;
        }
        Waiter w = new Waiter(then);
        waiting.add(w);
        timer.schedule(() -> {
            if (w.decided.compareAndSet(false, true)) {
                waiting.remove(w);
                w.then.accept(false);
            }
        }, holdMillis, TimeUnit.MILLISECONDS);
        admitWaiting(); // the gate may have opened between the first try and the queueing
        return false;
    }

    /** Whether a request may proceed now; for a caller that does not hold (then call {@link #exit()}). */
    boolean tryEnter() {
        // counts the request in, then checks the gate is still live: either this sees a close, or the closing thread
        // sees the count and waits for this request (volatile and atomic accesses are sequentially consistent)
        if (!live) {
            return false;
        }
        inFlight.incrementAndGet();
        if (live) {
            return true;
        }
        exit();
        return false;
    }

    void exit() {
        if (inFlight.decrementAndGet() == 0 && !live) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    void open() {
        synchronized (this) {
            live = true;
            notifyAll();
        }
        admitWaiting();
    }

    private void admitWaiting() {
        for (Waiter w : waiting) {
            if (!tryEnter()) {
                return;
            }
            if (w.decided.compareAndSet(false, true)) {
                waiting.remove(w);
                w.then.accept(true);
            } else {
                exit(); // timed out meanwhile
            }
        }
    }

    /** Stops admitting and waits up to {@code drainMillis} for in-flight requests; returns how many are left. */
    synchronized int close(long drainMillis) throws InterruptedException {
        live = false;
        long deadline = System.nanoTime() + drainMillis * 1_000_000;
        while (inFlight.get() > 0) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                break;
            }
            wait(remaining);
        }
        return inFlight.get();
    }
}
