package io.headroom.sharding.internal.engine;

import static org.junit.Assert.assertEquals;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import io.headroom.fixtures.MariaDbServer;
import java.io.Serializable;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Binlog replay per column type, as moves, splits and shadow copies replay (the row readers {@link BinlogStream}
 * installs, {@link TableShape#fromBinlog}, REPLACE by the same mapping, DELETE by primary key), against a real MariaDB:
 * inserts, an update and a delete on a table of every type the Data API accepts, replayed into a copy of the table,
 * leave both tables with the same text for every column.
 */
public class BinlogReplayTypesTest {
    private static final String TYPED = "CREATE TABLE typed (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, d DECIMAL(20,4), big BIGINT,"
            + " ubig BIGINT UNSIGNED, small INT, dbl DOUBLE, dt DATETIME(6), day DATE, tm TIME(2), ts TIMESTAMP(3) NULL, yr YEAR, flag BIT(1),"
            + " bits BIT(12), e ENUM('red','green'), st SET('a','b','c'), j JSON, b BLOB, vb VARBINARY(16), txt TEXT, nul VARCHAR(5),"
            + " PRIMARY KEY (tenant_id, id))";
    private static final String TEXT = "SELECT CONCAT_WS('|', tenant_id, id, IFNULL(d, 'N'), IFNULL(big, 'N'), IFNULL(ubig, 'N'), IFNULL(small, 'N'),"
            + " IFNULL(dbl, 'N'), IFNULL(dt, 'N'), IFNULL(day, 'N'), IFNULL(tm, 'N'), IFNULL(ts, 'N'), IFNULL(yr, 'N'), IFNULL(HEX(flag), 'N'),"
            + " IFNULL(HEX(bits), 'N'), IFNULL(e, 'N'), IFNULL(st, 'N'), IFNULL(j, 'N'), IFNULL(HEX(b), 'N'), IFNULL(HEX(vb), 'N'),"
            + " IFNULL(txt, 'N'), IFNULL(nul, 'N')) FROM typed ORDER BY tenant_id, id";

    private record Change(String kind, Serializable[] row) {
    }

    @Test
    public void everyColumnTypeSurvivesReplay() throws Exception {
        try (MariaDbServer server = MariaDbServer.start(Files.createTempDirectory("h-replay-types").resolve("db"), 312)) {
            String src = server.jdbcUrl("src");
            String dst = server.jdbcUrl("dst");
            try (Connection c = DriverManager.getConnection(src, "root", ""); Statement s = c.createStatement()) {
                s.execute(TYPED);
            }
            try (Connection c = DriverManager.getConnection(dst, "root", ""); Statement s = c.createStatement()) {
                s.execute(TYPED);
            }
            Map<Long, String> tables = new ConcurrentHashMap<>();
            List<Change> changes = new CopyOnWriteArrayList<>();
            BinaryLogClient client = new BinaryLogClient("127.0.0.1", server.port(), "root", "");
            client.setServerId(99_312);
            EventDeserializer ed = new EventDeserializer();
            SignedTime.install(ed);
            ed.setCompatibilityMode(EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY,
                    EventDeserializer.CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO);
            client.setEventDeserializer(ed);
            client.registerEventListener(ev -> {
                EventData d = ev.getData();
                if (d instanceof TableMapEventData t) {
                    tables.put(t.getTableId(), t.getDatabase() + "." + t.getTable());
                } else if (d instanceof WriteRowsEventData w && "src.typed".equals(tables.get(w.getTableId()))) {
                    w.getRows().forEach(r -> changes.add(new Change("write", r)));
                } else if (d instanceof UpdateRowsEventData u && "src.typed".equals(tables.get(u.getTableId()))) {
                    u.getRows().forEach(e -> changes.add(new Change("write", e.getValue())));
                } else if (d instanceof DeleteRowsEventData x && "src.typed".equals(tables.get(x.getTableId()))) {
                    x.getRows().forEach(r -> changes.add(new Change("delete", r)));
                }
            });
            client.connect(10_000);
            String insert = "INSERT INTO typed VALUES (?, ?, '12345678901234.5678', 9007199254740993, 18446744073709551615, -42, 1.5,"
                    + " '2024-02-29 13:45:07.123456', '2024-02-29', ?, '2024-02-29 13:45:07.125', 2024, b'1', b'101010111100', 'green', 'a,c',"
                    + " '{\"k\": [1, 2], \"s\": \"h\u00e9llo\"}', x'00010203FF', x'DEADBEEF', 'h\u00e9llo \u2713', NULL)";
            try (Connection c = DriverManager.getConnection(src, "root", "")) {
                String[] times = {"-12:34:56.78", "838:59:58.5", "-838:59:59", "00:00:00"};
                for (int i = 0; i < times.length; i++) {
                    try (PreparedStatement ps = c.prepareStatement(insert)) {
                        ps.setString(1, "acme");
                        ps.setLong(2, i + 1);
                        ps.setString(3, times[i]);
                        ps.executeUpdate();
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO typed (tenant_id, id) VALUES ('acme', 10)"); // every other column NULL
                    s.execute("INSERT INTO typed VALUES ('globex', 1, '-0.0001', -9223372036854775808, 0, 0, -2.5E-10, '1000-01-01 00:00:00',"
                            + " '1000-01-01', '-00:00:00.01', '2038-01-19 03:14:07.999', 1901, b'0', b'0', 'red', '', '[]', x'', x'00', '', 'abc')");
                    s.execute("UPDATE typed SET tm = '-01:01:01.01', e = 'red', st = 'b', bits = b'111111111111', ubig = 9223372036854775808"
                            + " WHERE tenant_id = 'acme' AND id = 2");
                    s.execute("DELETE FROM typed WHERE tenant_id = 'acme' AND id = 3");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (changes.size() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            client.disconnect();
            assertEquals(8, changes.size());
            try (Connection s = DriverManager.getConnection(src, "root", ""); Connection d = DriverManager.getConnection(dst, "root", "")) {
                TableShape shape = TableShape.read(s, "typed", "tenant_id");
                TableShape.Mapping m = shape.mapTo(TableShape.read(d, "typed", "tenant_id"));
                for (Change ch : changes) {
                    List<Object> params = new ArrayList<>();
                    for (int i : "write".equals(ch.kind()) ? m.valueIndexes() : m.keyIndexes()) {
                        params.add(shape.fromBinlog(i, ch.row()[i]));
                    }
                    try (PreparedStatement ps = d.prepareStatement("write".equals(ch.kind()) ? m.replaceSql() : m.deleteSql())) {
                        RowCopier.bind(ps, params);
                        ps.executeUpdate();
                    }
                }
                List<String> expected = text(s);
                assertEquals(5, expected.size());
                assertEquals(expected, text(d));
            }
        }
    }

    private static List<String> text(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(TEXT)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
