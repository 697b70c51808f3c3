package io.headroom.queue.internal.core;

import static org.junit.Assert.assertEquals;

import io.headroom.core.api.TenantId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.Test;

public class LoadTallyTest {
    private static final TenantId A = TenantId.of("acme");
    private static final TenantId B = TenantId.of("globex");

    @Test
    public void eachDrainHandsTheCountsSinceTheLastOneAndSkipsIdleTenants() {
        LoadTally t = new LoadTally();
        t.add(A);
        t.add(A);
        t.add(B);
        Map<TenantId, Long> got = new HashMap<>();
        t.drain(got::put);
        assertEquals(Map.of(A, 2L, B, 1L), got);
        t.add(B);
        got.clear();
        t.drain(got::put);
        assertEquals(Map.of(B, 1L), got);
        got.clear();
        t.drain(got::put);
        assertEquals(Map.of(), got);
    }

    @Test
    public void noCountIsLostWhileWorkersAddDuringDrains() throws Exception {
        LoadTally t = new LoadTally();
        int perThread = 200_000;
        AtomicBoolean adding = new AtomicBoolean(true);
        long[] drained = new long[1];
        Thread drainer = new Thread(() -> {
            while (adding.get()) {
                t.drain((tenant, n) -> drained[0] += n);
            }
        });
        drainer.start();
        Thread[] workers = new Thread[2];
        for (int w = 0; w < workers.length; w++) {
            TenantId tenant = w == 0 ? A : B;
            workers[w] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    t.add(tenant);
                }
            });
            workers[w].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        adding.set(false);
        drainer.join();
        t.drain((tenant, n) -> drained[0] += n);
        assertEquals(2L * perThread, drained[0]);
    }
}
