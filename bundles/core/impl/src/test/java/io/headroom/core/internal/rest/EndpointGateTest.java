package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

public class EndpointGateTest {
    @Test
    public void aClosedGateHoldsRequestsUntilItOpens() throws Exception {
        EndpointGate gate = new EndpointGate();
        CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> enter(gate, 10_000));
        Thread.sleep(100);
        assertFalse("still held while the endpoint is away", held.isDone());
        gate.open();
        assertTrue(held.get(5, TimeUnit.SECONDS));
        gate.exit();
    }

    @Test
    public void aGateThatStaysClosedTurnsRequestsAway() throws Exception {
        EndpointGate gate = new EndpointGate();
        assertFalse(gate.enter(50));
    }

    @Test
    public void closingWaitsForRequestsInFlight() throws Exception {
        EndpointGate gate = new EndpointGate();
        gate.open();
        assertTrue(gate.enter(0));
        CompletableFuture<Integer> closing = CompletableFuture.supplyAsync(() -> {
            try {
                return gate.close(10_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse("close waits for the request in flight", closing.isDone());
        assertFalse("no new request gets in while closing", gate.enter(10));
        gate.exit();
        assertEquals(Integer.valueOf(0), closing.get(5, TimeUnit.SECONDS));
    }

    @Test
    public void closingGivesUpAfterTheDrainTime() throws Exception {
        EndpointGate gate = new EndpointGate();
        gate.open();
        gate.enter(0);
        assertEquals(1, gate.close(50));
    }

    private static boolean enter(EndpointGate gate, long hold) {
        try {
            return gate.enter(hold);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
