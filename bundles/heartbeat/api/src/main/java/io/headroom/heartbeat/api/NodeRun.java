package io.headroom.heartbeat.api;

/**
 * What a node runs of a released bundle, as it last reported: {@code desired} is the version it should run now,
 * {@code running} the one it runs, {@code detail} the last error of its reconciliation (empty when converged).
 */
public record NodeRun(String node, String unit, String desired, String running, boolean live, String detail,
                      String reportedAt) {
    public boolean converged() {
        return desired != null && desired.equals(running);
    }
}
