package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.QueryResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checked statements bound and run on a shard's connection: what the tenant handles and the scatter share. */
final class ShardStatements {
    private ShardStatements() {
    }

    /** Told when a statement starts and when it returned, so a scatter past its deadline can cancel it. */
    interface Watch {
        void running(PreparedStatement ps);

        void returned();
    }

    /** A copy of the parameters with tenant ids as their values. */
    static Object[] normalise(Object[] params) {
        Object[] p = params == null ? new Object[0] : params.clone();
        for (int i = 0; i < p.length; i++) {
            if (p[i] instanceof TenantId t) {
                p[i] = t.value();
            }
        }
        return p;
    }

    static void bind(PreparedStatement ps, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    /** Reads all rows; {@code watch}, when given, learns the statement so a scatter past its deadline can cancel it. */
    static QueryResult read(Connection conn, String sql, Object[] params, Watch watch) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            bind(ps, params);
            if (watch != null) {
                watch.running(ps);
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                List<String> cols = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    cols.add(md.getColumnLabel(i));
                }
                List<List<Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                    rows.add(Arrays.asList(row));
                }
                return new QueryResult(cols, rows);
            } finally {
                if (watch != null) {
                    watch.returned();
                }
            }
        }
    }

    /** Runs INSERT, UPDATE or DELETE statements in one transaction: all or nothing. */
    static List<Integer> updateAll(Connection conn, List<String> sqls, List<Object[]> bound) throws SQLException {
        conn.setAutoCommit(false);
        try {
            List<Integer> counts = new ArrayList<>();
            for (int i = 0; i < sqls.size(); i++) {
                try (PreparedStatement ps = conn.prepareStatement(sqls.get(i))) {
                    bind(ps, bound.get(i));
                    counts.add(ps.executeUpdate());
                }
            }
            conn.commit();
            return counts;
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }
}
