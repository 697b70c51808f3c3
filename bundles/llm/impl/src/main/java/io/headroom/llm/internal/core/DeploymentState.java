package io.headroom.llm.internal.core;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the router knows about one deployment: limits, cooldown, recent latency, load. */
public final class DeploymentState {
    final Deployment deployment;
    /** This node's requests in the last minute (a count for status; the limit itself is fleet-wide). */
    final SlidingLimit requests = new SlidingLimit(0);
    final String requestsKey;
    final String tokensKey;
    private int consecutiveFails;
    private long firstFailAt;
    private volatile boolean failing;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong total = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private volatile long cooldownUntil;
    private volatile String cooldownReason;
    private volatile double latencyEwma = Double.NaN;
    private volatile boolean disabled;

    DeploymentState(Deployment deployment) {
        this.deployment = deployment;
        this.requestsKey = "deployment:" + deployment.name() + ":requests";
        this.tokensKey = "deployment:" + deployment.name() + ":tokens";
    }

    boolean coolingDown(long now) {
        return now < cooldownUntil;
    }

    long cooldownUntil() {
        return cooldownUntil;
    }

    void coolDown(long until, String reason) {
        if (until > cooldownUntil) {
            cooldownUntil = until;
            cooldownReason = reason;
        }
    }

    /**
     * Counts a retryable failure; true when it is the {@code allowedFails}-th in a row within the window (the count
     * then starts again).
     */
    synchronized boolean failedInARow(long now, int allowedFails, long windowMillis) {
        if (consecutiveFails == 0 || now - firstFailAt > windowMillis) {
            consecutiveFails = 0;
            firstFailAt = now;
        }
        consecutiveFails++;
        failing = true;
        if (consecutiveFails >= Math.max(1, allowedFails)) {
            consecutiveFails = 0;
            return true;
        }
        return false;
    }

    /** A success ends a run of failures (a volatile read on the hot path, a lock only after failures). */
    void succeeded() {
        if (failing) {
            synchronized (this) {
                consecutiveFails = 0;
                failing = false;
            }
        }
    }

    /** Sets cooldown and drain as the fleet's shared state says. */
    void apply(boolean disabled, long cooldownUntil, String reason) {
        this.disabled = disabled;
        this.cooldownUntil = cooldownUntil;
        this.cooldownReason = reason;
    }

    String cooldownReason() {
        return cooldownReason;
    }

    void clearCooldown() {
        cooldownUntil = 0;
        cooldownReason = null;
    }

    void setDisabled(boolean disabled) {
        this.disabled = disabled;
    }

    boolean disabled() {
        return disabled;
    }

    synchronized void recordLatency(long millis) {
        latencyEwma = Double.isNaN(latencyEwma) ? millis : 0.8 * latencyEwma + 0.2 * millis;
    }

    /** Recent latency; a deployment never measured counts as fastest, so that it gets measured. */
    double latency() {
        double l = latencyEwma;
        return Double.isNaN(l) ? 0 : l;
    }

    DeploymentStatus status(long now) {
        String status = disabled ? "disabled" : coolingDown(now) ? "cooling down" : "healthy";
        return new DeploymentStatus(deployment.name(), deployment.provider(), deployment.model(), status, coolingDown(now) ? cooldownReason : null,
                coolingDown(now) ? cooldownUntil : 0, latency(), inFlight.get(), total.get(), failures.get(),
                requests.usedSince(now / 1000), deployment.requestsPerMinute());
    }
}
