package io.headroom.sharding.internal.engine;

import io.headroom.sharding.internal.core.TenantFilter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import javax.sql.DataSource;

/** Chunked copy, per-table verification and chunked delete of the rows a tenant filter selects. */
final class RowCopier {
    private final String tenantColumn;
    private final int chunk;
    private final long pauseMillis;

    /** @param pauseMillis pause between copy chunks: throttles a move's load on the source */
    RowCopier(String tenantColumn, int chunk, long pauseMillis) {
        this.tenantColumn = tenantColumn;
        this.chunk = chunk;
        this.pauseMillis = pauseMillis;
    }

    /** Copies in primary-key order, {@code chunk} rows per read and per target transaction; REPLACE makes it rerunnable. */
    long copy(DataSource source, DataSource target, TableShape t, TenantFilter f, Set<String> pinned, LongConsumer progress,
            java.util.function.BooleanSupplier stop) throws SQLException {
        long copied = 0;
        List<Object> last = null;
        while (!stop.getAsBoolean()) {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT ").append(t.columnList()).append(" FROM ").append(TableShape.q(t.table()))
                    .append(" WHERE ").append(f.sql(TableShape.q(tenantColumn), pinned, params));
            if (last != null) {
                sql.append(" AND (").append(t.pkList()).append(") > (")
                        .append(String.join(", ", t.primaryKey().stream().map(k -> "?").toList())).append(")");
                params.addAll(last);
            }
            sql.append(" ORDER BY ").append(t.pkList()).append(" LIMIT ").append(chunk);
            List<Object[]> rows = new ArrayList<>();
            try (Connection c = PoolWait.connection(source); PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[t.columns().size()];
                        for (int i = 0; i < row.length; i++) {
                            row[i] = t.read(rs, i);
                        }
                        rows.add(row);
                    }
                }
            }
            if (rows.isEmpty()) {
                break;
            }
            try (Connection c = PoolWait.connection(target)) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(t.replaceSql())) {
                    for (Object[] row : rows) {
                        bind(ps, java.util.Arrays.asList(row)); // NULL columns: List.of refuses nulls
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
            Object[] end = rows.get(rows.size() - 1);
            last = new ArrayList<>();
            for (String k : t.primaryKey()) {
                last.add(end[t.index(k)]);
            }
            copied += rows.size();
            progress.accept(rows.size());
            if (rows.size() < chunk) {
                break;
            }
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return copied;
    }

    /** Row count and checksums (BIT_XOR and SUM of CRC32 over every column) of the selected rows. */
    String checksum(DataSource db, TableShape t, TenantFilter f, Set<String> pinned) throws SQLException {
        List<Object> params = new ArrayList<>();
        String row = "CRC32(CONCAT_WS('|', " + String.join(", ", t.columns().stream().map(col -> "IFNULL(" + TableShape.q(col) + ", '\\\\N')").toList()) + "))";
        String sql = "SELECT COUNT(*), COALESCE(BIT_XOR(" + row + "), 0), COALESCE(SUM(" + row + "), 0) FROM " + TableShape.q(t.table())
                + " WHERE " + f.sql(TableShape.q(tenantColumn), pinned, params);
        try (Connection c = PoolWait.connection(db); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) + " rows, crc " + Long.toHexString(rs.getLong(2)) + "/" + rs.getString(3);
            }
        }
    }

    /** Deletes the selected rows, {@code chunk} per statement so no long lock is held. */
    long delete(DataSource db, TableShape t, TenantFilter f, Set<String> pinned) throws SQLException {
        long deleted = 0;
        while (true) {
            List<Object> params = new ArrayList<>();
            String sql = "DELETE FROM " + TableShape.q(t.table()) + " WHERE " + f.sql(TableShape.q(tenantColumn), pinned, params) + " LIMIT " + chunk;
            int n;
            try (Connection c = PoolWait.connection(db); PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, params);
                n = ps.executeUpdate();
            }
            deleted += n;
            if (n < chunk) {
                return deleted;
            }
        }
    }

    static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
    }
}
