package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of one topology, remembered per tenant: hashing a tenant id costs more than looking it up. Built anew
 * for each topology, so it never serves a route of an older one; bounded so an unbounded stream of tenant ids cannot
 * grow it without limit (past the bound, routes are computed each time).
 */
public final class RouteCache {
    static final int MAX_TENANTS = 100_000;

    private final Topology topology;
    private final Map<String, Topology.ShardDef> byTenant = new ConcurrentHashMap<>();

    public RouteCache(Topology topology) {
        this.topology = topology;
    }

    public Topology topology() {
        return topology;
    }

    /** The shard the tenant routes to, or null when no shard serves it. */
    public Topology.ShardDef route(TenantId tenant) {
        Topology.ShardDef d = byTenant.get(tenant.value());
        if (d == null) {
            d = topology.route(tenant).orElse(null);
            if (d != null && byTenant.size() < MAX_TENANTS) {
                byTenant.put(tenant.value(), d);
            }
        }
        return d;
    }
}
