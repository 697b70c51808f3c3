package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ObjLongConsumer;

/**
 * Jobs finished per tenant since the last {@link #drain}, with the time they waited and ran: the queue reports its load
 * as a few samples per tenant per interval instead of one per job, so the signal listeners (the tenant load ledger, the
 * metrics) do their work a few times a second rather than on every job of the dispatch path. Counting is a striped add
 * ({@link LongAdder}); a count is never lost (a drain takes what was added before it, the rest goes to the next
 * drain). One counter set per tenant seen, as for the queue's other per-tenant counters.
 */
public final class LoadTally {
    /** What a tenant's jobs did since the last drain. */
    @FunctionalInterface
    public interface Report {
        void accept(TenantId tenant, long jobs, long dwellMillis, long runMillis);
    }

    private static final class Counts {
        final LongAdder jobs = new LongAdder();
        final LongAdder dwellMillis = new LongAdder();
        final LongAdder runMillis = new LongAdder();
    }

    private final Map<TenantId, Counts> counts = new ConcurrentHashMap<>();

    /** One job of the tenant finished (its wait and run not known here). */
    public void add(TenantId tenant) {
        add(tenant, 0, 0);
    }

    /** One job of the tenant finished after waiting {@code dwellMillis} and running {@code runMillis}. */
    public void add(TenantId tenant, long dwellMillis, long runMillis) {
        Counts c = counts.get(tenant);
        if (c == null) {
            c = counts.computeIfAbsent(tenant, k -> new Counts());
        }
        c.jobs.increment();
        if (dwellMillis > 0) {
            c.dwellMillis.add(dwellMillis);
        }
        if (runMillis > 0) {
            c.runMillis.add(runMillis);
        }
    }

    /** Hands each tenant's jobs since the last drain (tenants with none are skipped). */
    public void drain(ObjLongConsumer<TenantId> out) {
        drain((tenant, jobs, dwell, run) -> out.accept(tenant, jobs));
    }

    /** Hands each tenant's jobs, wait and run time since the last drain (tenants with no job are skipped). */
    public void drain(Report out) {
        counts.forEach((tenant, c) -> {
            long n = c.jobs.sumThenReset();
            long dwell = c.dwellMillis.sumThenReset();
            long run = c.runMillis.sumThenReset();
            if (n > 0) {
                out.accept(tenant, n, dwell, run);
            }
        });
    }
}
