package io.headroom.core.api.load;

import io.headroom.core.api.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * The limits an operator set on one tenant, each applied by its own layer; a null figure leaves that layer's usual
 * limits alone. {@code expiresAt} null: until cleared.
 *
 * @param queueCap   jobs the tenant may have open in a queue at once
 * @param llmRpm     LLM requests a minute, fleet-wide: at least 1 (the gateway's quotas have no "none a minute"; 0 is
 *                   refused rather than read as 1)
 * @param shardShare share (0-1] of each shard's connection pool the tenant may hold
 * @param restRps    REST requests a second, fleet-wide
 */
public record TenantLimit(TenantId tenant, Integer queueCap, Integer llmRpm, Double shardShare, Integer restRps,
                          Instant expiresAt) {
    public TenantLimit {
        Objects.requireNonNull(tenant, "tenant");
        if (queueCap != null && queueCap < 0 || llmRpm != null && llmRpm < 0 || restRps != null && restRps < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
        if (llmRpm != null && llmRpm == 0) {
            throw new IllegalArgumentException("an LLM limit is at least 1 request a minute (the gateway has no quota of none a minute)");
        }
        if (shardShare != null && !(shardShare > 0 && shardShare <= 1)) {
            throw new IllegalArgumentException("a shard share is more than 0 and at most 1, not " + shardShare);
        }
        if (queueCap == null && llmRpm == null && shardShare == null && restRps == null) {
            throw new IllegalArgumentException("name at least one limit");
        }
    }

    public boolean expired(Instant now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }
}
