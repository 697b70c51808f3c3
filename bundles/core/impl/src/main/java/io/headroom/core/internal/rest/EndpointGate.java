package io.headroom.core.internal.rest;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission to one published path. While the path is live, requests pass and are counted; when its resource goes
 * away (a bundle update or stop) the gate closes, waits for the requests in flight to finish, and holds newcomers
 * for a while in case the resource comes back, which is what makes a bundle update invisible to clients.
 *
 * <p>The live path is lock-free (one volatile read and one atomic increment each way); the monitor is only used
 * to wait while the gate is closed or draining.
 */
final class EndpointGate {
    private volatile boolean live;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Waits up to {@code holdMillis} for the path to be live; true if the caller may proceed (then call exit). */
    boolean enter(long holdMillis) throws InterruptedException {
        if (tryEnter()) {
            return true;
        }
        long deadline = System.nanoTime() + holdMillis * 1_000_000;
        synchronized (this) {
            while (!tryEnter()) {
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) {
                    return false;
                }
                wait(remaining);
            }
            return true;
        }
    }

    /**
     * Counts the request in, then checks the gate is still live: either this sees a close, or the closing thread
     * sees the count and waits for this request (volatile and atomic accesses are sequentially consistent).
     */
    private boolean tryEnter() {
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

    synchronized void open() {
        live = true;
        notifyAll();
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
