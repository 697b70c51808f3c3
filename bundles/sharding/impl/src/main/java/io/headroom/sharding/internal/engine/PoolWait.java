package io.headroom.sharding.internal.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Connections for background work (copies, binlog replay, shadow tables) from a shard's pool, which tenants' statements
 * share. A tenant's statement waits for the pool's own connection timeout and fails fast; background work waits longer
 * for a busy pool, because failing it (a schema change or a move on a busy moment) throws away a whole copy. A pool
 * that cannot reach its server still fails at once: Hikari then gives the connection failure as the cause.
 */
final class PoolWait {
    static final long BUSY_WAIT_MILLIS = 30_000;

    private PoolWait() {
    }

    static Connection connection(DataSource db) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BUSY_WAIT_MILLIS);
        while (true) {
            try {
                return db.getConnection();
            } catch (SQLTransientConnectionException busy) {
                // each attempt already waited the pool's timeout: no sleep needed between them
                if (busy.getCause() != null || System.nanoTime() > deadline) {
                    throw busy;
                }
            }
        }
    }
}
