package io.headroom.sharding.internal.core;

import java.util.function.LongSupplier;

/**
 * Fails calls to a shard fast once its server looks down: after {@code threshold} consecutive connection failures
 * the circuit opens and calls are refused without touching the network for {@code openMillis}; then one trial call
 * is let through (half open): success closes the circuit, failure opens it again. Thread-safe.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openMillis;
    private final LongSupplier clock;
    private volatile State state = State.CLOSED;
    private volatile int failures;
    private long openedAt;
    private boolean trialInFlight;
    private String lastFailure;

    public CircuitBreaker(int threshold, long openMillis, LongSupplier clock) {
        if (threshold < 1 || openMillis < 1) {
            throw new IllegalArgumentException("threshold and open time must be positive");
        }
        this.threshold = threshold;
        this.openMillis = openMillis;
        this.clock = clock;
    }

    /** Whether a call may go to the shard now; a true answer in the half-open state reserves the single trial. */
    public boolean allow() {
        if (state == State.CLOSED) {
            return true; // the hot path takes no lock
        }
        return allowSlow();
    }

    private synchronized boolean allowSlow() {
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.OPEN && clock.getAsLong() - openedAt >= openMillis) {
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (state == State.HALF_OPEN && !trialInFlight) {
            trialInFlight = true;
            return true;
        }
        return false;
    }

    public void success() {
        if (state == State.CLOSED && failures == 0) {
            return;
        }
        successSlow();
    }

    private synchronized void successSlow() {
        state = State.CLOSED;
        failures = 0;
        trialInFlight = false;
    }

    /** A failure that says the server is unreachable (not a SQL error in the statement). */
    public synchronized void failure(String reason) {
        lastFailure = reason;
        failures++;
        if (state == State.HALF_OPEN || failures >= threshold) {
            state = State.OPEN;
            openedAt = clock.getAsLong();
            trialInFlight = false;
        }
    }

    public synchronized State state() {
        if (state == State.OPEN && clock.getAsLong() - openedAt >= openMillis) {
            return State.HALF_OPEN;
        }
        return state;
    }

    public synchronized String lastFailure() {
        return lastFailure;
    }
}
