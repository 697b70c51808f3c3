package io.headroom.core.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.Signals;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The REST host's part of the tenant load ledger and limits: every request made for a tenant is reported as load on
 * the {@value #LAYER} layer (its requests measure, by service), and a tenant with a REST limit ({@link TenantLimit#restRps()}, fleet-wide) is
 * admitted through a token bucket holding this node's part of it (the limit over the live nodes, as a balancer spreads
 * requests evenly), refill per second, burst one second's worth. Tenants without a limit touch no bucket.
 */
final class TenantAdmission {
    static final String LAYER = "rest";

    private final Supplier<Signals> signals;
    private final Supplier<TenantLimits> limits;
    private final IntSupplier liveNodes;
    private final LongSupplier nanos;
    private final Map<TenantId, Bucket> buckets = new ConcurrentHashMap<>();

    TenantAdmission(Supplier<Signals> signals, Supplier<TenantLimits> limits, IntSupplier liveNodes, LongSupplier nanos) {
        this.signals = signals;
        this.limits = limits;
        this.liveNodes = liveNodes;
        this.nanos = nanos;
    }

    /** Reports the request and admits it: 0 when admitted, else the seconds after which to retry (at least 1). */
    int admit(TenantId tenant, String path) {
        Signals s = signals.get();
        if (s != null) {
            s.load(new LoadSample(tenant, LAYER, resource(path), "requests", 1, Instant.now()));
        }
        TenantLimits l = limits.get();
        Integer rps = l == null ? null : l.limit(tenant).map(TenantLimit::restRps).orElse(null);
        if (rps == null) {
            if (!buckets.isEmpty()) {
                buckets.remove(tenant);
            }
            return 0;
        }
        double perSecond = (double) rps / Math.max(1, liveNodes.getAsInt());
        return buckets.computeIfAbsent(tenant, t -> new Bucket()).take(perSecond, nanos.getAsLong());
    }

    /** The service a request is for, as a resource of the layer: {@code queues} of {@code /queues}. */
    private static String resource(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return "unknown";
        }
        return path.charAt(0) == '/' ? path.substring(1) : path;
    }

    /** Tokens refilled at the rate, at most one second's worth (and at least one, so a low rate still admits). */
    private static final class Bucket {
        private double tokens = -1;
        private long at;

        synchronized int take(double perSecond, long now) {
            if (perSecond <= 0) {
                return 60; // a limit of 0: the tenant is shut out until an operator lifts it
            }
            double capacity = Math.max(1, perSecond);
            if (tokens < 0) {
                tokens = capacity;
            } else {
                tokens = Math.min(capacity, tokens + (now - at) / 1e9 * perSecond);
            }
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (int) Math.max(1, Math.ceil((1 - tokens) / perSecond));
        }
    }
}
