package io.headroom.sharding.internal.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Caps how many of one shard's connections a single tenant may hold at once, so one tenant's spike leaves the rest
 * of the pool to everyone else. One gate per shard; permits per tenant are created on first use.
 */
public final class TenantGate {
    private final int perTenant;
    private final Map<String, Semaphore> permits = new ConcurrentHashMap<>();

    /** @param perTenant connections one tenant may hold at once on this shard (at least 1) */
    public TenantGate(int perTenant) {
        if (perTenant < 1) {
            throw new IllegalArgumentException("a tenant needs at least one connection");
        }
        this.perTenant = perTenant;
    }

    /** The per-tenant share of a pool: {@code share} of its size, at least 1 and at most the pool. */
    public static int share(int poolSize, double share) {
        return Math.max(1, Math.min(poolSize, (int) Math.floor(poolSize * share)));
    }

    /** Takes one of the tenant's permits, waiting at most {@code waitMillis}; false if the tenant is at its cap. */
    public boolean acquire(String tenant, long waitMillis) throws InterruptedException {
        Semaphore s = permits.computeIfAbsent(tenant, t -> new Semaphore(perTenant));
        return waitMillis <= 0 ? s.tryAcquire() : s.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
    }

    public void release(String tenant) {
        Semaphore s = permits.get(tenant);
        if (s != null) {
            s.release();
        }
    }

    /** Connections the tenant holds now. */
    public int inUse(String tenant) {
        Semaphore s = permits.get(tenant);
        return s == null ? 0 : perTenant - s.availablePermits();
    }

    public int perTenant() {
        return perTenant;
    }
}
