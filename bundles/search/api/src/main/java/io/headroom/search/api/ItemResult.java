package io.headroom.search.api;

/**
 * What became of one write of a {@link TenantSearch#bulkItems} call: {@code status} 200 (applied by every layout),
 * 202 (a layout was unreachable, the write is in the outbox), or 400 with {@code error} naming the problem (nothing of
 * it was written).
 */
public record ItemResult(String id, int status, String error) {
}
