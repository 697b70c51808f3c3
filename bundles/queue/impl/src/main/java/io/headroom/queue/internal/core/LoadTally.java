package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ObjLongConsumer;

/**
 * Jobs finished per tenant since the last {@link #drain}: the queue reports its load as one sample per tenant per
 * interval instead of one per job, so the signal listeners (the tenant load ledger, the metrics) do their work a few
 * times a second rather than on every job of the dispatch path. Counting is a striped add ({@link LongAdder}); a count
 * is never lost (a drain takes what was added before it, the rest goes to the next drain). One counter per tenant seen,
 * as for the queue's other per-tenant counters.
 */
public final class LoadTally {
    private final Map<TenantId, LongAdder> counts = new ConcurrentHashMap<>();

    /** One job of the tenant finished. */
    public void add(TenantId tenant) {
        LongAdder a = counts.get(tenant);
        if (a == null) {
            a = counts.computeIfAbsent(tenant, k -> new LongAdder());
        }
        a.increment();
    }

    /** Hands each tenant's count since the last drain (tenants with none are skipped). */
    public void drain(ObjLongConsumer<TenantId> out) {
        counts.forEach((tenant, a) -> {
            long n = a.sumThenReset();
            if (n > 0) {
                out.accept(tenant, n);
            }
        });
    }
}
