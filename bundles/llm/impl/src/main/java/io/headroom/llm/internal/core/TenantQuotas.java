package io.headroom.llm.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.TenantQuota;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongBiFunction;

/**
 * Per-tenant quotas across all routes and the whole fleet, so one tenant cannot take everyone's capacity: requests and
 * tokens per minute ({@link LeasedLimits}: 0 means no quota), and spending budgets per UTC day and month. Tokens are
 * reserved at a request's upper-bound estimate when it is admitted, so concurrent calls cannot overshoot the quota
 * together, and settled to the real usage when the answer is complete. A refusal is a {@link ProviderException} the
 * router does not retry elsewhere: 429 with the wait until room frees up (the next limit window, day or month), or 400
 * for a request larger than the token quota admits at once (the whole quota, or one window's share of it when limits
 * are counted in windows shorter than a minute). Budgets are checked against what was spent before the call (the fleet's
 * usage as last read plus this node's not yet written), so calls already in flight when a budget runs out still finish.
 * Calls in platform scope ({@code null} tenant) have no quota.
 */
public final class TenantQuotas {
    private final LeasedLimits limits;
    private final Function<TenantId, TenantQuota> quotas;
    private final ToLongBiFunction<TenantId, Boolean> spentMicros;
    private final LongSupplier clock;

    /**
     * @param quotas      the quota in force for a tenant
     * @param spentMicros what a tenant has spent this month ({@code true}) or today ({@code false}), in micro-dollars
     */
    public TenantQuotas(LeasedLimits limits, Function<TenantId, TenantQuota> quotas, ToLongBiFunction<TenantId, Boolean> spentMicros,
                        LongSupplier clockMillis) {
        this.limits = limits;
        this.quotas = quotas;
        this.spentMicros = spentMicros;
        this.clock = clockMillis;
    }

    static String requestsKey(TenantId t) {
        return "tenant:" + t.value() + ":requests";
    }

    static String tokensKey(TenantId t) {
        return "tenant:" + t.value() + ":tokens";
    }

    /** Admits one request of the tenant estimated at {@code estimatedTokens}; returns the tokens reserved for it. */
    public long admit(TenantId tenant, long estimatedTokens) {
        if (tenant == null) {
            return 0;
        }
        TenantQuota q = quotas.apply(tenant);
        long now = clock.getAsLong();
        budget(tenant, q, now);
        int rpm = q.requestsPerMinute() == null ? 0 : q.requestsPerMinute();
        int tpm = q.tokensPerMinute() == null ? 0 : q.tokensPerMinute();
        if (!limits.tryTake(requestsKey(tenant), rpm, 1.0, 1)) {
            throw new ProviderException("tenant " + tenant + " is over its quota of " + rpm + " requests a minute",
                    429, false, limits.millisUntilNextWindow(rpm, 1.0), null);
        }
        if (tpm <= 0) {
            return 0;
        }
        if (!limits.tryTake(tokensKey(tenant), tpm, 1.0, estimatedTokens)) {
            limits.settle(requestsKey(tenant), rpm, 1.0, 1, now); // refused: the request does not count either
            long largest = limits.largestTake(tpm, 1.0);
            if (estimatedTokens > largest) {
                throw new ProviderException("this request may use " + estimatedTokens + " tokens, more than tenant " + tenant
                        + "'s quota of " + tpm + " a minute admits at once (" + largest + "): lower max_tokens", 400, false, 0, null);
            }
            throw new ProviderException("tenant " + tenant + " is over its quota of " + tpm + " tokens a minute",
                    429, false, limits.millisUntilNextWindow(tpm, 1.0), null);
        }
        return estimatedTokens;
    }

    private void budget(TenantId tenant, TenantQuota q, long now) {
        if (q.dailyBudget() == null && q.monthlyBudget() == null) {
            return;
        }
        LocalDate today = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC).toLocalDate();
        if (q.dailyBudget() != null && spentMicros.applyAsLong(tenant, false) >= Math.round(q.dailyBudget() * 1e6)) {
            long until = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            throw new ProviderException("tenant " + tenant + " has spent its daily LLM budget of $" + q.dailyBudget(), 429, false,
                    until - now, null);
        }
        if (q.monthlyBudget() != null && spentMicros.applyAsLong(tenant, true) >= Math.round(q.monthlyBudget() * 1e6)) {
            long until = today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            throw new ProviderException("tenant " + tenant + " has spent its monthly LLM budget of $" + q.monthlyBudget(), 429, false,
                    until - now, null);
        }
    }

    /** Replaces a reservation made at {@code admittedAtMillis} by what was really used (0 for a call that failed before any answer). */
    public void settle(TenantId tenant, long reserved, long used, long admittedAtMillis) {
        if (tenant != null && reserved > 0) {
            TenantQuota q = quotas.apply(tenant);
            limits.settle(tokensKey(tenant), q.tokensPerMinute() == null ? 0 : q.tokensPerMinute(), 1.0, reserved - used, admittedAtMillis);
        }
    }
}
