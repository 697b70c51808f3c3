package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.FleetLoad;
import io.headroom.queue.internal.store.LoadStore;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend's share of the fleet's view: every {@code flushMillis} this node writes its load (per scheduler scope and
 * tenant) and its open-job counts to the control schema, reads the other nodes' fresh reports, decides which tenants
 * are noisy on the sums ({@link FleetLoad}) and gives each scheduler the verdict and the tenants' jobs in flight
 * elsewhere. The other nodes' numbers lag by at most one flush interval plus one read; when the control schema cannot
 * be reached they are kept for {@code freshMillis}, then dropped (each node then decides from its own numbers).
 */
final class QueueFleet {
    private static final Logger LOG = LoggerFactory.getLogger(QueueFleet.class);

    /** What the fleet view needs from its backend. */
    interface Local {
        /** The schedulers by scope ({@code ""}: the handler types'; else a remote type's). */
        Map<String, FairScheduler> schedulers();

        /** Decayed recent submissions per scope and tenant, where the backend keeps them (SQS); else empty. */
        Map<String, Map<TenantId, Double>> submitRates();

        /** This node's open-job counts per tenant (accepted here minus finished here). */
        Map<TenantId, LoadStore.Open> open();
    }

    private final LoadStore store;
    private final Local local;
    private final FleetLoad.Settings settings;
    private final long freshMillis;
    private final boolean jobsOutliveNodes;
    private volatile LoadStore.Others others = LoadStore.Others.NONE;
    private volatile Map<String, Integer> scopeInFlightElsewhere = Map.of();
    private volatile long readAt;
    private Map<String, Set<TenantId>> noisy = Map.of();
    private final java.util.function.IntSupplier liveNodes;
    private volatile boolean alone = true;

    QueueFleet(ControlStore control, String node, String backend, Local local, FleetLoad.Settings settings, long flushMillis,
            boolean jobsOutliveNodes, java.util.function.IntSupplier liveNodes) {
        this.liveNodes = liveNodes;
        this.store = new LoadStore(control.dataSource(), node, backend);
        this.local = local;
        this.settings = settings;
        this.freshMillis = Math.max(1000, 5 * flushMillis);
        this.jobsOutliveNodes = jobsOutliveNodes;
    }

    /** This node's open counts as it last wrote them, where jobs outlive the node (else nothing: its jobs died with it). */
    Map<TenantId, LoadStore.Open> carriedOver() {
        if (!jobsOutliveNodes) {
            return Map.of();
        }
        try {
            return store.ownOpen();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("queue: cannot read this node's open-job counts back (counting from zero): {}", e.toString());
            return Map.of();
        }
    }

    /** One round: write this node's numbers, read the others', decide, tell the schedulers. */
    synchronized void share() {
        Map<String, FairScheduler> schedulers = local.schedulers();
        Map<FleetLoad.Key, FleetLoad.Load> mine = mine(schedulers);
        long now = System.currentTimeMillis();
        try {
            store.flush(mine, local.open());
            others = store.others(freshMillis, jobsOutliveNodes);
            readAt = now;
            alone = liveNodes.getAsInt() <= 1;
        } catch (SQLException | RuntimeException e) {
            if (ControlStore.isUnreachable(e)) {
                LOG.debug("queue: control schema unreachable; the fleet's queue load is as last read");
            } else {
                LOG.warn("queue: sharing this node's queue load failed: {}", e.toString());
            }
            if (now - readAt > freshMillis) {
                others = LoadStore.Others.NONE;
            }
        }
        Map<FleetLoad.Key, FleetLoad.Load> theirs = others.loads();
        noisy = FleetLoad.noisy(FleetLoad.sum(mine, theirs), noisy, settings);
        Map<String, Map<TenantId, Integer>> elsewhere = FleetLoad.inFlight(theirs);
        Map<String, Integer> perScope = new HashMap<>();
        elsewhere.forEach((scope, byTenant) -> perScope.put(scope, byTenant.values().stream().mapToInt(Integer::intValue).sum()));
        scopeInFlightElsewhere = perScope;
        Map<String, Set<TenantId>> shared = FleetLoad.sharedNoisy(noisy, theirs);
        schedulers.forEach((scope, s) -> s.fleetView(shared.getOrDefault(scope, Set.of()), elsewhere.getOrDefault(scope, Map.of())));
    }

    private Map<FleetLoad.Key, FleetLoad.Load> mine(Map<String, FairScheduler> schedulers) {
        Map<FleetLoad.Key, FleetLoad.Load> out = new HashMap<>();
        schedulers.forEach((scope, s) -> {
            for (FairScheduler.TenantView v : s.view()) {
                out.put(new FleetLoad.Key(scope, v.tenant()), new FleetLoad.Load(0, v.backlog(), v.inFlight()));
            }
        });
        local.submitRates().forEach((scope, rates) -> rates.forEach((tenant, rate) ->
                out.merge(new FleetLoad.Key(scope, tenant), new FleetLoad.Load(rate, 0, 0), FleetLoad.Load::plus)));
        return out;
    }

    /** Whether this node was the only live node at the last read (then leases need not be recorded for other nodes). */
    boolean alone() {
        return alone;
    }

    /** The tenant's open jobs on the other nodes, as last read. */
    LoadStore.Open openElsewhere(TenantId tenant) {
        return others.open().getOrDefault(tenant, new LoadStore.Open(0, 0));
    }

    /** Jobs of a scope in flight on the other nodes, as last read (for a remote type's fleet-wide concurrency). */
    int inFlightElsewhere(String scope) {
        return scopeInFlightElsewhere.getOrDefault(scope, 0);
    }
}
