package io.headroom.heartbeat.api;

import io.headroom.core.api.JobName;

/**
 * A service-level objective for one job: the share of its events that must be good over the SLO window. An event
 * is good when it succeeded and, if {@code latencyThresholdMillis} is set, finished within it. The job is a
 * {@link JobName}, so every name a capability reports outcomes under can have an SLO.
 */
public record Slo(String job, double target, Long latencyThresholdMillis, String description) {
    public Slo {
        JobName.of(job);
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("target must be a ratio strictly between 0 and 1 (e.g. 0.999), was " + target);
        }
        if (latencyThresholdMillis != null && latencyThresholdMillis <= 0) {
            throw new IllegalArgumentException("latency threshold must be positive, was " + latencyThresholdMillis);
        }
        description = description == null ? "" : description;
    }

    /** Whether {@code job} is a job name (see {@link JobName}). */
    public static boolean isValidJob(String job) {
        return JobName.isValid(job);
    }

    /** The error budget: the share of events allowed to be bad. */
    public double budget() {
        return 1 - target;
    }

    public boolean isGood(boolean success, long latencyMillis) {
        return success && (latencyThresholdMillis == null || latencyMillis <= latencyThresholdMillis);
    }
}
