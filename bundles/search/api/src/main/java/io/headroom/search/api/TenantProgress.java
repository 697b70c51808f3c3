package io.headroom.search.api;

/**
 * One tenant in a migration: backfill state (PENDING, COPYING, COPIED), documents copied, validation
 * (NONE, PASSED, FAILED with {@code detail}), counts and (id, version) hashes on each side, and where its reads go.
 */
public record TenantProgress(String tenant, String backfill, long copied, String validation, long sourceCount,
        long targetCount, String sourceHash, String targetHash, String detail, boolean readsOnTarget) {
}
