package io.headroom.sharding.internal.engine;

import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.DeleteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.UpdateRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.WriteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/**
 * TIME(n) values of row events with their sign. The binlog client reads TIME2's bits without the sign, so a negative
 * value arrived as a meaningless hour count and a move had to stop; here the value is decoded as the server encodes it
 * (MySQL's {@code my_time_packed_from_binary}, which MariaDB shares) and handed on as the server's own text,
 * {@code -12:34:56.78}, which the target takes as it is.
 */
final class SignedTime {
    private static final long INT_OFFSET = 0x800000L;
    private static final long PACKED_OFFSET = 0x800000000000L;

    private SignedTime() {
    }

    /** The text of a TIME2 value: {@code fsp} fractional digits (0-6) after the 3-byte integer part. */
    static String decode(byte[] intPart, byte[] frac, int fsp) {
        long ip = bigEndian(intPart) - INT_OFFSET;
        long packed;
        switch (fsp) {
            case 1, 2 -> {
                long f = bigEndian(frac);
                if (ip < 0 && f != 0) {
                    ip++;
                    f -= 0x100;
                }
                packed = (ip << 24) + f * 10_000;
            }
            case 3, 4 -> {
                long f = bigEndian(frac);
                if (ip < 0 && f != 0) {
                    ip++;
                    f -= 0x10000;
                }
                packed = (ip << 24) + f * 100;
            }
            case 5, 6 -> packed = ((bigEndian(intPart) << 24) | bigEndian(frac)) - PACKED_OFFSET;
            default -> packed = ip << 24;
        }
        boolean negative = packed < 0;
        long abs = Math.abs(packed);
        long hms = abs >> 24;
        long micros = abs & 0xFFFFFF;
        long hour = (hms >> 12) & 0x3FF;
        long minute = (hms >> 6) & 0x3F;
        long second = hms & 0x3F;
        StringBuilder sb = new StringBuilder(negative ? "-" : "");
        sb.append(hour < 10 ? "0" : "").append(hour).append(':').append(minute < 10 ? "0" : "").append(minute).append(':')
                .append(second < 10 ? "0" : "").append(second);
        if (micros != 0) {
            sb.append('.').append(String.format("%06d", micros));
        }
        return sb.toString();
    }

    private static long bigEndian(byte[] b) {
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    private static String read(int meta, ByteArrayInputStream in) throws IOException {
        byte[] intPart = in.read(3);
        int n = (meta + 1) / 2;
        byte[] frac = n == 0 ? new byte[0] : in.read(n);
        return decode(intPart, frac, meta);
    }

    /** Puts row-event readers that read TIME2 with its sign into {@code ed} (before its compatibility modes are set). */
    static void install(EventDeserializer ed) {
        Map<Long, TableMapEventData> tables = tableMaps(ed);
        ed.setEventDataDeserializer(EventType.WRITE_ROWS, new Write(tables));
        ed.setEventDataDeserializer(EventType.UPDATE_ROWS, new Update(tables));
        ed.setEventDataDeserializer(EventType.DELETE_ROWS, new Delete(tables));
        ed.setEventDataDeserializer(EventType.EXT_WRITE_ROWS, new Write(tables).setMayContainExtraInformation(true));
        ed.setEventDataDeserializer(EventType.EXT_UPDATE_ROWS, new Update(tables).setMayContainExtraInformation(true));
        ed.setEventDataDeserializer(EventType.EXT_DELETE_ROWS, new Delete(tables).setMayContainExtraInformation(true));
    }

    /** The table maps the deserializer fills from TABLE_MAP events, which the row readers look their columns up in. */
    @SuppressWarnings("unchecked")
    private static Map<Long, TableMapEventData> tableMaps(EventDeserializer ed) {
        try {
            java.lang.reflect.Field f = EventDeserializer.class.getDeclaredField("tableMapEventByTableId");
            f.setAccessible(true);
            return (Map<Long, TableMapEventData>) f.get(ed);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this binlog client keeps its table maps elsewhere: " + e, e);
        }
    }

    private static final class Write extends WriteRowsEventDataDeserializer {
        Write(Map<Long, TableMapEventData> tables) {
            super(tables);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return read(meta, in);
        }
    }

    private static final class Update extends UpdateRowsEventDataDeserializer {
        Update(Map<Long, TableMapEventData> tables) {
            super(tables);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return read(meta, in);
        }
    }

    private static final class Delete extends DeleteRowsEventDataDeserializer {
        Delete(Map<Long, TableMapEventData> tables) {
            super(tables);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return read(meta, in);
        }
    }
}
