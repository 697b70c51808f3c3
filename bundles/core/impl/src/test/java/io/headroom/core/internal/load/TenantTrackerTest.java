package io.headroom.core.internal.load;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.metrics.TenantTotals;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.LoadSample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/** The one tracker: the ledger's counts decide the metrics' tenant labels, and counters labelled by it only grow. */
public class TenantTrackerTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final TenantTracker tracker = new TenantTracker(new LoadLedger.Settings(100, 16, 8, 2_000, 60_000), now::get);

    private void load(String tenant, String capability, String measure, double amount) {
        tracker.onLoad(new LoadSample(TenantId.of(tenant), capability, "r1", measure, amount, Instant.now()));
    }

    @Test
    public void theTenantsLabelledByNameAreTheLedgersBusiest() {
        for (int t = 0; t < 30; t++) {
            load("tenant-" + t, "queue", "jobs", 1 + t); // tenant-29 the busiest
        }
        now.addAndGet(2_000);
        assertEquals(TenantTracker.SHOWN, tracker.top().size());
        assertEquals("tenant-29", tracker.top().get(0).value());
        assertEquals("tenant-29", tracker.label(TenantId.of("tenant-29"), 1));
        assertEquals(TopTenants.OTHER, tracker.label(TenantId.of("tenant-0"), 1));
        // the same ledger: what the tenant view shows is what ranks
        LoadView v = localView();
        assertEquals("tenant-29", v.top("queue.jobs", 1).get(0).tenant());
        // tenant-0 becomes the busiest on another measure: named once re-ranked (at most a second later)
        load("tenant-0", "llm", "tokens", 10_000);
        now.addAndGet(1_000);
        assertEquals("tenant-0", tracker.label(TenantId.of("tenant-0"), 0));
    }

    @Test
    public void outcomesCountAsHealthNotAsLoadForTheLabels() {
        load("acme", "rest", "requests", 1);
        for (int i = 0; i < 100; i++) {
            tracker.onOutcome(new io.headroom.core.api.signal.OutcomeEvent(TenantId.of("hooli"), "queue.job", false, 5, Instant.now()));
        }
        now.addAndGet(1_000);
        assertEquals(List.of(TenantId.of("acme")), tracker.top());
        assertTrue(localView().layers().containsAll(List.of(LedgerService.OUTCOMES, LedgerService.FAILURES, "health.outcomes/queue.job")));
    }

    @Test
    public void outcomesAreOnlyCountedOnTheCallersThreadAndReachTheLedgerExactlyWhenDrained() {
        for (int i = 0; i < 100; i++) {
            tracker.onOutcome(new io.headroom.core.api.signal.OutcomeEvent(TenantId.of("acme"), "queue.job", i % 4 != 0, 5, Instant.now()));
        }
        assertEquals("the dispatch path does not reach the ledger", 0, tracker.ledger().tracked());
        assertEquals(1, tracker.outcomeEntries());
        LoadView v = localView(); // drains
        double all = v.tenant("acme").stream().filter(l -> l.layer().equals(LedgerService.OUTCOMES)).findFirst().orElseThrow().rate();
        double failed = v.tenant("acme").stream().filter(l -> l.layer().equals(LedgerService.FAILURES)).findFirst().orElseThrow().rate();
        assertEquals("100 outcomes, 25 failed: none lost", 0.25, failed / all, 1e-9);
        tracker.drainOutcomes(); // an interval with none: the entry is forgotten, the ledger keeps the figures
        assertEquals(0, tracker.outcomeEntries());
        assertTrue(tracker.ledger().tracked() > 0);
    }

    @Test
    public void aCounterLabelledByTheTrackerNeverGoesDownOtherIncluded() {
        TenantTotals totals = new TenantTotals(tracker);
        Map<String, Double> source = new HashMap<>(); // a capability's running total per tenant
        Map<List<String>, Double> seen = new HashMap<>();
        double[] sumAtScrape = new double[1];
        for (int step = 0; step < 60; step++) {
            // the busy tenants change every few steps: each one moves into the top and out of it again
            for (int t = 0; t < 25; t++) {
                double amount = (t + step / 4) % 25 < 5 ? 1_000 : 0.01;
                source.merge("tenant-" + t, amount, Double::sum);
                load("tenant-" + t, "queue", "jobs", amount);
            }
            source.merge("*scatter*", 1.0, Double::sum); // not a tenant id: always other
            // rows that the source stops listing (a shard pool closed, a backend restarted): summed into other at each
            // scrape, other would drop by their totals when they go
            for (int t = 0; t < 12; t++) {
                if (step < 30) {
                    source.merge("gone-" + t, 10.0, Double::sum);
                } else {
                    source.remove("gone-" + t);
                }
            }
            now.addAndGet(1_000);
            sumAtScrape[0] = 0;
            List<Map.Entry<String, Double>> rows = new ArrayList<>(source.entrySet());
            totals.report((value, labels) -> {
                List<String> key = List.of(labels);
                Double before = seen.put(key, value);
                assertTrue(key + " went down from " + before + " to " + value, before == null || value >= before);
                sumAtScrape[0] += value;
            }, rows, Map.Entry::getKey, Map.Entry::getValue, "main");
            if (step < 30) {
                assertEquals("every unit counted once", source.values().stream().mapToDouble(Double::doubleValue).sum(), sumAtScrape[0], 1e-6);
            }
        }
        assertTrue(seen.containsKey(List.of("main", TopTenants.OTHER)));
        assertTrue("tenants moved in and out of the top: more were named than are named at once: " + seen.keySet(),
                seen.size() > TenantTracker.SHOWN + 1);
        // a source that restarts (its totals back to zero) counts from zero again: nothing goes down
        Map<String, Double> restarted = Map.of("tenant-3", 2.0);
        totals.report((value, labels) -> assertTrue(value >= seen.get(List.of(labels))), new ArrayList<>(restarted.entrySet()),
                Map.Entry::getKey, Map.Entry::getValue, "main");
    }

    private LoadView localView() {
        tracker.drainOutcomes();
        List<LoadView.Row> rows = new ArrayList<>();
        for (LoadLedger.LayerFigures l : tracker.ledger().snapshot()) {
            rows.add(new LoadView.Row(l.layer(), LoadView.TOTAL, l.rate(), l.baseline()));
            l.tenants().forEach(f -> rows.add(new LoadView.Row(l.layer(), f.tenant(), f.rate(), f.baseline())));
        }
        return LoadView.of(rows, new LoadView.SpikeRule(3, 0.2, 1));
    }
}
