package io.headroom.sharding.api;

/** One tenant's load on one shard since this node started: queries, errors, latency, refusals over its connection share. */
public record TenantLoad(String tenant, String shard, long queries, long errors, double meanLatencyMillis, long maxLatencyMillis,
        long refused, int inFlight) {
}
