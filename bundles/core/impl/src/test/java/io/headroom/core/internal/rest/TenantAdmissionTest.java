package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class TenantAdmissionTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId HOOLI = TenantId.of("hooli");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Map<TenantId, TenantLimit> limits = new ConcurrentHashMap<>();
    private final List<LoadSample> samples = new ArrayList<>();
    private int nodes = 1;

    private final TenantLimits store = new TenantLimits() {
        @Override
        public Optional<TenantLimit> limit(TenantId tenant) {
            return Optional.ofNullable(limits.get(tenant));
        }

        @Override
        public List<TenantLimit> list() {
            return List.copyOf(limits.values());
        }

        @Override
        public TenantLimit set(TenantLimit limit) {
            limits.put(limit.tenant(), limit);
            return limit;
        }

        @Override
        public boolean clear(TenantId tenant) {
            return limits.remove(tenant) != null;
        }
    };

    private final Signals signals = new Signals() {
        @Override
        public void outcome(OutcomeEvent event) {
        }

        @Override
        public void load(LoadSample sample) {
            samples.add(sample);
        }
    };

    private final TenantAdmission admission = new TenantAdmission(() -> signals, () -> store, () -> nodes, nanos::get);

    @Test
    public void aLimitedTenantGetsItsRateAndOthersAreNotTouched() {
        store.set(new TenantLimit(ACME, null, null, null, 5, null));
        int admitted = 0;
        int hooli = 0;
        for (int i = 0; i < 20; i++) {
            admitted += admission.admit(ACME, "/queues") == 0 ? 1 : 0;
            hooli += admission.admit(HOOLI, "/queues") == 0 ? 1 : 0;
        }
        assertEquals("a second's burst", 5, admitted);
        assertEquals(20, hooli);
        assertTrue("retry after at least a second", admission.admit(ACME, "/queues") >= 1);
        nanos.addAndGet(1_000_000_000L);
        admitted = 0;
        for (int i = 0; i < 20; i++) {
            admitted += admission.admit(ACME, "/queues") == 0 ? 1 : 0;
        }
        assertEquals("refilled at the rate", 5, admitted);
        assertEquals("every request is reported as load, admitted or not", 61, samples.size());
        assertEquals("rest", samples.get(0).capability());
        assertEquals("requests", samples.get(0).measure());
        assertEquals("by service", "queues", samples.get(0).resource());
    }

    @Test
    public void theFleetLimitIsSplitOverTheLiveNodesAndLiftedWhenCleared() {
        nodes = 2;
        store.set(new TenantLimit(ACME, null, null, null, 10, null));
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            admitted += admission.admit(ACME, "/llm") == 0 ? 1 : 0;
        }
        assertEquals(5, admitted);
        store.clear(ACME);
        assertEquals(0, admission.admit(ACME, "/llm"));
    }

    @Test
    public void aZeroLimitRefusesEverything() {
        store.set(new TenantLimit(ACME, null, null, null, 0, null));
        assertTrue(admission.admit(ACME, "/llm") > 0);
    }
}
