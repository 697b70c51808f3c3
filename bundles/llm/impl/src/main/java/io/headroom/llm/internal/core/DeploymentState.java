package io.headroom.llm.internal.core;

import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the router knows about one deployment: limits, cooldown, recent latency, load. */
public final class DeploymentState {
    final Deployment deployment;
    final SlidingLimit requests;
    final SlidingLimit tokens;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong total = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private volatile long cooldownUntil;
    private volatile String cooldownReason;
    private volatile double latencyEwma = Double.NaN;
    private volatile boolean disabled;

    DeploymentState(Deployment deployment) {
        this.deployment = deployment;
        this.requests = new SlidingLimit(deployment.requestsPerMinute());
        this.tokens = new SlidingLimit(deployment.tokensPerMinute());
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
