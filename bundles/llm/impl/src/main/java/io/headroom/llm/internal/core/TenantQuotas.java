package io.headroom.llm.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ProviderException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-tenant quotas across all routes, so one tenant cannot take everyone's capacity: requests and tokens per minute
 * (0: no quota), sliding windows that never let more through than configured. Tokens are reserved at a request's
 * upper-bound estimate when it is admitted, so concurrent calls cannot overshoot the quota together, and settled to
 * the real usage when the answer is complete. A refusal is a {@link ProviderException} the router does not retry
 * elsewhere: 429 with the wait until room frees up, or 400 for a request larger than the whole token quota.
 */
public final class TenantQuotas {
    private final int requestsPerMinute;
    private final int tokensPerMinute;
    private final LongSupplier clock;
    private final Map<TenantId, SlidingLimit> requests = new ConcurrentHashMap<>();
    private final Map<TenantId, SlidingLimit> tokens = new ConcurrentHashMap<>();

    public TenantQuotas(int requestsPerMinute, int tokensPerMinute, LongSupplier clockMillis) {
        this.requestsPerMinute = requestsPerMinute;
        this.tokensPerMinute = tokensPerMinute;
        this.clock = clockMillis;
    }

    /** Admits one request of the tenant estimated at {@code estimatedTokens}; returns the tokens reserved for it. */
    public long admit(TenantId tenant, long estimatedTokens) {
        long now = clock.getAsLong();
        SlidingLimit requestLimit = null;
        if (requestsPerMinute > 0) {
            requestLimit = requests.computeIfAbsent(tenant, t -> new SlidingLimit(requestsPerMinute));
            if (!requestLimit.tryTake(now, 1, 1.0)) {
                throw new ProviderException("tenant " + tenant + " is over its quota of " + requestsPerMinute + " requests a minute",
                        429, false, requestLimit.millisUntilRoom(now), null);
            }
        }
        if (tokensPerMinute <= 0) {
            return 0;
        }
        SlidingLimit tokenLimit = tokens.computeIfAbsent(tenant, t -> new SlidingLimit(tokensPerMinute));
        if (!tokenLimit.tryTake(now, estimatedTokens, 1.0)) {
            if (requestLimit != null) {
                requestLimit.adjust(now, -1); // refused: the request does not count either
            }
            if (estimatedTokens > tokensPerMinute) {
                throw new ProviderException("this request may use " + estimatedTokens + " tokens, more than tenant " + tenant
                        + "'s quota of " + tokensPerMinute + " a minute: lower max_tokens", 400, false, 0, null);
            }
            throw new ProviderException("tenant " + tenant + " is over its quota of " + tokensPerMinute + " tokens a minute",
                    429, false, tokenLimit.millisUntilRoom(now), null);
        }
        return estimatedTokens;
    }

    /** Replaces a reservation by what was really used (0 for a call that failed before any answer). */
    public void settle(TenantId tenant, long reserved, long used) {
        if (reserved > 0) {
            tokens.get(tenant).adjust(clock.getAsLong(), used - reserved);
        }
    }
}
