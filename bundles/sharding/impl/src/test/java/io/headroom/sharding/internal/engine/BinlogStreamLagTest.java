package io.headroom.sharding.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.MariaDbServer;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.ReplayLag;
import io.headroom.sharding.internal.engine.BinlogStream.Position;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.Test;

/**
 * A move's replay lag as a real binlog stream shows it, against a real MariaDB: exact bytes behind before the stream
 * starts (in one file and across a rotation), 0 once it caught up, and a positive lag while its destination is locked
 * and the source keeps writing, back to 0 when the lock goes.
 */
public class BinlogStreamLagTest {
    private static final String TABLE = "CREATE TABLE t (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, v VARCHAR(40), PRIMARY KEY (tenant_id, id))";

    @Test
    public void theLagIsTheBinlogNotYetReplayed() throws Exception {
        try (MariaDbServer server = MariaDbServer.start(Files.createTempDirectory("h-replay-lag").resolve("db"), 313)) {
            String src = server.jdbcUrl("src");
            String dst = server.jdbcUrl("dst");
            exec(src, TABLE);
            exec(dst, TABLE);
            Position from = head(src);
            Gtid fromGtid = gtid(src);
            insert(src, 0, 50);
            Position head = head(src);
            Map<String, TableShape> shapes;
            try (Connection c = DriverManager.getConnection(src, "root", "")) {
                shapes = Map.of("t", TableShape.read(c, "t", "tenant_id"));
            }
            DataSource target = dataSource(dst);
            try (BinlogStream s = new BinlogStream(ServerAddress.of(src), "root", "", shapes,
                    List.of(new BinlogStream.Destination("dst", () -> target, null)), Set::of, fromGtid, p -> { })) {
                long now = System.currentTimeMillis();
                // before it reads, the stream knows its GTID only: the lag from the file position it will start at
                ReplayLag.Lag lag = s.lag(from, head, List.of(), now);
                assertEquals("in one file: the bytes between", head.position() - from.position(), lag.bytes());
                assertEquals("nothing read and never caught up: no age known", -1, lag.millis());

                exec(src, "FLUSH BINARY LOGS");
                insert(src, 50, 60);
                Position rotated = head(src);
                assertTrue(rotated.file().compareTo(from.file()) > 0);
                List<ReplayLag.LogFile> logs = logs(src);
                long firstFile = logs.stream().filter(f -> f.name().equals(from.file())).findFirst().orElseThrow().size();
                assertEquals("across a rotation: the rest of the first file and the new one's part", firstFile - from.position()
                        + rotated.position(), s.lag(from, rotated, logs, now).bytes());

                s.start();
                assertTrue("caught up", eventually(() -> s.seen().compareTo(rotated) >= 0));
                assertTrue("its GTID position is the server's", eventually(() -> s.position().covers(gtid(src))));
                assertEquals(new ReplayLag.Lag(0, 0), s.lag(s.seen(), head(src), List.of(), System.currentTimeMillis()));
                assertEquals(60, count(dst));

                // the destination locked: the stream stops at the first change it cannot apply while the source goes on
                try (Connection lock = DriverManager.getConnection(dst, "root", ""); Statement ls = lock.createStatement()) {
                    ls.execute("LOCK TABLES t WRITE");
                    insert(src, 60, 80);
                    Position ahead = head(src);
                    assertTrue("the stream has read up to the change it waits on", eventually(() -> s.seen().compareTo(rotated) > 0
                            || s.applied() > 60));
                    Position seen = s.seen();
                    ReplayLag.Lag behind = s.lag(seen, ahead, List.of(), System.currentTimeMillis() + 5_000);
                    assertTrue(behind.toString(), behind.bytes() > 0 && behind.bytes() == ahead.position() - seen.position());
                    assertTrue("the age bound counts from the last catch-up or event read: " + behind, behind.millis() > 0);
                    ls.execute("UNLOCK TABLES");
                    assertTrue("caught up again", eventually(() -> s.seen().compareTo(ahead) >= 0));
                    assertEquals(new ReplayLag.Lag(0, 0), s.lag(s.seen(), ahead, List.of(), System.currentTimeMillis()));
                }
                assertTrue(eventually(() -> count(dst) == 80));
                assertEquals(null, s.failure());
            }
        }
    }

    private static void exec(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void insert(String url, int from, int to) throws SQLException {
        for (int i = from; i < to; i++) {
            exec(url, "INSERT INTO t VALUES ('acme', " + i + ", 'row " + i + "')");
        }
    }

    private static Position head(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            rs.next();
            return new Position(rs.getString(1), rs.getLong(2));
        }
    }

    private static Gtid gtid(String url) {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            return Gtid.parse(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ReplayLag.LogFile> logs(String url) throws SQLException {
        List<ReplayLag.LogFile> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                out.add(new ReplayLag.LogFile(rs.getString(1), rs.getLong(2)));
            }
        }
        return out;
    }

    private static long count(String url) {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static DataSource dataSource(String url) {
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setURL(url);
        ds.setUser("root");
        ds.setPassword("");
        return ds;
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
