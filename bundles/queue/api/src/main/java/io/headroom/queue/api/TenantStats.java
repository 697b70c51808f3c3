package io.headroom.queue.api;

/**
 * One tenant's queue right now: jobs waiting (in the main lane and in the overflow lane), running, its weight and
 * concurrency cap, whether it is paused or flagged noisy, dwell time (enqueue to start) percentiles over its recent
 * jobs, and totals.
 */
public record TenantStats(String tenant, int backlog, int overflowBacklog, int inFlight, int weight, int cap, boolean paused,
                          boolean noisy, long dwellP50Millis, long dwellP99Millis, long completed, long failed, long deadLettered) {
}
