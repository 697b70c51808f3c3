package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ProviderException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/** Per-tenant quotas on a simulated clock: windows, reservations and settling, refusals and what they say. */
public class TenantQuotasTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private int status(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (ProviderException e) {
            assertTrue("a quota refusal is never retried on another deployment", !e.retryable());
            return e.status();
        }
    }

    @Test
    public void requestsPerMinuteHoldPerTenantAndFreeUpAsTheWindowSlides() {
        TenantQuotas q = new TenantQuotas(3, 0, clock::get);
        for (int i = 0; i < 3; i++) {
            assertEquals("no token quota: nothing reserved", 0, q.admit(ACME, 50));
            clock.addAndGet(10_000);
        }
        ProviderException over = assertThrows(ProviderException.class, () -> q.admit(ACME, 50));
        assertEquals(429, over.status());
        assertTrue(over.getMessage(), over.getMessage().contains("tenant acme is over its quota of 3 requests a minute"));
        assertTrue("Retry-After points at the oldest request leaving the window: " + over.retryAfterMillis(),
                over.retryAfterMillis() > 0 && over.retryAfterMillis() <= 61_000);
        assertEquals("another tenant has its own quota", 200, status(() -> q.admit(GLOBEX, 50)));
        clock.addAndGet(over.retryAfterMillis());
        assertEquals("the first request has left the window", 200, status(() -> q.admit(ACME, 50)));
    }

    @Test
    public void tokensAreReservedAtTheEstimateAndSettledToWhatWasUsed() {
        TenantQuotas q = new TenantQuotas(0, 100, clock::get);
        assertEquals(40, q.admit(ACME, 40));
        assertEquals(40, q.admit(ACME, 40));
        assertEquals("80 reserved: 40 more would overshoot", 429, status(() -> q.admit(ACME, 40)));
        q.settle(ACME, 40, 10);
        q.settle(ACME, 40, 10);
        assertEquals("20 used: room for two more", 40, q.admit(ACME, 40));
        assertEquals(40, q.admit(ACME, 40));
        assertEquals(429, status(() -> q.admit(ACME, 40)));
        q.settle(ACME, 40, 0);
        assertEquals("a call that failed gives its reservation back", 40, q.admit(ACME, 40));
        clock.addAndGet(61_000);
        assertEquals(100, q.admit(ACME, 100));
    }

    @Test
    public void aRequestLargerThanTheWholeQuotaIsABadRequestAndCostsNothing() {
        TenantQuotas q = new TenantQuotas(2, 100, clock::get);
        ProviderException big = assertThrows(ProviderException.class, () -> q.admit(ACME, 101));
        assertEquals(400, big.status());
        assertTrue(big.getMessage(), big.getMessage().contains("lower max_tokens"));
        assertEquals("a token refusal does not use up a request either", 200, status(() -> q.admit(ACME, 10)));
        assertEquals(200, status(() -> q.admit(ACME, 10)));
        assertEquals(429, status(() -> q.admit(ACME, 10)));
    }

    @Test
    public void noQuotaAdmitsEverything() {
        TenantQuotas q = new TenantQuotas(0, 0, clock::get);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, q.admit(ACME, 1_000_000));
        }
        q.settle(ACME, 0, 500); // nothing was reserved: nothing to settle
    }
}
