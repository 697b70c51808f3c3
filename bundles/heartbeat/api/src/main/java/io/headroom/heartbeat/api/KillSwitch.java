package io.headroom.heartbeat.api;

import java.util.List;

/**
 * A feature flag as a kill switch: a page on one of {@code jobs} switches the flag off, for the paging tenant when
 * {@code scope} is {@code tenant}, for everyone when it is {@code everyone} or the page is platform-wide.
 * {@code lastFired} and {@code lastReason} record the last time it acted.
 */
public record KillSwitch(String flag, List<String> jobs, String scope, String lastFired, String lastReason) {
    public static final String TENANT = "tenant";
    public static final String EVERYONE = "everyone";
}
