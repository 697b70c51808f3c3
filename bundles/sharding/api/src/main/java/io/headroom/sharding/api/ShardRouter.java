package io.headroom.sharding.api;

import io.headroom.core.api.TenantId;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Routes tenants to shards. Platform bundles use this; operators use {@link ShardAdmin}. */
@ProviderType
public interface ShardRouter {
    /** The handle on the shard that holds the tenant's rows now. */
    TenantShard forTenant(TenantId tenant);

    /**
     * Runs one SELECT on every shard in parallel (bounded) and merges: rows concatenated, then DISTINCT, GROUP BY
     * with COUNT/SUM/MIN/MAX, ORDER BY and LIMIT/OFFSET applied across shards. A shard that fails or does not answer
     * within {@code perShardTimeout} is listed in {@link ScatterResult#failed()}. Unmergeable queries (AVG, HAVING,
     * ORDER BY a column not selected, subqueries, unions) are refused with {@link UnsafeStatementException}.
     */
    ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout);

    /**
     * {@link #scatter(String, List, Duration)} with a read preference: each shard's part runs on one of its replicas
     * that fits {@code reads} (a reporting query kept off the primaries), on the primary where none does.
     */
    ScatterResult scatter(String sql, List<Object> params, Duration perShardTimeout, ReadPreference reads);

    /** Where the tenant lives. */
    TenantLocation locate(TenantId tenant);
}
