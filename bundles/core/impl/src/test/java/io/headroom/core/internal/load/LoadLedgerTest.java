package io.headroom.core.internal.load;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLoad;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class LoadLedgerTest {
    private static final long MIB = 1024 * 1024;
    /** Every measure the capabilities report, as capability and measure. */
    private static final String[][] MEASURES = {{"sharding", "queries"}, {"sharding", "pool_ms"}, {"queue", "jobs"},
        {"queue", "dwell_ms"}, {"queue", "processing_ms"}, {"queue", "backlog"}, {"llm", "requests"}, {"llm", "tokens"},
        {"llm", "cost"}, {"search", "queries"}, {"search", "indexing"}, {"rest", "requests"}, {"health", "outcomes"},
        {"health", "failures"}};
    private final AtomicLong now = new AtomicLong(1_000_000);

    private LoadLedger ledger(int perLayer) {
        return new LoadLedger(new LoadLedger.Settings(perLayer, 16, 8, 2_000, 60_000), now::get);
    }

    private static LoadView view(LoadLedger ledger, LoadView.SpikeRule rule) {
        List<LoadView.Row> rows = new ArrayList<>();
        for (LoadLedger.LayerFigures l : ledger.snapshot()) {
            rows.add(new LoadView.Row(l.layer(), LoadView.TOTAL, l.rate(), l.baseline()));
            l.tenants().forEach(t -> rows.add(new LoadView.Row(l.layer(), t.tenant(), t.rate(), t.baseline())));
        }
        return LoadView.of(rows, rule);
    }

    @Test
    public void staysWithinItsBoundAt100kTenantsOnEveryMeasureAndResource() {
        LoadLedger.Settings settings = new LoadLedger.Settings(1_000, 16, 8, 10_000, 900_000);
        assertTrue("the settings' bound is under 64 MiB: " + LoadLedger.bound(settings), LoadLedger.bound(settings) < 64 * MIB);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        LoadLedger ledger = new LoadLedger(settings, now::get);
        // 12 resources per measure (4 more than are tracked by name), each with enough tenants to fill its layer
        for (int round = 0; round < 1; round++) {
            for (int t = 0; t < 100_000; t++) {
                String tenant = "tenant-" + t;
                String resource = "resource-" + (t % 12);
                for (String[] m : MEASURES) {
                    ledger.add(m[0], m[1], resource, tenant, 1 + (t % 7));
                }
                if (t % 1000 == 0) {
                    now.addAndGet(1);
                }
            }
        }
        System.gc();
        long after = memory.getHeapMemoryUsage().getUsed();
        int layersPerMeasure = 1 + 8 + 1;
        assertEquals(MEASURES.length * layersPerMeasure, ledger.snapshot().size());
        assertEquals(MEASURES.length * layersPerMeasure * LoadLedger.capacity(settings), ledger.tracked());
        assertTrue(LoadLedger.capacity(settings) <= 1_256);
        assertTrue("estimated " + ledger.estimatedBytes(), ledger.estimatedBytes() <= LoadLedger.bound(settings));
        assertTrue("heap grew by " + (after - before) / MIB + " MiB", after - before < 64 * MIB);
        // the layer totals stay exact: what nobody tracks by name is the rest
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        double shares = v.top("queue.jobs", 2_000).stream().mapToDouble(TenantLayerLoad::share).sum();
        assertEquals(1.0, shares, 1e-6);
        assertEquals(TenantLoad.OTHERS, v.top("queue.jobs", 10).get(10).tenant());
        // the resources past the first 8 are folded into one, which carries their 4 twelfths of the measure
        assertTrue(v.layers().contains("queue.jobs/resource-7"));
        assertFalse(v.layers().contains("queue.jobs/resource-8"));
        double other = v.top("queue.jobs/" + TenantLoad.OTHER_RESOURCE, 10).stream().mapToDouble(TenantLayerLoad::rate).sum();
        double all = v.top("queue.jobs", 10).stream().mapToDouble(TenantLayerLoad::rate).sum();
        assertEquals(4 / 12.0, other / all, 0.02);
    }

    @Test
    public void eachMeasureIsBrokenDownByResourceAndOneTenantsPartsAddUp() {
        LoadLedger ledger = ledger(100);
        for (int s = 0; s < 10; s++) {
            ledger.add("sharding", "queries", "shard-1", "acme", 30);
            ledger.add("sharding", "queries", "shard-2", "acme", 10);
            ledger.add("sharding", "queries", "shard-2", "hooli", 10);
            ledger.add("sharding", "pool_ms", "shard-2", "hooli", 500);
            ledger.add("llm", "tokens", "gpt-4o", "acme", 1_000);
            now.addAndGet(1_000);
        }
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        assertEquals(List.of("llm.tokens", "llm.tokens/gpt-4o", "sharding.pool_ms", "sharding.pool_ms/shard-2", "sharding.queries",
                "sharding.queries/shard-1", "sharding.queries/shard-2"), v.layers());
        List<TenantLayerLoad> acme = v.tenant("acme");
        double whole = rate(acme, "sharding.queries");
        assertEquals(whole, rate(acme, "sharding.queries/shard-1") + rate(acme, "sharding.queries/shard-2"), 1e-9);
        assertEquals(0.75, rate(acme, "sharding.queries/shard-1") / whole, 1e-9);
        assertEquals(0.5, v.top("sharding.queries/shard-2", 5).get(0).share(), 1e-9);
        TenantLayerLoad part = acme.stream().filter(l -> l.layer().equals("sharding.queries/shard-1")).findFirst().orElseThrow();
        assertEquals("sharding", part.capability());
        assertEquals("queries", part.measure());
        assertEquals("shard-1", part.resource());
        assertEquals(null, acme.stream().filter(l -> l.layer().equals("llm.tokens")).findFirst().orElseThrow().resource());
        assertEquals("the busiest over every measure, by the sum of their shares", List.of("acme", "hooli"), ledger.busiest(5, c -> true));
        assertEquals("hooli has all of sharding's pool time", List.of("hooli", "acme"), ledger.busiest(5, c -> c.equals("sharding")));
    }

    @Test
    public void aLateBusyResourceIsNamedAndAQuietEarlyOneGoesToTheRest() {
        LoadLedger ledger = new LoadLedger(new LoadLedger.Settings(100, 16, 2, 2_000, 60_000), now::get);
        for (int s = 0; s < 10; s++) { // two resources named as they come
            ledger.add("sharding", "queries", "shard-1", "acme", 1);
            ledger.add("sharding", "queries", "shard-2", "acme", 20);
            now.addAndGet(1_000);
        }
        for (int s = 0; s < 20; s++) { // a third, five times the busiest, comes late
            ledger.add("sharding", "queries", "shard-1", "acme", 1);
            ledger.add("sharding", "queries", "shard-2", "acme", 20);
            ledger.add("sharding", "queries", "shard-9", "hooli", 100);
            now.addAndGet(1_000);
        }
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        assertEquals(List.of("sharding.queries", "sharding.queries/" + TenantLoad.OTHER_RESOURCE, "sharding.queries/shard-2",
                "sharding.queries/shard-9"), v.layers());
        TenantLayerLoad big = v.top("sharding.queries/shard-9", 1).get(0);
        assertEquals("hooli", big.tenant());
        assertEquals("the late resource's own rate, since it was named", 100, big.rate(), 30);
        // shard-1's history (acme's sums) went into the rest: a tenant's parts still add up to the measure
        List<TenantLayerLoad> acme = v.tenant("acme");
        assertEquals(rate(acme, "sharding.queries"), rate(acme, "sharding.queries/shard-2")
                + rate(acme, "sharding.queries/" + TenantLoad.OTHER_RESOURCE), 0.01 * rate(acme, "sharding.queries"));
        assertTrue("shard-1's 1/s is now the rest's", rate(acme, "sharding.queries/" + TenantLoad.OTHER_RESOURCE) > 0.5);
        assertTrue(ledger.candidates() <= LoadLedger.CANDIDATES_PER_RESOURCE * 2);
    }

    @Test
    public void aResourceAboutAsBusyAsANamedOneDoesNotTakeItsPlace() {
        LoadLedger ledger = new LoadLedger(new LoadLedger.Settings(100, 16, 1, 2_000, 60_000), now::get);
        for (int s = 0; s < 60; s++) {
            ledger.add("llm", "tokens", "gpt-4o", "acme", 100);
            ledger.add("llm", "tokens", "gpt-4o-mini", "acme", 110); // 10 % more: under the 25 % it takes to swap
            now.addAndGet(1_000);
        }
        assertEquals(List.of("llm.tokens", "llm.tokens/gpt-4o", "llm.tokens/" + TenantLoad.OTHER_RESOURCE),
                ledger.snapshot().stream().map(LoadLedger.LayerFigures::layer).toList());
    }

    @Test
    public void aBusyResourceAmongManyOnceSeenIsNamedInBoundedMemory() {
        LoadLedger ledger = new LoadLedger(new LoadLedger.Settings(10, 1, 2, 2_000, 60_000), now::get);
        for (int i = 0; i < 100_000; i++) { // 100,000 collections seen once each, a hot one from the 1,000th on
            ledger.add("search", "queries", "collection-" + i, "acme", 1);
            if (i % 100 == 0) {
                if (i >= 1_000) {
                    ledger.add("search", "queries", "hot", "acme", 50);
                }
                now.addAndGet(10);
            }
            assertTrue(ledger.candidates() <= LoadLedger.CANDIDATES_PER_RESOURCE * 2);
        }
        List<String> layers = ledger.snapshot().stream().map(LoadLedger.LayerFigures::layer).toList();
        assertEquals(layers.toString(), 4, layers.size());
        assertTrue(layers.toString(), layers.contains("search.queries/hot"));
    }

    @Test
    public void aSpikeIsJudgedOnWhatATenantAsksForOnAMeasuresWholeLayer() {
        assertTrue(LoadView.judged("queue.jobs"));
        assertTrue(LoadView.judged("llm.tokens"));
        assertFalse("a resource's part: the spike is the measure's", LoadView.judged("queue.jobs/main"));
        assertFalse("waiting is what a tenant suffers", LoadView.judged("queue.dwell_ms"));
        assertFalse(LoadView.judged("health.failures"));
        LoadView v = LoadView.of(List.of(new LoadView.Row("queue.dwell_ms", LoadView.TOTAL, 100, 10),
                new LoadView.Row("queue.dwell_ms", "acme", 90, 5), new LoadView.Row("queue.jobs", LoadView.TOTAL, 100, 10),
                new LoadView.Row("queue.jobs", "acme", 90, 5), new LoadView.Row("queue.jobs/main", LoadView.TOTAL, 100, 10),
                new LoadView.Row("queue.jobs/main", "acme", 90, 5)), new LoadView.SpikeRule(3, 0.2, 1));
        assertEquals(List.of("queue.jobs"), v.spiking().stream().map(TenantLayerLoad::layer).toList());
    }

    private static double rate(List<TenantLayerLoad> loads, String layer) {
        return loads.stream().filter(l -> l.layer().equals(layer)).mapToDouble(TenantLayerLoad::rate).sum();
    }

    @Test
    public void aSteadyRateIsItsOwnBaselineAndSharesAddUp() {
        LoadLedger ledger = ledger(100);
        for (int s = 0; s < 30; s++) {
            for (int i = 0; i < 10; i++) {
                ledger.add("queue", "jobs", "main", "acme", 1);
            }
            for (int i = 0; i < 30; i++) {
                ledger.add("queue", "jobs", "main", "hooli", 1);
            }
            now.addAndGet(1_000);
        }
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        List<TenantLayerLoad> top = v.top("queue.jobs", 5);
        assertEquals("hooli", top.get(0).tenant());
        assertEquals(0.75, top.get(0).share(), 0.01);
        assertEquals(0.25, top.get(1).share(), 0.01);
        assertEquals("bursts each second, read a second after one: about 30/s", 30, top.get(0).rate(), 6);
        assertEquals(30, top.get(0).baseline(), 6);
        assertTrue("nobody spikes at a steady rate", v.spiking().isEmpty());
    }

    @Test
    public void aBurstOverItsBaselineIsASpikeNamedOnceAndEndsOnce() {
        LoadLedger ledger = ledger(100);
        SpikeWatch watch = new SpikeWatch();
        LoadView.SpikeRule rule = new LoadView.SpikeRule(3, 0.2, 1);
        for (int s = 0; s < 30; s++) {
            for (String t : new String[] {"acme", "hooli", "initech"}) {
                for (int i = 0; i < 5; i++) {
                    ledger.add("llm", "requests", "gpt", t, 1);
                }
            }
            now.addAndGet(1_000);
            assertTrue(watch.next(view(ledger, rule), Instant.now()).isEmpty());
        }
        List<LoadSpike> spikes = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < 100; i++) {
                ledger.add("llm", "requests", "gpt", "hooli", 1);
            }
            for (String t : new String[] {"acme", "initech"}) {
                for (int i = 0; i < 5; i++) {
                    ledger.add("llm", "requests", "gpt", t, 1);
                }
            }
            now.addAndGet(1_000);
            spikes.addAll(watch.next(view(ledger, rule), Instant.now()));
        }
        assertEquals(spikes.toString(), 1, spikes.size());
        LoadSpike spike = spikes.get(0);
        assertEquals("hooli", spike.tenant());
        assertEquals("llm.requests", spike.layer());
        assertFalse(spike.ended());
        assertTrue(spike.rate() > 3 * spike.baseline() && spike.share() > 0.5);
        now.addAndGet(30_000); // quiet: the burst decays
        for (String t : new String[] {"acme", "hooli", "initech"}) {
            ledger.add("llm", "requests", "gpt", t, 1);
        }
        List<LoadSpike> after = watch.next(view(ledger, rule), Instant.now());
        assertEquals(after.toString(), 1, after.size());
        assertTrue(after.get(0).ended());
    }

    @Test
    public void aNewTenantTakesTheQuietestSlotAndSamplesOfTooManyLayersAreDropped() {
        LoadLedger ledger = new LoadLedger(new LoadLedger.Settings(2, 1, 0, 1_000, 10_000), now::get);
        ledger.add("queue", "jobs", "main", "a", 10);
        ledger.add("queue", "jobs", "main", "b", 1);
        ledger.add("queue", "jobs", "main", "c", 5);
        ledger.add("llm", "requests", "gpt", "a", 1);
        List<String> tracked = ledger.snapshot().get(0).tenants().stream().map(LoadLedger.Figure::tenant).sorted().toList();
        assertEquals(List.of("a", "c"), tracked);
        assertEquals(1, ledger.dropped());
    }

    @Test
    public void aFarFutureClockKeepsTheSumsFinite() {
        LoadLedger ledger = ledger(10);
        ledger.add("rest", "requests", "/queues", "acme", 1);
        now.addAndGet(2_000L * 1_000); // 1000 half-lives
        ledger.add("rest", "requests", "/queues", "acme", 1);
        double rate = ledger.snapshot().get(0).tenants().get(0).rate();
        assertTrue(String.valueOf(rate), Double.isFinite(rate) && rate > 0);
    }

    @Test
    public void theFleetViewAddsEveryNodesRowsUp() {
        LoadView.SpikeRule rule = new LoadView.SpikeRule(3, 0.2, 1);
        LoadView v = LoadView.of(List.of(
                new LoadView.Row("queue", LoadView.TOTAL, 30, 30), new LoadView.Row("queue", "acme", 10, 10), new LoadView.Row("queue", "hooli", 5, 5),
                new LoadView.Row("queue", LoadView.TOTAL, 10, 10), new LoadView.Row("queue", "hooli", 10, 2)), rule);
        List<TenantLayerLoad> top = v.top("queue", 1);
        assertEquals("hooli", top.get(0).tenant());
        assertEquals(15, top.get(0).rate(), 1e-9);
        assertEquals(15 / 40.0, top.get(0).share(), 1e-9);
        assertTrue("15/s over a baseline of 7/s is under 3x", !top.get(0).spiking());
        assertEquals("acme and the untracked 15/s", TenantLoad.OTHERS, top.get(1).tenant());
        assertEquals(25, top.get(1).rate(), 1e-9);
        assertEquals(List.of("queue"), v.layers());
        assertEquals(1, v.tenant("acme").size());
    }
}
