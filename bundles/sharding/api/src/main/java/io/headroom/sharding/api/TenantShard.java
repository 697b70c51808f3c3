package io.headroom.sharding.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One tenant's handle on the shard that holds its rows. Every statement is parsed before it runs: it may touch only
 * sharded tables and must constrain the tenant id column to this tenant (a {@code WHERE tenant_id = ?} conjunct
 * bound to it, or the tenant's value in every inserted row); anything else is refused with
 * {@link UnsafeStatementException} and never reaches the database. Parameters are bound with JDBC, never spliced.
 */
@ProviderType
public interface TenantShard {
    TenantId tenant();

    /** The shard this handle routes to (as of the routing version it was obtained at). */
    String shard();

    /** Runs a SELECT; the rows as read. */
    QueryResult query(String sql, Object... params);

    /** Runs an INSERT, UPDATE or DELETE; the affected row count. */
    int update(String sql, Object... params);

    /** Runs the statements in one transaction on the tenant's shard, all or none; each is checked first. */
    List<Integer> updateAll(List<Statement> statements);

    /**
     * Runs the statements on the tenant's shard, each checked first: one statement on its own (autocommit), several
     * in one transaction (all or none). SELECTs return at most {@code maxRows} rows (more is a
     * {@link ResultLimitException}, nothing kept); each statement is cancelled after {@code timeoutSeconds}
     * ({@link ResultLimitException}, the transaction rolled back). A fenced tenant gets {@link TenantFencedException}
     * before anything runs.
     */
    List<StatementResult> execute(List<Statement> statements, int maxRows, int timeoutSeconds);

    /**
     * This handle with reads (query, and execute of SELECTs only) run where {@code preference} allows: on a replica of
     * the tenant's shard fresh enough for it, else on the primary. Writes always run on the primary.
     */
    default TenantShard reading(ReadPreference preference) {
        return this;
    }

    /**
     * This handle, with statements that meet a write fence (a move's cut-over, a switchover) held up to {@code hold}
     * before {@link TenantFencedException} (zero: thrown at once). Handles from the router hold for the sharding
     * config's {@code writeBufferMillis}.
     */
    default TenantShard withFenceHold(java.time.Duration hold) {
        return this;
    }

    /** One statement with its parameters, for {@link #updateAll}. */
    record Statement(String sql, List<Object> params) {
        public Statement {
            params = params == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(params));
        }

        public static Statement of(String sql, Object... params) {
            return new Statement(sql, java.util.Arrays.asList(params));
        }
    }
}
