package io.headroom.heartbeat.api;

import java.util.List;

/**
 * A guarded bundle update: the bundle, the version it replaced and the new one, the jobs it declares
 * ({@code Headroom-Jobs} manifest header), and what the deploy guard decided: {@code watching} until the window
 * ends, then {@code kept}; {@code rolled_back} when a page fired for one of its jobs; {@code accepted} when an
 * operator ended the watch and kept the new version.
 */
public record Deploy(long id, String bundle, String fromVersion, String toVersion, List<String> jobs, String state,
                     String reason, String startedAt, String endedAt) {
    public static final String WATCHING = "watching";
    public static final String KEPT = "kept";
    public static final String ROLLED_BACK = "rolled_back";
    public static final String ACCEPTED = "accepted";
}
