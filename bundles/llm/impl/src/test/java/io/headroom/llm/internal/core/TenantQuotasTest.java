package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.TenantQuota;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/** Per-tenant quotas on a simulated clock: windows, reservations and settling, refusals and what they say. */
public class TenantQuotasTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    /** The start of a clock minute. */
    private final AtomicLong clock = new AtomicLong(1_000_020_000L);
    private final java.util.Map<TenantId, long[]> spent = new java.util.HashMap<>();

    private TenantQuotas quotas(int rpm, int tpm) {
        return quotas(rpm, tpm, null, null);
    }

    private TenantQuotas quotas(int rpm, int tpm, Double daily, Double monthly) {
        return new TenantQuotas(LeasedLimits.local(clock::get), t -> new TenantQuota(t, rpm, tpm, daily, monthly),
                (t, month) -> spent.getOrDefault(t, new long[2])[month ? 1 : 0], clock::get);
    }

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
    public void requestsPerMinuteHoldPerTenantAndFreeUpInTheNextMinute() {
        TenantQuotas q = quotas(3, 0);
        for (int i = 0; i < 3; i++) {
            assertEquals("no token quota: nothing reserved", 0, q.admit(ACME, 50));
            clock.addAndGet(10_000);
        }
        ProviderException over = assertThrows(ProviderException.class, () -> q.admit(ACME, 50));
        assertEquals(429, over.status());
        assertTrue(over.getMessage(), over.getMessage().contains("tenant acme is over its quota of 3 requests a minute"));
        assertTrue("Retry-After points at the next minute: " + over.retryAfterMillis(),
                over.retryAfterMillis() > 0 && over.retryAfterMillis() <= 61_000);
        assertEquals("another tenant has its own quota", 200, status(() -> q.admit(GLOBEX, 50)));
        clock.addAndGet(over.retryAfterMillis());
        assertEquals("a new minute", 200, status(() -> q.admit(ACME, 50)));
    }

    @Test
    public void tokensAreReservedAtTheEstimateAndSettledToWhatWasUsed() {
        TenantQuotas q = quotas(0, 100);
        assertEquals(40, q.admit(ACME, 40));
        assertEquals(40, q.admit(ACME, 40));
        assertEquals("80 reserved: 40 more would overshoot", 429, status(() -> q.admit(ACME, 40)));
        q.settle(ACME, 40, 10, clock.get());
        q.settle(ACME, 40, 10, clock.get());
        assertEquals("20 used: room for two more", 40, q.admit(ACME, 40));
        assertEquals(40, q.admit(ACME, 40));
        assertEquals(429, status(() -> q.admit(ACME, 40)));
        q.settle(ACME, 40, 0, clock.get());
        assertEquals("a call that failed gives its reservation back", 40, q.admit(ACME, 40));
        clock.addAndGet(61_000);
        assertEquals(100, q.admit(ACME, 100));
    }

    @Test
    public void aRequestLargerThanTheWholeQuotaIsABadRequestAndCostsNothing() {
        TenantQuotas q = quotas(2, 100);
        ProviderException big = assertThrows(ProviderException.class, () -> q.admit(ACME, 101));
        assertEquals(400, big.status());
        assertTrue(big.getMessage(), big.getMessage().contains("lower max_tokens"));
        assertEquals("a token refusal does not use up a request either", 200, status(() -> q.admit(ACME, 10)));
        assertEquals(200, status(() -> q.admit(ACME, 10)));
        assertEquals(429, status(() -> q.admit(ACME, 10)));
    }

    @Test
    public void inTenSecondWindowsAQuotaAdmitsItsShareOfEachAndTheRefusalSaysWhenTheNextOpens() {
        LeasedLimits windowed = new LeasedLimits(new MemoryLedger(), clock::get, () -> 1, LeasedLimits.Settings.defaults().window(10_000));
        TenantQuotas q = new TenantQuotas(windowed, t -> new TenantQuota(t, 12, 600, null, null), (t, month) -> 0L, clock::get);
        clock.addAndGet(3_000);
        assertEquals(200, status(() -> q.admit(ACME, 10)));
        assertEquals("12 a minute: 2 in each 10 s window", 200, status(() -> q.admit(ACME, 10)));
        ProviderException over = assertThrows(ProviderException.class, () -> q.admit(ACME, 10));
        assertEquals(429, over.status());
        assertEquals("Retry-After: the next window, not the next minute", 7_000, over.retryAfterMillis());
        ProviderException big = assertThrows(ProviderException.class, () -> q.admit(GLOBEX, 101));
        assertEquals("600 tokens a minute admit 100 at once in 10 s windows", 400, big.status());
        assertTrue(big.getMessage(), big.getMessage().contains("admits at once (100)"));
        clock.addAndGet(over.retryAfterMillis());
        assertEquals("the next window admits again", 200, status(() -> q.admit(ACME, 10)));
    }

    @Test
    public void noQuotaAdmitsEverything() {
        TenantQuotas q = quotas(0, 0);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, q.admit(ACME, 1_000_000));
        }
        q.settle(ACME, 0, 500, clock.get()); // nothing was reserved: nothing to settle
    }

    @Test
    public void aSpentBudgetRefusesUntilTheDayOrMonthEnds() {
        TenantQuotas q = quotas(0, 0, 1.0, 10.0);
        assertEquals(200, status(() -> q.admit(ACME, 10)));
        spent.put(ACME, new long[] {1_000_000, 1_000_000});
        ProviderException day = assertThrows(ProviderException.class, () -> q.admit(ACME, 10));
        assertEquals(429, day.status());
        assertTrue(day.getMessage(), day.getMessage().contains("daily LLM budget"));
        long untilMidnight = 86_400_000 - clock.get() % 86_400_000;
        assertEquals("Retry-After: the next UTC day", untilMidnight, day.retryAfterMillis());
        assertEquals("others are not affected", 200, status(() -> q.admit(GLOBEX, 10)));
        spent.put(ACME, new long[] {0, 10_000_000});
        ProviderException month = assertThrows(ProviderException.class, () -> q.admit(ACME, 10));
        assertTrue(month.getMessage(), month.getMessage().contains("monthly LLM budget"));
        assertTrue(month.retryAfterMillis() >= untilMidnight);
        assertEquals("platform-scope calls have no quota or budget", 0, q.admit(null, 10));
    }
}
