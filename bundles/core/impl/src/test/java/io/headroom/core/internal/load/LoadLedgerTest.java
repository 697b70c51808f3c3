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
    private static final String[] LAYERS = {"sharding", "queue", "llm", "search", "rest"};
    private final AtomicLong now = new AtomicLong(1_000_000);

    private LoadLedger ledger(int perLayer) {
        return new LoadLedger(new LoadLedger.Settings(perLayer, 16, 2_000, 60_000), now::get);
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
    public void staysWithinItsBoundAt100kTenantsOnEveryLayer() {
        LoadLedger.Settings settings = new LoadLedger.Settings(1_000, 16, 10_000, 900_000);
        assertTrue("the settings' bound is under 64 MiB: " + LoadLedger.bound(settings), LoadLedger.bound(settings) < 64 * MIB);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        LoadLedger ledger = new LoadLedger(settings, now::get);
        for (int round = 0; round < 2; round++) {
            for (int t = 0; t < 100_000; t++) {
                String tenant = "tenant-" + t;
                for (String layer : LAYERS) {
                    ledger.add(layer, tenant, 1 + (t % 7));
                }
                if (t % 1000 == 0) {
                    now.addAndGet(1);
                }
            }
        }
        System.gc();
        long after = memory.getHeapMemoryUsage().getUsed();
        assertEquals(LAYERS.length * LoadLedger.capacity(settings), ledger.tracked());
        assertTrue(LoadLedger.capacity(settings) <= 1_256);
        assertTrue("estimated " + ledger.estimatedBytes(), ledger.estimatedBytes() <= LoadLedger.bound(settings));
        assertTrue("heap grew by " + (after - before) / MIB + " MiB", after - before < 64 * MIB);
        // the layer totals stay exact: what nobody tracks by name is the rest
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        double shares = v.top("queue", 2_000).stream().mapToDouble(TenantLayerLoad::share).sum();
        assertEquals(1.0, shares, 1e-6);
        assertEquals(TenantLoad.OTHERS, v.top("queue", 10).get(10).tenant());
    }

    @Test
    public void aSteadyRateIsItsOwnBaselineAndSharesAddUp() {
        LoadLedger ledger = ledger(100);
        for (int s = 0; s < 30; s++) {
            for (int i = 0; i < 10; i++) {
                ledger.add("queue", "acme", 1);
            }
            for (int i = 0; i < 30; i++) {
                ledger.add("queue", "hooli", 1);
            }
            now.addAndGet(1_000);
        }
        LoadView v = view(ledger, new LoadView.SpikeRule(3, 0.2, 1));
        List<TenantLayerLoad> top = v.top("queue", 5);
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
                    ledger.add("llm", t, 1);
                }
            }
            now.addAndGet(1_000);
            assertTrue(watch.next(view(ledger, rule), Instant.now()).isEmpty());
        }
        List<LoadSpike> spikes = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < 100; i++) {
                ledger.add("llm", "hooli", 1);
            }
            for (String t : new String[] {"acme", "initech"}) {
                for (int i = 0; i < 5; i++) {
                    ledger.add("llm", t, 1);
                }
            }
            now.addAndGet(1_000);
            spikes.addAll(watch.next(view(ledger, rule), Instant.now()));
        }
        assertEquals(spikes.toString(), 1, spikes.size());
        LoadSpike spike = spikes.get(0);
        assertEquals("hooli", spike.tenant());
        assertEquals("llm", spike.layer());
        assertFalse(spike.ended());
        assertTrue(spike.rate() > 3 * spike.baseline() && spike.share() > 0.5);
        now.addAndGet(30_000); // quiet: the burst decays
        for (String t : new String[] {"acme", "hooli", "initech"}) {
            ledger.add("llm", t, 1);
        }
        List<LoadSpike> after = watch.next(view(ledger, rule), Instant.now());
        assertEquals(after.toString(), 1, after.size());
        assertTrue(after.get(0).ended());
    }

    @Test
    public void aNewTenantTakesTheQuietestSlotAndSamplesOfTooManyLayersAreDropped() {
        LoadLedger ledger = new LoadLedger(new LoadLedger.Settings(2, 1, 1_000, 10_000), now::get);
        ledger.add("queue", "a", 10);
        ledger.add("queue", "b", 1);
        ledger.add("queue", "c", 5);
        ledger.add("llm", "a", 1);
        List<String> tracked = ledger.snapshot().get(0).tenants().stream().map(LoadLedger.Figure::tenant).sorted().toList();
        assertEquals(List.of("a", "c"), tracked);
        assertEquals(1, ledger.dropped());
    }

    @Test
    public void aFarFutureClockKeepsTheSumsFinite() {
        LoadLedger ledger = ledger(10);
        ledger.add("rest", "acme", 1);
        now.addAndGet(2_000L * 1_000); // 1000 half-lives
        ledger.add("rest", "acme", 1);
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
