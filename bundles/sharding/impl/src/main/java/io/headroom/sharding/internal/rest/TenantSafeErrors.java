package io.headroom.sharding.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantFencedException;
import io.headroom.sharding.api.TenantOverLimitException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Data API caller may read of a shard's failure: shard names, server hosts, schema names and database users
 * are for operators (the log has them, with the request id), not for the services of a tenant. The exception keeps its
 * type, so it maps to the same status; only its message changes.
 */
final class TenantSafeErrors {
    private static final Logger LOG = LoggerFactory.getLogger(TenantSafeErrors.class);
    private static final Pattern SHARD_PREFIX = Pattern.compile("^shard [^:]+: ");
    /** 'schema.table' in MySQL's messages (e.g. "Table 'shard_a.orders' doesn't exist"): the table is the tenant's. */
    private static final Pattern QUALIFIED_TABLE = Pattern.compile("'[A-Za-z0-9_$]+\\.([A-Za-z0-9_$]+)'");
    /** 'user'@'host' in access-denied messages. */
    private static final Pattern USER_AT_HOST = Pattern.compile("'[^']*'@'[^']*'");
    private static final Pattern DATABASE = Pattern.compile("database '[^']*'");

    private TenantSafeErrors() {
    }

    static RuntimeException of(TenantId tenant, RuntimeException e) {
        if (e instanceof TenantFencedException) {
            return e; // "tenant ... is being moved": names no shard
        }
        if (e instanceof TenantOverLimitException over) {
            return new TenantOverLimitException(null, withoutShard(over.getMessage(), over.shard()));
        }
        if (e instanceof ShardUnavailableException down) {
            LOG.warn("Data API: tenant {}'s shard {} is unavailable: {}", tenant, down.shard(), down.getMessage());
            return new ShardUnavailableException(null, "tenant " + tenant + "'s shard is unavailable right now; retry"
                    + " (operators see why in the log)", null);
        }
        if (e instanceof ShardQueryException refused) {
            return new ShardQueryException(queryMessage(refused.getMessage()), refused.sqlState(), null);
        }
        return e;
    }

    static String queryMessage(String message) {
        String m = SHARD_PREFIX.matcher(message == null ? "" : message).replaceFirst("");
        m = QUALIFIED_TABLE.matcher(m).replaceAll("'$1'");
        m = USER_AT_HOST.matcher(m).replaceAll("the platform's database user");
        return DATABASE.matcher(m).replaceAll("the tenant's database");
    }

    private static String withoutShard(String message, String shard) {
        return shard == null ? message : message.replace("shard " + shard + "'s", "its shard's").replace("shard " + shard, "its shard");
    }
}
