package io.headroom.core.api.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import javax.sql.DataSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The MySQL control schema holding platform state (flags, tokens, shard maps, migration progress).
 * Any number of Headroom nodes share one control schema; nothing that must survive a node lives only in memory.
 */
@ProviderType
public interface ControlStore {

    /** A pooled DataSource on the control schema. */
    DataSource dataSource();

    /**
     * Applies the given component's migrations that are not applied yet, in version order, under a
     * schema-wide lock so that nodes starting together apply each migration exactly once.
     *
     * @throws IllegalStateException if an applied migration's statements have changed since it was applied
     */
    void migrate(String component, List<Migration> migrations);

    /** The migrations applied so far, all components. */
    List<AppliedMigration> appliedMigrations();

    /** A short description of where the store points (host, port, schema; never credentials). */
    String describe();

    /** Statements to run in a transaction. */
    @FunctionalInterface
    interface SqlWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} on {@code c} as one transaction at READ COMMITTED, then restores the connection's isolation and
     * auto-commit; a failure rolls it back. For a node replacing its own rows (a DELETE of them, then INSERTs): under
     * repeatable read the DELETE takes gap locks around the node's rows, and two nodes' flushes deadlocked on each
     * other's inserts; under read committed it locks the node's rows only.
     */
    static void replaceOwnRows(Connection c, SqlWork work) throws SQLException {
        int isolation = c.getTransactionIsolation();
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
            c.setTransactionIsolation(isolation);
        }
    }

    /**
     * Whether a failure means a database could not be reached (or would not take writes, as a demoted primary during
     * a switchover): a connection error (SQLState class 08), a pool that timed out waiting for a connection, a
     * server in read-only mode, or a session made read-only while a switchover fences control writes. Such a failure changed nothing, and the REST host answers it with 503 and
     * Retry-After; every other failure is a real error.
     */
    static boolean isUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException e) {
                String state = e.getSQLState();
                if (state != null && state.startsWith("08") || e.getErrorCode() == 1290 || e.getErrorCode() == 1836
                        // a read-only session: this node's writes are fenced for a switchover (refused by the server, or
                        // before it by Connector/J, which has no error code for that)
                        || e.getErrorCode() == 1792 || e.getMessage() != null && e.getMessage().startsWith("Connection is read-only.")
                        // HikariCP's answer on a connection it evicted after the server went away (it gives no SQLState)
                        || state == null && "Connection is closed".equals(e.getMessage())) {
                    return true;
                }
            }
            for (Throwable s : t.getSuppressed()) {
                if (isUnreachable(s)) {
                    return true;
                }
            }
        }
        return false;
    }
}
