package io.headroom.heartbeat.api;

import java.util.List;

/**
 * One release of a bundle across the fleet: from which version to which, its steps and where it is
 * ({@code step} is 0-based), its state ({@code rolling}, {@code watching}, {@code paused}, {@code rolling_back},
 * {@code completed}, {@code rolled_back}), the reason of its last decision, and each node's progress.
 */
public record Release(long id, String unit, String fromVersion, String toVersion, String source, List<String> jobs,
                      String state, List<String> steps, int step, long watchSeconds, String startedBy, String startedAt,
                      String stepStartedAt, String endedAt, String reason, List<NodeRun> nodes) {
}
