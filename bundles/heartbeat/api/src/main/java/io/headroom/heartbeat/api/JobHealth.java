package io.headroom.heartbeat.api;

/**
 * How one job is doing for one tenant (or platform-wide, {@code tenant} null) right now: events and bad events in
 * the last hour, and the burn rates over the rule windows (NaN where a window had no events).
 */
public record JobHealth(String tenant, String job, long events1h, long bad1h, double burn5m, double burn1h, double burn6h,
                        double burn3d, boolean paging) {
}
