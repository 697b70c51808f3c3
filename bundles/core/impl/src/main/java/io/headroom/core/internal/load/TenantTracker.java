package io.headroom.core.internal.load;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The node's one tenant tracker: every load and outcome signal counted into this node's {@link LoadLedger}, which the
 * ledger service writes to the control schema, and from which the metrics take their tenant labels: a tenant is
 * labelled by name while it is among the {@value #SHOWN} with the largest load over every measure (the sum of its
 * shares), re-ranked at most once a second, so the label set stays bounded however many tenants there are.
 */
@Component(service = {TenantTracker.class, TopTenants.class, SignalListener.class}, configurationPid = JdbcTenantLimits.PID)
public final class TenantTracker implements TopTenants, SignalListener {
    static final int SHOWN = 10;
    /** Outcomes are not load: the tenants named in the metrics are the ones loading the layers. */
    static final String HEALTH = "health";
    private static final long RANK_MILLIS = 1000;
    /** While fewer than {@value #SHOWN} are named (a young node), a new tenant is named within this. */
    private static final long RANK_YOUNG_MILLIS = 100;

    /** How often the ledger service hands the counted outcomes to the ledger. */
    static final long OUTCOME_DRAIN_MILLIS = 200;

    private static final class OutcomeCounts {
        final LongAdder all = new LongAdder();
        final LongAdder failed = new LongAdder();
    }

    private final LoadLedger ledger;
    private final LongSupplier clock;
    /** Outcomes since the last drain by tenant and job. */
    private final Map<String, Map<String, OutcomeCounts>> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong rankedAt = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile List<String> top = List.of();
    private volatile Set<String> named = Set.of();

    @Activate
    public TenantTracker(LedgerService.Config config) {
        this(new LoadLedger.Settings(config.tenantsPerLayer(), config.maxMeasures(), config.resourcesPerMeasure(),
                Math.round(config.rateHalfLifeSeconds() * 1000), Math.round(config.baselineHalfLifeSeconds() * 1000)),
                System::currentTimeMillis);
    }

    /** Public for the benchmark only; the package is not exported. */
    public TenantTracker(LoadLedger.Settings settings, LongSupplier clock) {
        this.ledger = new LoadLedger(settings, clock);
        this.clock = clock;
    }

    LoadLedger ledger() {
        return ledger;
    }

    /**
     * Outcomes (what the heartbeat consumes) as a layer of their own by job, so a tenant's view shows how its jobs
     * fare next to its load: {@code health.outcomes} all of them, {@code health.failures} the failed ones. An outcome
     * comes on the caller's thread for every job the queue runs, so it is only counted here (a striped add per tenant
     * and job, no lock) and handed to the ledger by {@link #drainOutcomes}, every {@value #OUTCOME_DRAIN_MILLIS} ms
     * and before every read of the ledger.
     */
    @Override
    public void onOutcome(OutcomeEvent event) {
        Map<String, OutcomeCounts> byJob = outcomes.get(event.tenant().value());
        if (byJob == null) {
            byJob = outcomes.computeIfAbsent(event.tenant().value(), t -> new ConcurrentHashMap<>());
        }
        OutcomeCounts c = byJob.get(event.job());
        if (c == null) {
            c = byJob.computeIfAbsent(event.job(), j -> new OutcomeCounts());
        }
        c.all.increment();
        if (!event.success()) {
            c.failed.increment();
        }
    }

    /**
     * Hands the outcomes counted since the last drain to the ledger. A tenant's job with none since then is forgotten
     * (the count stays bounded by what ran in one interval); an outcome counted in the instant its entry is removed is
     * still taken, bar one that lands between the check after removal and the end of the drain.
     */
    public void drainOutcomes() {
        synchronized (outcomes) {
            outcomes.forEach((tenant, byJob) -> {
                byJob.forEach((job, c) -> {
                    long all = c.all.sumThenReset();
                    long failed = c.failed.sumThenReset();
                    if (all == 0 && failed == 0 && byJob.remove(job, c)) {
                        all = c.all.sumThenReset();
                        failed = c.failed.sumThenReset();
                    }
                    if (all > 0) {
                        ledger.add(HEALTH, "outcomes", job, tenant, all);
                    }
                    if (failed > 0) {
                        ledger.add(HEALTH, "failures", job, tenant, failed);
                    }
                });
                if (byJob.isEmpty()) {
                    outcomes.remove(tenant, byJob);
                }
            });
        }
    }

    /** Tenant and job pairs with outcomes counted and not yet forgotten. */
    int outcomeEntries() {
        return outcomes.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public void onLoad(LoadSample sample) {
        ledger.add(sample.capability(), sample.measure(), sample.resource(), sample.tenant().value(), sample.amount());
    }

    /** The tenant's label; {@code weight} is not added: the tracker counts every load from the signals itself. */
    @Override
    public String label(TenantId tenant, double weight) {
        rankIfDue();
        return named.contains(tenant.value()) ? tenant.value() : OTHER;
    }

    @Override
    public List<TenantId> top() {
        rankIfDue();
        return top.stream().map(TenantId::of).toList();
    }

    private void rankIfDue() {
        long now = clock.getAsLong();
        long last = rankedAt.get();
        if (now - last >= (top.size() < SHOWN ? RANK_YOUNG_MILLIS : RANK_MILLIS) && rankedAt.compareAndSet(last, now)) {
            drainOutcomes();
            List<String> busiest = ledger.busiest(SHOWN, c -> !HEALTH.equals(c)).stream()
                    .filter(t -> !TenantLoad.OTHERS.equals(t) && TenantId.isValid(t)).toList();
            top = busiest;
            named = Set.copyOf(busiest);
        }
    }
}
