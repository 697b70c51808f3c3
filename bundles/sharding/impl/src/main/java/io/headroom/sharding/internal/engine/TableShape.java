package io.headroom.sharding.internal.engine;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** A sharded table's columns (in ordinal order, as binlog rows carry them), their types and its primary key. */
record TableShape(String table, List<String> columns, List<String> types, List<String> primaryKey, int tenantIndex) {
    private static final Set<String> TEXT = Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json");

    static TableShape read(Connection c, String table, String tenantColumn) throws SQLException {
        List<String> cols = new ArrayList<>();
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.add(rs.getString(1));
                    String type = rs.getString(2).toLowerCase(Locale.ROOT);
                    types.add(rs.getString(3).toLowerCase(Locale.ROOT).contains("unsigned") ? type + " unsigned" : type);
                }
            }
        }
        if (cols.isEmpty()) {
            throw new SQLException("table " + table + " does not exist on this shard", "42S02");
        }
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.STATISTICS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        if (pk.isEmpty()) {
            throw new IllegalStateException("table " + table + " has no primary key: a move needs one to copy in chunks and replay changes");
        }
        int tenant = -1;
        for (int i = 0; i < cols.size(); i++) {
            if (cols.get(i).equalsIgnoreCase(tenantColumn)) {
                tenant = i;
            }
        }
        if (tenant < 0) {
            throw new IllegalStateException("table " + table + " has no tenant column " + tenantColumn);
        }
        return new TableShape(table, List.copyOf(cols), List.copyOf(types), List.copyOf(pk), tenant);
    }

    static String q(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    String columnList() {
        return String.join(", ", columns.stream().map(TableShape::q).toList());
    }

    String pkList() {
        return String.join(", ", primaryKey.stream().map(TableShape::q).toList());
    }

    String replaceSql() {
        return "REPLACE INTO " + q(table) + " (" + columnList() + ") VALUES (" + String.join(", ", columns.stream().map(x -> "?").toList()) + ")";
    }

    String deleteByPkSql() {
        return "DELETE FROM " + q(table) + " WHERE " + String.join(" AND ", primaryKey.stream().map(k -> q(k) + " = ?").toList());
    }

    /**
     * How this table's rows (binlog rows, in this table's column order) are written to {@code target}: the columns both
     * have, matched by name (a column the change drops is left out, one it adds takes its default, one it retypes is
     * converted by the server), by the same primary key.
     */
    record Mapping(String replaceSql, String deleteSql, List<String> columns, int[] valueIndexes, int[] keyIndexes) {
    }

    Mapping mapTo(TableShape target) {
        List<String> targetPk = target.primaryKey().stream().map(k -> k.toLowerCase(Locale.ROOT)).toList();
        if (!targetPk.equals(primaryKey.stream().map(k -> k.toLowerCase(Locale.ROOT)).toList())) {
            throw new IllegalStateException("the change alters the primary key of " + table + " (" + primaryKey + " -> " + target.primaryKey()
                    + "): a shadow copy needs the same key on both tables");
        }
        List<String> cols = new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            int j = target.indexIgnoreCase(columns.get(i));
            if (j >= 0) {
                cols.add(target.columns().get(j));
                idx.add(i);
            }
        }
        int[] keys = new int[primaryKey.size()];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = index(primaryKey.get(k));
        }
        String replace = "REPLACE INTO " + q(target.table()) + " (" + String.join(", ", cols.stream().map(TableShape::q).toList()) + ") VALUES ("
                + String.join(", ", cols.stream().map(x -> "?").toList()) + ")";
        return new Mapping(replace, target.deleteByPkSql(), List.copyOf(cols), idx.stream().mapToInt(Integer::intValue).toArray(), keys);
    }

    int indexIgnoreCase(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equalsIgnoreCase(column)) {
                return i;
            }
        }
        return -1;
    }

    int index(String column) {
        return columns.indexOf(column);
    }

    /** Date/time types that are copied as the server's text (no driver conversion through java.sql types). */
    private static final Set<String> TEMPORAL = Set.of("date", "datetime", "timestamp", "time", "year");

    /** Reads column {@code i} (0-based) of a copied row as it binds back without loss. */
    Object read(java.sql.ResultSet rs, int i) throws SQLException {
        if (types.get(i).equals("year")) {
            int year = rs.getInt(i + 1); // the driver reads YEAR as a date by default
            return rs.wasNull() ? null : (Object) year;
        }
        if (TEMPORAL.contains(types.get(i))) {
            return rs.getString(i + 1); // fractional seconds, TIME beyond a day and zero dates kept as written
        }
        return rs.getObject(i + 1);
    }

    /**
     * A binlog value as JDBC binds it: text columns arrive as bytes (their charset is utf8mb4 here); date/time as
     * microseconds (rendered as the server's text, TIMESTAMP as an instant); unsigned integers as their signed bits;
     * BIT as a bit set; ENUM and SET as index and bit mask, which the server takes as they are.
     */
    /** Seconds before 1582-10-15 (UTC): the binlog client encodes dates before it with the Julian-Gregorian calendar. */
    private static final long GREGORIAN_CUTOVER_SECONDS = -12_219_292_800L;

    /**
     * The calendar fields the binlog client encoded as {@code seconds} since the epoch (UTC): proleptic Gregorian from
     * 1582-10-15 on, {@link java.util.GregorianCalendar} (Julian before the cutover) before it, as the client does.
     */
    static java.time.LocalDateTime utcFields(long seconds, int micros) {
        if (seconds >= GREGORIAN_CUTOVER_SECONDS) {
            return java.time.LocalDateTime.ofEpochSecond(seconds, micros * 1000, java.time.ZoneOffset.UTC);
        }
        java.util.GregorianCalendar c = new java.util.GregorianCalendar(java.util.TimeZone.getTimeZone("GMT"));
        c.setTimeInMillis(seconds * 1000);
        return java.time.LocalDateTime.of(c.get(java.util.Calendar.YEAR), c.get(java.util.Calendar.MONTH) + 1, c.get(java.util.Calendar.DAY_OF_MONTH),
                c.get(java.util.Calendar.HOUR_OF_DAY), c.get(java.util.Calendar.MINUTE), c.get(java.util.Calendar.SECOND), micros * 1000);
    }

    Object fromBinlog(int i, Serializable v) {
        String type = types.get(i);
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b && TEXT.contains(type)) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (v instanceof Long micros && (type.equals("datetime") || type.equals("date") || type.equals("time") || type.equals("timestamp"))) {
            long seconds = Math.floorDiv(micros, 1_000_000L);
            int fraction = (int) Math.floorMod(micros, 1_000_000L);
            String frac = fraction == 0 ? "" : String.format(".%06d", fraction);
            if (type.equals("timestamp")) {
                // as text in the JVM's time zone, as the driver renders a Timestamp, but with its fraction: the driver
                // drops fractional seconds for MariaDB (it takes the server's "5.5.5-" version prefix for 5.5)
                java.time.LocalDateTime local = new java.sql.Timestamp(seconds * 1000).toLocalDateTime();
                return local.toLocalDate() + " " + String.format("%02d:%02d:%02d", local.getHour(), local.getMinute(), local.getSecond()) + frac;
            }
            java.time.LocalDateTime t = utcFields(seconds, fraction);
            if (type.equals("date")) {
                return t.toLocalDate().toString();
            }
            if (type.equals("time")) {
                long abs = Math.abs(micros);
                long h = abs / 3_600_000_000L;
                if (h > 838) {
                    // the binlog client reads TIME2's bits without their sign: a negative value arrives as an hour
                    // count beyond TIME's range and cannot be told apart reliably; stop rather than write a wrong value
                    throw new IllegalStateException("column " + columns.get(i) + " holds a negative TIME value, which binlog replay"
                            + " cannot convert; the move or copy stops before cut-over (the source is untouched)");
                }
                long m = abs / 60_000_000L % 60;
                long sec = abs / 1_000_000L % 60;
                int f = (int) (abs % 1_000_000L);
                return (micros < 0 ? "-" : "") + String.format("%02d:%02d:%02d", h, m, sec) + (f == 0 ? "" : String.format(".%06d", f));
            }
            return t.toLocalDate() + " " + String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()) + frac;
        }
        if (v instanceof java.util.Date d && !(v instanceof java.sql.Timestamp)) {
            return new java.sql.Timestamp(d.getTime());
        }
        if (v instanceof java.util.BitSet bits) {
            long[] words = bits.toLongArray();
            return words.length == 0 ? 0L : words[0]; // BIT(n) holds at most 64 bits; the server takes the number
        }
        if (type.endsWith(" unsigned") && v instanceof Number n && n.longValue() < 0) {
            int width = switch (type) {
                case "tinyint unsigned" -> 8;
                case "smallint unsigned" -> 16;
                case "mediumint unsigned" -> 24;
                case "int unsigned" -> 32;
                default -> 64;
            };
            return java.math.BigInteger.valueOf(n.longValue()).add(java.math.BigInteger.ONE.shiftLeft(width));
        }
        return v;
    }
}
