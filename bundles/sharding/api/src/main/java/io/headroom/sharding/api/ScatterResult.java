package io.headroom.sharding.api;

import java.util.List;
import java.util.Map;

/**
 * A scatter-gather result: the merged rows of the shards that answered, and which shards failed or timed out
 * (shard name to reason). When {@code failed} is not empty the rows are partial; callers decide whether that is fine.
 */
public record ScatterResult(QueryResult result, List<String> answered, Map<String, String> failed) {
    public ScatterResult {
        answered = List.copyOf(answered);
        failed = Map.copyOf(failed);
    }

    public boolean complete() {
        return failed.isEmpty();
    }
}
