package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;

/**
 * Whether a tenant's statement, holding its connection share on a shard's pool, may run there now: the check the
 * router makes after admission (so a cut-over that waits for shares to be released never misses a statement that
 * already looked), and how long it keeps re-resolving a route that moves under it. Plain data, no I/O.
 */
public final class Admission {
    /** Re-resolutions before giving up: the first {@value #AT_ONCE} at once, the rest {@value #PAUSE_MILLIS} ms apart (about 1 s in all). */
    public static final int REROUTES = 200;
    static final int AT_ONCE = 3;
    public static final long PAUSE_MILLIS = 5;

    /** What the statement does next. */
    public enum Verdict {
        /** Run it on the pool it holds. */
        RUN,
        /** The tenant (or its shard) is fenced for a cut-over: hold it, its share released. */
        FENCED,
        /** Routing no longer points at the pool it holds: resolve the shard again. */
        REROUTED
    }

    private Admission() {
    }

    /**
     * The verdict for {@code tenant} holding a share of the pool of shard {@code shard} at {@code url}, under the routes
     * of this node now. The same shard at another URL (a switchover flipped it) is a reroute: the old pool's server is no
     * longer the primary.
     */
    public static Verdict of(RouteCache routes, TenantId tenant, String shard, String url) {
        Topology t = routes.topology();
        if ((!t.fences().isEmpty() || !t.fencedShards().isEmpty()) && t.fenced(tenant)) {
            return Verdict.FENCED;
        }
        Topology.ShardDef now = routes.route(tenant);
        if (now == null || !now.name().equals(shard) || !now.url().equals(url)) {
            return Verdict.REROUTED;
        }
        return Verdict.RUN;
    }

    /** Whether the {@code attempt}-th reroute (from 0) waits {@link #PAUSE_MILLIS} first: routing is being applied right now. */
    public static boolean pauseBefore(int attempt) {
        return attempt >= AT_ONCE;
    }

    /** Whether the router gives up after the {@code attempt}-th reroute (routing keeps changing). */
    public static boolean givenUp(int attempt) {
        return attempt >= REROUTES;
    }
}
