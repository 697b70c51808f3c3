package io.headroom.sharding.internal.store;

import io.headroom.core.api.fleet.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/** JDBC helpers of the stores: one statement with parameters, one transaction (fenced by a lease when given). */
final class Sql {
    private Sql() {
    }

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    static int exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    /**
     * Runs the work in one transaction. With a lease, the transaction first checks (and locks) that this node still
     * holds it, so a node that lost the lease writes nothing ({@code LeaseLostException}).
     */
    static <T> T transaction(DataSource db, Lease lease, Work<T> work) throws SQLException {
        try (Connection c = db.getConnection()) {
            return transaction(c, lease, work);
        }
    }

    static <T> T transaction(Connection c, Lease lease, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            if (lease != null) {
                lease.verify(c);
            }
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
