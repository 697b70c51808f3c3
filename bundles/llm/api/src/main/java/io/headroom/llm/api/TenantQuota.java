package io.headroom.llm.api;

import io.headroom.core.api.TenantId;

/**
 * An operator's override for one tenant, across all routes and the whole fleet: requests and tokens per minute
 * ({@code null}: the platform default, 0: no quota) and spending budgets in US dollars per UTC day and per month
 * ({@code null}: none). A tenant whose budget is spent gets 429 with Retry-After until the day or month ends.
 */
public record TenantQuota(TenantId tenant, Integer requestsPerMinute, Integer tokensPerMinute, Double dailyBudget,
                          Double monthlyBudget) {
    public TenantQuota {
        if (tenant == null) {
            throw new IllegalArgumentException("a quota needs a tenant");
        }
        if (requestsPerMinute != null && requestsPerMinute < 0 || tokensPerMinute != null && tokensPerMinute < 0) {
            throw new IllegalArgumentException("per-minute quotas must be 0 (none) or more");
        }
        if (dailyBudget != null && !(dailyBudget >= 0) || monthlyBudget != null && !(monthlyBudget >= 0)) {
            throw new IllegalArgumentException("budgets must be 0 or more US dollars");
        }
    }
}
