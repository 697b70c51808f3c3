package io.headroom.llm.internal.core;

import io.headroom.core.api.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage counted on this node since it was last written out: requests, input and output tokens and cost (micro-dollars)
 * per UTC day, tenant ({@code null}: platform scope), route and deployment. {@link #drain} hands the deltas over to be
 * added to the shared totals; {@link #restore} puts them back when that failed, so nothing is lost or counted twice
 * on this side.
 */
public final class UsageMeter {
    /** One key's usage since the last drain. */
    public record Delta(LocalDate day, TenantId tenant, String route, String deployment, long requests, long inputTokens,
                        long outputTokens, long costMicros) {
    }

    private record Key(LocalDate day, TenantId tenant, String route, String deployment) {
    }

    private Map<Key, long[]> pending = new HashMap<>();
    private Map<TenantId, Long> pendingCost = new HashMap<>();

    public synchronized void record(LocalDate day, TenantId tenant, String route, String deployment, long inputTokens,
                                    long outputTokens, long costMicros) {
        long[] c = pending.computeIfAbsent(new Key(day, tenant, route, deployment), k -> new long[4]);
        c[0]++;
        c[1] += inputTokens;
        c[2] += outputTokens;
        c[3] += costMicros;
        if (tenant != null && costMicros != 0) {
            pendingCost.merge(tenant, costMicros, Long::sum);
        }
    }

    /** A tenant's cost recorded here and not drained yet (micro-dollars). */
    public synchronized long pendingCost(TenantId tenant) {
        return pendingCost.getOrDefault(tenant, 0L);
    }

    public synchronized List<Delta> drain() {
        List<Delta> out = new ArrayList<>(pending.size());
        pending.forEach((k, c) -> out.add(new Delta(k.day(), k.tenant(), k.route(), k.deployment(), c[0], c[1], c[2], c[3])));
        pending = new HashMap<>();
        pendingCost = new HashMap<>();
        return out;
    }

    /** Puts back deltas that could not be written out. */
    public synchronized void restore(List<Delta> deltas) {
        for (Delta d : deltas) {
            long[] c = pending.computeIfAbsent(new Key(d.day(), d.tenant(), d.route(), d.deployment()), k -> new long[4]);
            c[0] += d.requests();
            c[1] += d.inputTokens();
            c[2] += d.outputTokens();
            c[3] += d.costMicros();
            if (d.tenant() != null && d.costMicros() != 0) {
                pendingCost.merge(d.tenant(), d.costMicros(), Long::sum);
            }
        }
    }
}
