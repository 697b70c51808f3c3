package io.headroom.sharding.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import io.headroom.fixtures.MariaDbServer;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * TIME(n) values read from a real MariaDB binlog (ROW format) with the row readers {@link BinlogStream} installs:
 * negative and positive values of every fractional width, from inserts and updates, arrive as the server's text.
 */
public class SignedTimeBinlogTest {
    @Test
    public void negativeAndPositiveTimesComeThroughTheBinlogWithTheirSign() throws Exception {
        Path dir = Files.createTempDirectory("h-signed-time");
        try (MariaDbServer server = MariaDbServer.start(dir.resolve("db"), 311)) {
            String url = server.jdbcUrl("t");
            List<Serializable[]> rows = new CopyOnWriteArrayList<>();
            BinaryLogClient client = new BinaryLogClient("127.0.0.1", server.port(), "root", "");
            client.setServerId(99_311);
            EventDeserializer ed = new EventDeserializer();
            SignedTime.install(ed);
            ed.setCompatibilityMode(EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY,
                    EventDeserializer.CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO);
            client.setEventDeserializer(ed);
            client.registerEventListener(ev -> {
                EventData d = ev.getData();
                if (d instanceof WriteRowsEventData w) {
                    rows.addAll(w.getRows());
                } else if (d instanceof UpdateRowsEventData u) {
                    u.getRows().forEach(e -> rows.add(e.getValue()));
                }
            });
            client.connect(10_000);
            try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE times (id INT PRIMARY KEY, t0 TIME, t2 TIME(2), t4 TIME(4), t6 TIME(6), dt DATETIME(6))");
                s.execute("INSERT INTO times VALUES (1, '-00:00:01', '-12:34:56.78', '-00:00:00.5', '-838:59:58.999999', '2024-02-29 13:45:07.123456')");
                s.execute("INSERT INTO times VALUES (2, '838:59:59', '12:34:56.78', '01:02:03.0004', '00:00:01.000001', '1970-01-01 00:00:00')");
                s.execute("INSERT INTO times VALUES (3, '-838:59:59', '-00:00:00.01', '-01:00:00', '-00:00:00.000001', NULL)");
                s.execute("UPDATE times SET t2 = '-01:01:01.01' WHERE id = 2");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rows.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            client.disconnect();
            assertEquals(4, rows.size());
            List<List<Object>> got = new ArrayList<>();
            for (Serializable[] r : rows) {
                got.add(Arrays.asList((Object[]) Arrays.copyOfRange(r, 0, 5)));
            }
            assertEquals(List.of(1, "-00:00:01", "-12:34:56.780000", "-00:00:00.500000", "-838:59:58.999999"), got.get(0));
            assertEquals(List.of(2, "838:59:59", "12:34:56.780000", "01:02:03.000400", "00:00:01.000001"), got.get(1));
            assertEquals(List.of(3, "-838:59:59", "-00:00:00.010000", "-01:00:00", "-00:00:00.000001"), got.get(2));
            assertEquals(List.of(2, "838:59:59", "-01:01:01.010000", "01:02:03.000400", "00:00:01.000001"), got.get(3));
            // the other temporal types keep the client's microseconds (TableShape renders them)
            assertTrue(String.valueOf(rows.get(0)[5]), rows.get(0)[5] instanceof Long);
        }
    }
}
