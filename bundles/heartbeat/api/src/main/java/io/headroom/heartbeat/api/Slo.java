package io.headroom.heartbeat.api;

import java.util.regex.Pattern;

/**
 * A service-level objective for one job: the share of its events that must be good over the SLO window. An event
 * is good when it succeeded and, if {@code latencyThresholdMillis} is set, finished within it.
 */
public record Slo(String job, double target, Long latencyThresholdMillis, String description) {
    private static final Pattern JOB = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    public Slo {
        if (job == null || !JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("invalid job name '" + job
                    + "': use 1-100 characters of a-z, 0-9, '.', '-' or '_', starting with a letter or digit");
        }
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("target must be a ratio strictly between 0 and 1 (e.g. 0.999), was " + target);
        }
        if (latencyThresholdMillis != null && latencyThresholdMillis <= 0) {
            throw new IllegalArgumentException("latency threshold must be positive, was " + latencyThresholdMillis);
        }
        description = description == null ? "" : description;
    }

    public static boolean isValidJob(String job) {
        return job != null && JOB.matcher(job).matches();
    }

    /** The error budget: the share of events allowed to be bad. */
    public double budget() {
        return 1 - target;
    }

    public boolean isGood(boolean success, long latencyMillis) {
        return success && (latencyThresholdMillis == null || latencyMillis <= latencyThresholdMillis);
    }
}
