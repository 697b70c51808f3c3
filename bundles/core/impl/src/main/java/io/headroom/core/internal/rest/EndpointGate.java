package io.headroom.core.internal.rest;

/**
 * Admission to one published path. While the path is live, requests pass and are counted; when its resource goes
 * away (a bundle update or stop) the gate closes, waits for the requests in flight to finish, and holds newcomers
 * for a while in case the resource comes back, which is what makes a bundle update invisible to clients.
 */
final class EndpointGate {
    private boolean live;
    private int inFlight;

    /** Waits up to {@code holdMillis} for the path to be live; true if the caller may proceed (then call exit). */
    synchronized boolean enter(long holdMillis) throws InterruptedException {
        long deadline = System.nanoTime() + holdMillis * 1_000_000;
        while (!live) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                return false;
            }
            wait(remaining);
        }
        inFlight++;
        return true;
    }

    synchronized void exit() {
        if (--inFlight == 0) {
            notifyAll();
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
        while (inFlight > 0) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                break;
            }
            wait(remaining);
        }
        return inFlight;
    }

    synchronized boolean isLive() {
        return live;
    }
}
