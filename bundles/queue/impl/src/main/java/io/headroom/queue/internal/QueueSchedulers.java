package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.store.TenantStore;
import io.headroom.queue.internal.store.TypeStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A queue's fair schedulers: one for this node's workers (the handler types'), and one per remote type (its
 * concurrency is the scheduler's worker count), made when the type is first used. Every scheduler gets the tenants'
 * weights, caps and pauses.
 */
final class QueueSchedulers {
    private final WorkerQueue.Tuning tuning;
    private final QueueTenants tenants;
    /** This node's workers' scheduler. */
    final FairScheduler local;
    private final Map<String, FairScheduler> remote = new ConcurrentHashMap<>();

    QueueSchedulers(WorkerQueue.Tuning tuning, QueueTenants tenants) {
        this.tuning = tuning;
        this.tenants = tenants;
        this.local = newScheduler(tuning.workers());
    }

    private FairScheduler newScheduler(int workers) {
        FairScheduler s = new FairScheduler(new FairScheduler.Settings(workers, Math.max(tuning.overflowWorkers(), workers / 4),
                tuning.noisyBacklog(), 0.5, 10, 10_000_000_000L, tuning.overflowMaxWaitMillis() * 1_000_000), System::nanoTime);
        tenants.settings().forEach((t, v) -> apply(s, t, v));
        return s;
    }

    static void apply(FairScheduler s, TenantId t, TenantStore.Settings v) {
        s.setLimits(t, v.weight(), v.cap() <= 0 ? Integer.MAX_VALUE : v.cap());
        s.pause(t, v.paused());
    }

    /** The scheduler of a job type: its own for a remote type ({@code stored}, null if it is none), the workers' otherwise. */
    FairScheduler of(String type, TypeStore.Stored stored) {
        if (stored == null) {
            FairScheduler s = remote.get(type);
            return s != null ? s : local;
        }
        return remote.computeIfAbsent(type, k -> newScheduler(stored.type().concurrency()));
    }

    /** Whether a remote type's scheduler was made (a job of it came here). */
    boolean hasRemote(String type) {
        return remote.containsKey(type);
    }

    /** Every scheduler. */
    List<FairScheduler> all() {
        List<FairScheduler> all = new ArrayList<>(remote.values());
        all.add(local);
        return all;
    }

    /** Every scheduler by its scope in the fleet's view: {@code ""} for the workers', a remote type's name for its own. */
    Map<String, FairScheduler> byScope() {
        Map<String, FairScheduler> all = new HashMap<>(remote);
        all.put("", local);
        return all;
    }

    /** A tenant's settings changed: every scheduler applies them. */
    void apply(TenantId t, TenantStore.Settings v) {
        all().forEach(s -> apply(s, t, v));
    }
}
