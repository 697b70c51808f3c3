package io.headroom.sharding.api;

import java.util.Map;

/**
 * A versioned schema change across all shards: its DDL, state (RUNNING, PAUSED, DONE, CANCELLED, FAILED), the canary
 * shard, and per shard how it was applied ({@code INSTANT}, {@code INPLACE}, {@code ALREADY}) or why it failed.
 */
public record SchemaChangeStatus(int version, String ddl, String state, String canary, Map<String, String> shards, String error,
        String updatedAt) {
    public SchemaChangeStatus {
        shards = Map.copyOf(shards);
    }
}
