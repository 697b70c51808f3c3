package io.headroom.sharding.internal;

import io.headroom.sharding.api.ResultLimitException;
import io.headroom.sharding.api.StatementResult;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** One checked statement of the Data API run on a connection, its values read as exact JSON-ready objects. */
final class DataValues {
    /** Integers beyond this magnitude lose precision as JSON numbers in most clients (JavaScript's safe range). */
    static final long MAX_SAFE = (1L << 53);

    private DataValues() {
    }

    /**
     * Runs one statement; {@code deadlines} cancels it on the server once it has run {@code timeoutSeconds} (0: no
     * timeout of its own), which answers as {@link ResultLimitException}.
     */
    static StatementResult run(Connection conn, String sql, boolean query, Object[] params, int maxRows, int timeoutSeconds,
            StatementDeadlines deadlines) throws SQLException {
        boolean insert = !query && sql.regionMatches(true, 0, "INSERT", 0, 6);
        try (PreparedStatement ps = insert ? conn.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS) : conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            if (query) {
                ps.setMaxRows(maxRows + 1);
            }
            StatementDeadlines.Armed armed = timeoutSeconds > 0 ? deadlines.arm(ps, timeoutSeconds) : null;
            try {
                return query ? rows(ps, maxRows) : update(ps, insert);
            } catch (SQLException e) {
                if (armed != null) {
                    armed.close();
                    if (armed.expired()) {
                        throw new ResultLimitException("the statement ran past its timeout of " + timeoutSeconds + " s and was cancelled");
                    }
                }
                throw e;
            } finally {
                if (armed != null) {
                    armed.close();
                }
            }
        }
    }

    private static StatementResult rows(PreparedStatement ps, int maxRows) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            List<StatementResult.Column> cols = new ArrayList<>(n);
            String[] types = new String[n + 1]; // each column's type read once per result, not once per value
            int[] jdbc = new int[n + 1];
            for (int i = 1; i <= n; i++) {
                String type = md.getColumnTypeName(i);
                cols.add(new StatementResult.Column(md.getColumnLabel(i), type));
                types[i] = type.toUpperCase(Locale.ROOT);
                jdbc[i] = md.getColumnType(i);
            }
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                if (rows.size() == maxRows) {
                    throw new ResultLimitException("the statement returns more than maxRows=" + maxRows
                            + " rows: add a LIMIT (and page with a key condition) or raise maxRows");
                }
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(value(rs, types[i], jdbc[i], i));
                }
                rows.add(row);
            }
            return new StatementResult(cols, rows, 0, null);
        }
    }

    private static StatementResult update(PreparedStatement ps, boolean insert) throws SQLException {
        long affected = ps.executeLargeUpdate();
        Object key = null;
        if (insert) {
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (keys.next()) {
                    key = integer(new BigDecimal(keys.getString(1)).toBigInteger());
                }
            }
        }
        return new StatementResult(null, null, affected, key);
    }

    /** A column's value as a JSON-ready object (see {@link StatementResult}). */
    static Object value(ResultSet rs, ResultSetMetaData md, int i) throws SQLException {
        return value(rs, md.getColumnTypeName(i).toUpperCase(Locale.ROOT), md.getColumnType(i), i);
    }

    /** As above, with the column's upper-case server type name and its JDBC type. */
    static Object value(ResultSet rs, String type, int jdbc, int i) throws SQLException {
        if (type.equals("TIME")) {
            return rs.getString(i); // may lie outside a day (-838:59:59 to 838:59:59): as the server writes it
        }
        if (type.equals("YEAR")) {
            int year = rs.getInt(i);
            return rs.wasNull() ? null : (Object) (long) year;
        }
        Object raw;
        try {
            raw = rs.getObject(i);
        } catch (SQLException e) {
            raw = rs.getString(i); // a zero date and the like: as the server writes it
            return raw;
        }
        if (raw == null) {
            return null;
        }
        if (raw instanceof Boolean b) {
            return b; // BIT(1), TINYINT(1)
        }
        if (type.startsWith("BIT")) {
            if (raw instanceof Boolean b) {
                return b;
            }
            return Base64.getEncoder().encodeToString(rs.getBytes(i));
        }
        try {
            if (type.equals("DATE")) {
                return rs.getObject(i, LocalDate.class).toString();
            }
            if (type.equals("DATETIME") || type.equals("TIMESTAMP")) {
                return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(rs.getObject(i, LocalDateTime.class));
            }
        } catch (SQLException | RuntimeException e) {
            return rs.getString(i); // a zero date has no ISO form: as the server writes it
        }
        if (type.startsWith("DECIMAL")) {
            return raw instanceof BigDecimal d ? d.toPlainString() : rs.getBigDecimal(i).toPlainString();
        }
        if (type.equals("JSON") || type.equals("ENUM") || type.equals("SET")) {
            return rs.getString(i);
        }
        switch (jdbc) {
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB:
                return Base64.getEncoder().encodeToString(rs.getBytes(i));
            case Types.BOOLEAN:
                return rs.getBoolean(i);
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT:
                if (raw instanceof Boolean b) {
                    return b;
                }
                if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
                    return integer(((Number) raw).longValue()); // the driver's own value: no round trip through text
                }
                if (raw instanceof BigInteger big) {
                    return integer(big); // BIGINT UNSIGNED
                }
                return integer(new BigInteger(rs.getString(i)));
            case Types.REAL, Types.FLOAT, Types.DOUBLE:
                return rs.getDouble(i);
            case Types.NUMERIC, Types.DECIMAL:
                return rs.getBigDecimal(i).toPlainString();
            default:
                if (raw instanceof byte[] bytes) {
                    return Base64.getEncoder().encodeToString(bytes);
                }
                return raw instanceof String text ? text : rs.getString(i);
        }
    }

    /** An integer as a JSON number when exact in every client, else as its decimal string. */
    static Object integer(BigInteger v) {
        if (v.bitLength() <= 53) {
            return v.longValue();
        }
        return v.toString();
    }

    /** The same for a long: a number within -2^53 .. 2^53-1 (a bit length of at most 53), else its decimal string. */
    static Object integer(long v) {
        if (v >= -MAX_SAFE && v < MAX_SAFE) {
            return v;
        }
        return Long.toString(v);
    }
}
