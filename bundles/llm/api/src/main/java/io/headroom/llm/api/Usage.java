package io.headroom.llm.api;

import io.headroom.core.api.TenantId;
import java.time.LocalDate;

/**
 * What one tenant ({@code null}: calls made in platform scope, without a tenant) used through one route and deployment
 * on one UTC day: answered requests, input and output tokens, and their cost in US dollars at the deployment's prices.
 */
public record Usage(LocalDate day, TenantId tenant, String route, String deployment, long requests, long inputTokens,
                    long outputTokens, double cost) {
}
