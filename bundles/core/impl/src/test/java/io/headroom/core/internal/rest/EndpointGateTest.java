package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;

public class EndpointGateTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @After
    public void stop() {
        timer.shutdownNow();
    }

    @Test
    public void aClosedGateHoldsRequestsUntilItOpensWithoutAThreadEach() throws Exception {
        EndpointGate gate = new EndpointGate();
        int held = 1000; // far more than any server has threads
        AtomicInteger admitted = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        for (int i = 0; i < held; i++) {
            assertFalse(gate.enterOrHold(10_000, timer, in -> {
                if (in && admitted.incrementAndGet() == held) {
                    all.complete(null);
                }
            }));
        }
        Thread.sleep(100);
        assertEquals("still held while the endpoint is away", 0, admitted.get());
        gate.open();
        all.get(5, TimeUnit.SECONDS);
        for (int i = 0; i < held; i++) {
            gate.exit();
        }
        assertEquals("every admitted request was counted in flight, and has left", 0, gate.close(0));
    }

    @Test
    public void aGateThatStaysClosedTurnsHeldRequestsAwayAfterTheHold() throws Exception {
        EndpointGate gate = new EndpointGate();
        CompletableFuture<Boolean> decision = new CompletableFuture<>();
        assertFalse(gate.enterOrHold(50, timer, decision::complete));
        assertFalse(decision.get(5, TimeUnit.SECONDS));
        gate.open();
        assertEquals("a request turned away is not counted in flight", 0, gate.close(0));
    }

    @Test
    public void aLiveGateAdmitsAtOnce() throws Exception {
        EndpointGate gate = new EndpointGate();
        gate.open();
        assertTrue(gate.enterOrHold(10_000, timer, in -> {
            throw new AssertionError("no callback for a request admitted at once");
        }));
        gate.exit();
    }

    @Test
    public void closingWaitsForRequestsInFlight() throws Exception {
        EndpointGate gate = new EndpointGate();
        gate.open();
        assertTrue(gate.tryEnter());
        CompletableFuture<Integer> closing = CompletableFuture.supplyAsync(() -> {
            try {
                return gate.close(10_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse("close waits for the request in flight", closing.isDone());
        assertFalse("no new request gets in while closing", gate.tryEnter());
        gate.exit();
        assertEquals(Integer.valueOf(0), closing.get(5, TimeUnit.SECONDS));
    }

    @Test
    public void closingGivesUpAfterTheDrainTime() throws Exception {
        EndpointGate gate = new EndpointGate();
        gate.open();
        assertTrue(gate.tryEnter());
        assertEquals(1, gate.close(50));
        gate.exit();
    }
}
