package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantLoad;
import io.headroom.sharding.api.TenantOverLimitException;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.UnsafeStatementException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Sharding in the distribution against real servers: four shards on two MariaDB server processes, plus one unsharded
 * ground-truth database holding the same rows. Routing, the safe path, scatter-gather against the ground truth,
 * per-tenant connection shares, bad operator input, pins, and a shard server killed and restarted.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class ShardingIT extends HeadroomTestSupport {
    private static final String[] SHARDS = {"s0", "s1", "s2", "s3"};
    private static final String[] RANGES = {"-40", "40-80", "80-c0", "c0-"};
    private static final int TENANTS = 40;
    private static boolean loaded;

    @Inject
    private ShardRouter router;

    @Inject
    private ShardAdmin admin;

    @Inject
    private TenantLimits limits;

    @Configuration
    public Option[] config() {
        List<MariaDbServer> servers = ShardServers.get(2);
        String cfg = "etc/io.headroom.sharding.cfg";
        List<Option> options = new ArrayList<>(List.of(
                editConfigurationFilePut(cfg, "shardedTables", "orders"),
                editConfigurationFilePut(cfg, "poolSize", "6"),
                editConfigurationFilePut(cfg, "tenantShare", "0.5"),
                editConfigurationFilePut(cfg, "tenantWaitMillis", "200"),
                editConfigurationFilePut(cfg, "breakerOpenMillis", "300"),
                editConfigurationFilePut(cfg, "refreshMillis", "300"),
                editConfigurationFilePut(cfg, "moveGraceMillis", "600000"),
                editConfigurationFilePut(cfg, "moveChunkRows", "100"),
                editConfigurationFilePut(cfg, "moveChunkPauseMillis", "60"),
                editConfigurationFilePut(cfg, "schemaConcurrency", "2"),
                editConfigurationFilePut(cfg, "schemaShardPauseMillis", "300"),
                editConfigurationFilePut(cfg, "schemaCopyChunkRows", "200"),
                editConfigurationFilePut(cfg, "schemaCopyChunkPauseMillis", "20"),
                systemProperty("headroom.it.truth").value(TestDatabases.machineOrEmbeddedSchema())));
        for (int i = 0; i < servers.size(); i++) {
            MariaDbServer s = servers.get(i);
            options.add(systemProperty("headroom.it.server" + i + ".port").value(String.valueOf(s.port())));
            options.add(systemProperty("headroom.it.server" + i + ".pid").value(String.valueOf(s.pid())));
            options.add(systemProperty("headroom.it.server" + i + ".command").value(String.join("|", s.command())));
        }
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()), options.toArray(new Option[0]));
    }

    // ------------------------------------------------------------------ helpers (run in the container)

    /** Shards s0, s1 live on server 0 and s2, s3 on server 1. */
    private static String shardUrl(int shard) {
        int server = shard < 2 ? 0 : 1;
        return "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.server" + server + ".port") + "/shard" + shard
                + "?createDatabaseIfNotExist=true&sslMode=DISABLED";
    }

    private static Connection connect(String url) throws SQLException {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setUrl(url);
        ds.setUser("root");
        ds.setPassword("");
        ds.setConnectTimeout(3000);
        return ds.getConnection();
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static List<List<Object>> rows(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Object[] row = new Object[n];
                for (int i = 0; i < n; i++) {
                    row[i] = rs.getObject(i + 1);
                }
                out.add(Arrays.asList(row));
            }
            return out;
        }
    }

    private static String tenant(int i) {
        return String.format("t%02d", i);
    }

    private static int rowsOf(int i) {
        return 5 + i % 7;
    }

    private static String expectedShard(String tenant) {
        long id = Keyspace.idOf(TenantId.of(tenant));
        for (int s = 0; s < SHARDS.length; s++) {
            if (KeyRange.parse(RANGES[s]).contains(id)) {
                return SHARDS[s];
            }
        }
        throw new AssertionError("no range holds " + tenant);
    }

    private static final String TABLE = "CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
            + " status VARCHAR(16) NOT NULL, total DECIMAL(12,2) NOT NULL, PRIMARY KEY (tenant_id, id))";

    /** Four shards over REST, the orders table on each and on the ground truth, and every tenant's rows in both. */
    @Before
    public void load() throws Exception {
        if (loaded) {
            return;
        }
        awaitStatus("/sharding/shards", OPERATOR, 200);
        for (int s = 0; s < SHARDS.length; s++) {
            exec(shardUrl(s), TABLE);
            HttpResponse<String> r = call("POST", "/sharding/shards", OPERATOR,
                    "{\"name\":\"" + SHARDS[s] + "\",\"url\":\"" + shardUrl(s).replace("&", "\\u0026") + "\",\"keyRange\":\"" + RANGES[s] + "\"}");
            assertEquals(r.body(), 201, r.statusCode());
        }
        String truth = System.getProperty("headroom.it.truth");
        exec(truth, TABLE);
        String[] statuses = {"open", "paid", "void"};
        try (Connection c = connect(truth);
             PreparedStatement ps = c.prepareStatement("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < TENANTS; i++) {
                TenantShard handle = router.forTenant(TenantId.of(tenant(i)));
                for (int k = 0; k < rowsOf(i); k++) {
                    String status = statuses[(i + k) % 3];
                    BigDecimal total = new BigDecimal((i * 37 + k * 11) % 500 + "." + (k * 7 % 100 < 10 ? "0" : "") + (k * 7 % 100));
                    assertEquals(1, handle.update("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, ?, ?)", tenant(i), k, status, total));
                    ps.setString(1, tenant(i));
                    ps.setInt(2, k);
                    ps.setString(3, status);
                    ps.setBigDecimal(4, total);
                    ps.executeUpdate();
                }
            }
        }
        loaded = true;
    }

    // ------------------------------------------------------------------ tests

    @Test
    public void a_tenantsRouteByKeyRangeAndTheirRowsLiveOnlyOnThatShard() throws Exception {
        Map<String, Integer> perShard = new HashMap<>();
        for (int i = 0; i < TENANTS; i++) {
            String t = tenant(i);
            String expected = expectedShard(t);
            assertEquals(t, expected, router.locate(TenantId.of(t)).shard());
            assertEquals(t, expected, router.forTenant(TenantId.of(t)).shard());
            perShard.merge(expected, 1, Integer::sum);
            QueryResult mine = router.forTenant(TenantId.of(t)).query("SELECT id FROM orders WHERE tenant_id = ? ORDER BY id", t);
            assertEquals(rowsOf(i), mine.size());
        }
        assertEquals("every shard serves some of the 40 tenants: " + perShard, 4, perShard.size());
        // physically: each tenant's rows are on its shard's database and nowhere else
        for (int s = 0; s < SHARDS.length; s++) {
            for (List<Object> row : rows(shardUrl(s), "SELECT tenant_id, COUNT(*) FROM orders GROUP BY tenant_id")) {
                String t = (String) row.get(0);
                assertEquals(t + " found on " + SHARDS[s], expectedShard(t), SHARDS[s]);
                assertEquals(rowsOf(Integer.parseInt(t.substring(1))), ((Number) row.get(1)).intValue());
            }
        }
        List<ShardInfo> shards = admin.shards();
        assertEquals(4, shards.size());
        for (ShardInfo s : shards) {
            assertEquals(s.name(), (int) perShard.get(s.name()), s.tenants());
            assertEquals("UP", s.health());
        }
        List<TenantLoad> load = admin.tenantLoad();
        assertTrue(load.stream().anyMatch(l -> l.tenant().equals("t00") && l.queries() >= rowsOf(0) + 1 && l.shard().equals(expectedShard("t00"))));
        String listed = shell("shard:list");
        assertTrue(listed, listed.contains("s3") && listed.contains("c0-"));
        assertTrue(shell("shard:locate t05").contains(expectedShard("t05")));
    }

    @Test
    public void b_statementsThatCouldReachAnotherTenantAreRefusedAndChangeNothing() throws Exception {
        TenantShard acme = router.forTenant(TenantId.of("t01"));
        List<String> refused = List.of("SELECT * FROM orders", "SELECT * FROM orders WHERE tenant_id = ? OR 1 = 1",
                "SELECT * FROM orders WHERE tenant_id IN (?)", "SELECT * FROM orders WHERE id IN (SELECT id FROM orders) AND tenant_id = ?");
        for (String sql : refused) {
            assertThrows(sql, UnsafeStatementException.class, () -> acme.query(sql, "t01"));
        }
        assertThrows(UnsafeStatementException.class, () -> acme.query("SELECT * FROM orders WHERE tenant_id = ?", "t02"));
        assertThrows(UnsafeStatementException.class, () -> acme.update("DELETE FROM orders WHERE id = ?", 1));
        assertThrows(UnsafeStatementException.class, () -> acme.update("UPDATE orders SET total = 0 WHERE tenant_id = ?", "t02"));
        assertThrows(UnsafeStatementException.class, () -> acme.update("UPDATE orders SET tenant_id = 't02' WHERE tenant_id = ?", "t01"));
        assertThrows(UnsafeStatementException.class, () -> acme.update("INSERT INTO orders (tenant_id, id, status, total) VALUES ('t02', 99, 'x', 1)"));
        assertThrows(UnsafeStatementException.class, () -> acme.update("DROP TABLE orders"));
        assertThrows(UnsafeStatementException.class, () -> acme.update("DELETE FROM orders WHERE tenant_id = ?; DELETE FROM orders", "t01"));
        // a transaction with one bad statement runs none of them
        assertThrows(UnsafeStatementException.class, () -> acme.updateAll(List.of(
                TenantShard.Statement.of("DELETE FROM orders WHERE tenant_id = ? AND id = ?", "t01", 0),
                TenantShard.Statement.of("DELETE FROM orders WHERE id = ?", 1))));
        for (int s = 0; s < SHARDS.length; s++) {
            for (List<Object> row : rows(shardUrl(s), "SELECT tenant_id, COUNT(*), SUM(total = 0) FROM orders GROUP BY tenant_id")) {
                int i = Integer.parseInt(((String) row.get(0)).substring(1));
                assertEquals(row.get(0) + " unchanged", rowsOf(i), ((Number) row.get(1)).intValue());
            }
        }
        // the safe path allows what is constrained, and the shard enforces nothing else
        assertEquals(1, acme.query("SELECT id, total FROM orders WHERE tenant_id = ? AND id = ?", "t01", 0).size());
    }

    @Test
    public void c_scatterResultsEqualTheSameQueryOnOneUnshardedDatabase() throws Exception {
        String truth = System.getProperty("headroom.it.truth");
        List<String> queries = List.of(
                "SELECT tenant_id, id, total FROM orders ORDER BY total DESC, tenant_id, id LIMIT 7 OFFSET 3",
                "SELECT COUNT(*), SUM(total), MIN(total), MAX(total) FROM orders",
                "SELECT status, COUNT(*) AS n, SUM(total), MAX(id) FROM orders GROUP BY status ORDER BY status",
                "SELECT DISTINCT status FROM orders ORDER BY status",
                "SELECT tenant_id, COUNT(*) FROM orders GROUP BY tenant_id ORDER BY 2 DESC, 1 LIMIT 5",
                "SELECT tenant_id, id FROM orders WHERE total > 250 ORDER BY tenant_id, id");
        for (String q : queries) {
            ScatterResult r = router.scatter(q, List.of(), Duration.ofSeconds(10));
            assertTrue(q + " failed on " + r.failed(), r.complete());
            assertEquals(4, r.answered().size());
            assertSameRows(q, rows(truth, q), r.result().rows());
        }
        HttpResponse<String> rest = call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT COUNT(*) AS n FROM orders\",\"timeoutMillis\":5000}");
        assertEquals(rest.body(), 200, rest.statusCode());
        long total = 0;
        for (int i = 0; i < TENANTS; i++) {
            total += rowsOf(i);
        }
        assertTrue(rest.body(), rest.body().contains("[" + total + "]"));
        assertEquals(400, call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT AVG(total) FROM orders\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"DELETE FROM orders\"}").statusCode());
        // a shard that does not answer in time is reported, not waited for (each shard's table is write-locked by a
        // connection of the test, so the scatter's read waits; SLEEP() is refused on the scatter path)
        List<Connection> lockers = new ArrayList<>();
        try {
            for (int s = 0; s < SHARDS.length; s++) {
                Connection c = connect(shardUrl(s));
                lockers.add(c);
                try (Statement st = c.createStatement()) {
                    st.execute("LOCK TABLES orders WRITE");
                }
            }
            ScatterResult slow = router.scatter("SELECT COUNT(*) FROM orders", List.of(), Duration.ofMillis(300));
            assertEquals(4, slow.failed().size());
            assertTrue(slow.answered().isEmpty());
        } finally {
            for (Connection c : lockers) {
                c.close(); // releases the lock
            }
        }
        assertThrows(UnsafeStatementException.class, () -> router.scatter("SELECT SLEEP(2) FROM orders", List.of(), Duration.ofMillis(300)));
    }

    private static void assertSameRows(String q, List<List<Object>> expected, List<List<Object>> actual) {
        assertEquals(q + " row count", expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            List<Object> e = expected.get(i);
            List<Object> a = actual.get(i);
            assertEquals(q + " row " + i + " width", e.size(), a.size());
            for (int k = 0; k < e.size(); k++) {
                Object x = e.get(k);
                Object y = a.get(k);
                if (x instanceof Number nx && y instanceof Number ny) {
                    assertEquals(q + " row " + i + " col " + k + ": " + e + " vs " + a, 0,
                            new BigDecimal(nx.toString()).compareTo(new BigDecimal(ny.toString())));
                } else {
                    assertEquals(q + " row " + i + " col " + k, x, y);
                }
            }
        }
    }

    @Test
    public void d_oneTenantsSpikeCannotTakeAllOfAShardsConnections() throws Exception {
        String noisy = "t03";
        String shard = expectedShard(noisy);
        String quiet = null;
        for (int i = 0; i < TENANTS; i++) {
            if (i != 3 && expectedShard(tenant(i)).equals(shard)) {
                quiet = tenant(i);
                break;
            }
        }
        assertNotNull("another tenant on " + shard, quiet);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger overLimit = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        List<Future<?>> calls = new ArrayList<>();
        // the noisy tenant's statements wait on a row lock held by the test (SLEEP() is refused by the safe path)
        Connection holder = connect(shardUrl(Integer.parseInt(shard.substring(1))));
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
            st.executeQuery("SELECT id FROM orders WHERE tenant_id = '" + noisy + "' AND id = 0 FOR UPDATE").close();
        }
        try {
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    try {
                        router.forTenant(TenantId.of(noisy)).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0 FOR UPDATE", noisy);
                        served.incrementAndGet();
                    } catch (TenantOverLimitException e) {
                        overLimit.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            Thread.sleep(500); // the noisy tenant now holds its 3 of the shard's 6 connections
            String q = quiet;
            assertEquals(1, router.forTenant(TenantId.of(q)).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0", q).size());
            Thread.sleep(1000);
            holder.commit(); // the three admitted statements get the lock and return
            for (Future<?> f : calls) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            holder.close();
        }
        assertEquals("pool 6, share 0.5: three run at once", 3, served.get());
        assertEquals(3, overLimit.get());
        assertTrue(admin.tenantLoad().stream().anyMatch(l -> l.tenant().equals(noisy) && l.refused() == 3));
    }

    @Test
    public void d2_anOperatorsShardShareCapsOneTenantsConnectionsUntilCleared() throws Exception {
        String noisy = "t05";
        String shard = expectedShard(noisy);
        String quiet = null;
        for (int i = 0; i < TENANTS; i++) {
            if (i != 5 && expectedShard(tenant(i)).equals(shard)) {
                quiet = tenant(i);
                break;
            }
        }
        assertNotNull("another tenant on " + shard, quiet);
        TenantId t = TenantId.of(noisy);
        limits.set(new TenantLimit(t, null, null, 0.1, null, null)); // pool 6: one connection, below the usual share of 3
        String q = quiet;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Connection holder = connect(shardUrl(Integer.parseInt(shard.substring(1))));
        holder.setAutoCommit(false);
        try {
            try (Statement st = holder.createStatement()) {
                st.executeQuery("SELECT id FROM orders WHERE tenant_id = '" + noisy + "' AND id = 0 FOR UPDATE").close();
            }
            // the tenant's one connection waits on the row lock the test holds
            Future<Integer> first = pool.submit(() -> router.forTenant(t).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0 FOR UPDATE", noisy).size());
            Thread.sleep(500);
            assertThrows("a second statement is over the operator's share", TenantOverLimitException.class,
                    () -> router.forTenant(t).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0", noisy));
            assertEquals("another tenant of the shard is served", 1,
                    router.forTenant(TenantId.of(q)).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0", q).size());
            limits.clear(t);
            assertEquals("cleared: the tenant has its usual share again", 1,
                    router.forTenant(t).query("SELECT id FROM orders WHERE tenant_id = ? AND id = 0", noisy).size());
            holder.commit();
            assertEquals(1, (int) first.get(30, TimeUnit.SECONDS));
        } finally {
            limits.clear(t);
            pool.shutdownNow();
            holder.close();
        }
    }

    @Test
    public void e_badOperatorInputGetsA4xxAndChangesNothing() throws Exception {
        long version = admin.routingVersion();
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{\"name\":\"s9\",\"url\":\"" + shardUrl(0).replace("&", "\\u0026") + "\",\"keyRange\":\"30-50\"}", "overlaps");
        bad.put("{\"name\":\"s0\",\"url\":\"" + shardUrl(0).replace("&", "\\u0026") + "\",\"keyRange\":null}", "already exists");
        bad.put("{\"name\":\"S 9\",\"url\":\"jdbc:mysql://127.0.0.1:1/x\"}", "shard name");
        bad.put("{\"name\":\"s9\",\"url\":\"http://example.org\"}", "jdbc:mysql");
        bad.put("{\"name\":\"s9\",\"url\":\"jdbc:mysql://127.0.0.1:" + freePort() + "/x\"}", "cannot connect");
        bad.put("{\"name\":\"s9\",\"url\":\"jdbc:mysql://127.0.0.1:1/x\",\"keyRange\":\"80-40\"}", "empty");
        bad.put("{\"name\":\"s9\"}", "url");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            HttpResponse<String> r = call("POST", "/sharding/shards", OPERATOR, b.getKey());
            assertEquals(b.getKey() + " -> " + r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains(b.getValue()));
        }
        HttpResponse<String> unknownShard = call("PUT", "/sharding/tenants/newco/pin", OPERATOR, "{\"shard\":\"nope\"}");
        assertEquals(unknownShard.body(), 400, unknownShard.statusCode());
        assertEquals(400, call("PUT", "/sharding/tenants/Bad%20Id/pin", OPERATOR, "{\"shard\":\"s0\"}").statusCode());
        assertEquals(400, call("GET", "/sharding/tenants/Bad%20Id", OPERATOR, null).statusCode());
        // t04 has rows: re-routing it by a pin would strand them
        String other = expectedShard("t04").equals("s0") ? "s1" : "s0";
        HttpResponse<String> strand = call("PUT", "/sharding/tenants/t04/pin", OPERATOR, "{\"shard\":\"" + other + "\"}");
        assertEquals(strand.body(), 409, strand.statusCode());
        assertEquals(400, call("DELETE", "/sharding/tenants/t04/pin", OPERATOR, null).statusCode());
        assertEquals(version, admin.routingVersion());
        assertEquals(4, admin.shards().size());
        assertEquals(expectedShard("t04"), router.locate(TenantId.of("t04")).shard());
        Exception overlap = assertThrows(Exception.class, () -> shell("shard:add --range 00-10 s9 '" + shardUrl(0) + "'"));
        assertTrue(overlap.getMessage(), overlap.getMessage().contains("overlaps"));
        assertEquals(4, admin.shards().size());
    }

    @Test
    public void f_aDedicatedShardServesATenantPinnedToIt() throws Exception {
        String dedicated = "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.server0.port") + "/dedicated?createDatabaseIfNotExist=true&sslMode=DISABLED";
        exec(dedicated, TABLE);
        long before = admin.routingVersion();
        String out = shell("shard:add big '" + dedicated + "'");
        assertTrue(out, out.contains("dedicated"));
        assertTrue(admin.routingVersion() > before);
        HttpResponse<String> pin = call("PUT", "/sharding/tenants/whale/pin", OPERATOR, "{\"shard\":\"big\"}");
        assertEquals(pin.body(), 200, pin.statusCode());
        assertTrue(pin.body(), pin.body().contains("\"pinned\":true"));
        TenantShard whale = router.forTenant(TenantId.of("whale"));
        assertEquals("big", whale.shard());
        whale.update("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 1, 'open', 10)", "whale");
        assertEquals(List.of(List.of("whale")), rows(dedicated, "SELECT tenant_id FROM orders"));
        for (int s = 0; s < SHARDS.length; s++) {
            assertTrue(rows(shardUrl(s), "SELECT 1 FROM orders WHERE tenant_id = 'whale'").isEmpty());
        }
        assertTrue(shell("shard:locate whale").contains("pinned"));
        // scatter covers the dedicated shard too
        ScatterResult all = router.scatter("SELECT COUNT(*) FROM orders WHERE tenant_id = 'whale'", List.of(), Duration.ofSeconds(5));
        assertEquals(5, all.answered().size());
        assertEquals(1L, ((Number) all.result().rows().get(0).get(0)).longValue());
    }

    @Test
    public void g_aKilledShardServerOnlyFailsItsOwnTenantsFastAndRecoversByItself() throws Exception {
        long pid = Long.parseLong(System.getProperty("headroom.it.server1.pid"));
        List<String> command = List.of(System.getProperty("headroom.it.server1.command").split("\\|"));
        ProcessHandle server = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("shard server 1 is not running"));
        server.destroyForcibly();
        server.onExit().get(30, TimeUnit.SECONDS);
        try {
            for (int round = 0; round < 3; round++) {
                int ok = 0;
                int down = 0;
                for (int i = 0; i < TENANTS; i++) {
                    String t = tenant(i);
                    boolean onKilled = expectedShard(t).equals("s2") || expectedShard(t).equals("s3");
                    try {
                        QueryResult r = router.forTenant(TenantId.of(t)).query("SELECT id FROM orders WHERE tenant_id = ?", t);
                        assertFalse(t + " is on the killed server but was served", onKilled);
                        assertEquals(rowsOf(i), r.size());
                        ok++;
                    } catch (ShardUnavailableException e) {
                        assertTrue(t + " is not on the killed server but failed: " + e.getMessage(), onKilled);
                        down++;
                    }
                }
                assertTrue(ok > 0 && down > 0);
            }
            Map<String, String> health = new HashMap<>();
            admin.shards().forEach(s -> health.put(s.name(), s.health()));
            assertEquals("UP", health.get("s0"));
            assertEquals("UP", health.get("s1"));
            assertTrue(health.toString(), !"UP".equals(health.get("s2")) && !"UP".equals(health.get("s3")));
            assertTrue("the metrics show the open breaker", Double.isNaN(metric("headroom_shard_health", "shard=\"s2\"", "state=\"UP\""))
                    && metric("headroom_shard_health", "shard=\"s2\"") == 1);
            assertTrue(metric("headroom_shard_errors_total", "shard=\"s2\"") >= 1);
            assertEquals(1, metric("headroom_shard_health", "shard=\"s0\"", "state=\"UP\""), 0);
            assertTrue("readiness: sharding DEGRADED, naming a down shard: " + shardingReadiness(),
                    eventually(() -> shardingReadiness().startsWith("DEGRADED") && shardingReadiness().contains("s2")));
            assertEquals("the node stays live", 200, get("/health/live", null).statusCode());
            ScatterResult partial = router.scatter("SELECT COUNT(*) FROM orders", List.of(), Duration.ofSeconds(5));
            assertEquals(Map.of("s2", 1, "s3", 1).keySet(), partial.failed().keySet());
            long onLiving = 0;
            for (int i = 0; i < TENANTS; i++) {
                if (!expectedShard(tenant(i)).equals("s2") && !expectedShard(tenant(i)).equals("s3")) {
                    onLiving += rowsOf(i);
                }
            }
            assertEquals(onLiving + 1 /* whale on the dedicated shard */, ((Number) partial.result().rows().get(0).get(0)).longValue());
        } finally {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
        // back without any operator action: the breaker's probe closes the circuit
        String onS2 = null;
        for (int i = 0; i < TENANTS && onS2 == null; i++) {
            if (expectedShard(tenant(i)).equals("s2")) {
                onS2 = tenant(i);
            }
        }
        String t = onS2;
        assertTrue("tenants on the restarted server are served again", eventually(() -> {
            try {
                return router.forTenant(TenantId.of(t)).query("SELECT id FROM orders WHERE tenant_id = ?", t).size() > 0;
            } catch (RuntimeException e) {
                return false;
            }
        }));
        assertTrue(eventually(() -> admin.shards().stream().allMatch(s -> "UP".equals(s.health()))));
        assertTrue("sharding ready again: " + shardingReadiness(), eventually(() -> shardingReadiness().startsWith("UP")));
        for (int i = 0; i < TENANTS; i++) {
            assertEquals(rowsOf(i), router.forTenant(TenantId.of(tenant(i))).query("SELECT id FROM orders WHERE tenant_id = ?", tenant(i)).size());
        }
    }

    // ------------------------------------------------------------------ moves and splits under writes

    /** The router as registered now (the sharding bundle is restarted in the middle of a move). */
    private ShardRouter liveRouter() {
        org.osgi.framework.ServiceReference<ShardRouter> ref = bundleContext.getServiceReference(ShardRouter.class);
        ShardRouter r = ref == null ? null : bundleContext.getService(ref);
        if (r == null) {
            throw new ShardUnavailableException(null, "no router registered right now", null);
        }
        return r;
    }

    private ShardAdmin liveAdmin() {
        org.osgi.framework.ServiceReference<ShardAdmin> ref = bundleContext.getServiceReference(ShardAdmin.class);
        ShardAdmin a = ref == null ? null : bundleContext.getService(ref);
        if (a == null) {
            throw new IllegalStateException("no shard admin registered right now");
        }
        return a;
    }

    private io.headroom.sharding.api.TenantMoves liveMoves() {
        org.osgi.framework.ServiceReference<io.headroom.sharding.api.TenantMoves> ref = bundleContext.getServiceReference(io.headroom.sharding.api.TenantMoves.class);
        io.headroom.sharding.api.TenantMoves m = ref == null ? null : bundleContext.getService(ref);
        if (m == null) {
            throw new IllegalStateException("no moves service registered right now");
        }
        return m;
    }

    /**
     * Writes to some tenants at a steady rate: inserts of new ids and increments of existing rows, retrying a write the
     * router refused before running it (fenced for a cut-over, service restarting). Remembers every acknowledged write,
     * so the end state each tenant must have is known exactly.
     */
    private final class Writers implements AutoCloseable {
        final Map<String, Map<Long, Long>> expected = new java.util.concurrent.ConcurrentHashMap<>(); // tenant -> id -> increments
        final Map<String, Long> longestGapMillis = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stop;
        private volatile Throwable failure;

        private final long firstId;

        Writers(List<String> tenants, int perSecondEach, Map<String, Integer> existingRows, long firstId) {
            this.firstId = firstId;
            for (String t : tenants) {
                Map<Long, Long> ids = new java.util.concurrent.ConcurrentHashMap<>();
                for (long k = 0; k < existingRows.getOrDefault(t, 0); k++) {
                    ids.put(k, 0L);
                }
                expected.put(t, ids);
                Thread th = new Thread(() -> loop(t, perSecondEach), "writer-" + t);
                th.setDaemon(true);
                threads.add(th);
            }
            threads.forEach(Thread::start);
        }

        private void loop(String t, int perSecond) {
            java.util.Random random = new java.util.Random(t.hashCode());
            Map<Long, Long> ids = expected.get(t);
            long next = firstId;
            long lastOk = System.currentTimeMillis();
            long interval = 1000 / perSecond;
            while (!stop) {
                long started = System.currentTimeMillis();
                boolean insert = ids.isEmpty() || random.nextInt(3) > 0;
                long id = insert ? next : new ArrayList<>(ids.keySet()).get(random.nextInt(ids.size()));
                while (!stop) {
                    try {
                        TenantShard h = liveRouter().forTenant(TenantId.of(t));
                        int n = insert
                                ? h.update("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'open', 0)", t, id)
                                : h.update("UPDATE orders SET total = total + 1 WHERE tenant_id = ? AND id = ?", t, id);
                        if (n != 1) {
                            throw new AssertionError(t + " write of id " + id + " affected " + n + " rows");
                        }
                        if (insert) {
                            ids.put(id, 0L);
                            next++;
                        } else {
                            ids.merge(id, 1L, Long::sum);
                        }
                        writes.incrementAndGet();
                        long now = System.currentTimeMillis();
                        longestGapMillis.merge(t, now - lastOk, Math::max);
                        lastOk = now;
                        break;
                    } catch (ShardUnavailableException | IllegalStateException e) {
                        // refused before it ran (fence, restart): the same write again
                        retries.incrementAndGet();
                        sleep(20);
                    } catch (Throwable e) {
                        failure = e;
                        return;
                    }
                }
                sleep(Math.max(0, interval - (System.currentTimeMillis() - started)));
            }
        }

        private void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                stop = true;
            }
        }

        @Override
        public void close() throws Exception {
            stop = true;
            for (Thread th : threads) {
                th.join(10_000);
            }
            if (failure != null) {
                throw new AssertionError("a writer failed", failure);
            }
        }

        /** Every acknowledged row, with its exact value, and nothing else, for the tenant in that database. */
        void assertExactly(String t, String url) throws SQLException {
            Map<Long, Long> want = expected.get(t);
            Map<Long, Long> got = new HashMap<>();
            try (Connection c = connect(url); PreparedStatement ps = c.prepareStatement("SELECT id, total FROM orders WHERE tenant_id = ?")) {
                ps.setString(1, t);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        got.put(rs.getLong(1), rs.getBigDecimal(2).longValue());
                    }
                }
            }
            Map<Long, Long> wantTotals = new HashMap<>();
            for (Map.Entry<Long, Long> e : want.entrySet()) {
                wantTotals.put(e.getKey(), e.getValue());
            }
            Map<Long, Long> gotIncrements = new HashMap<>();
            for (Map.Entry<Long, Long> e : got.entrySet()) {
                gotIncrements.put(e.getKey(), e.getValue() - baseTotal(t, e.getKey()));
            }
            assertEquals(t + " in " + url + ": ids", new java.util.TreeSet<>(wantTotals.keySet()), new java.util.TreeSet<>(gotIncrements.keySet()));
            assertEquals(t + " in " + url + ": values", wantTotals, gotIncrements);
        }
    }

    /** Preloaded rows of the move tests start with total = id % 100; writers add increments to that. */
    private final Map<String, Map<Long, Long>> base = new java.util.concurrent.ConcurrentHashMap<>();

    private long baseTotal(String tenant, long id) {
        Map<Long, Long> b = base.get(tenant);
        if (b != null && b.containsKey(id)) {
            return b.get(id);
        }
        return id < 1000 && tenantIndex(tenant) >= 0 ? totalOf(tenantIndex(tenant), (int) id) : 0;
    }

    private static int tenantIndex(String t) {
        return t.matches("t\\d\\d") ? Integer.parseInt(t.substring(1)) : -1;
    }

    /** The total the initial load gave row k of tenant i (whole part only; increments are whole numbers). */
    private static long totalOf(int i, int k) {
        return (i * 37 + k * 11) % 500;
    }

    private void preload(String tenant, int rows) {
        Map<Long, Long> b = new HashMap<>();
        TenantShard h = router.forTenant(TenantId.of(tenant));
        for (int from = 0; from < rows; from += 100) {
            StringBuilder sql = new StringBuilder("INSERT INTO orders (tenant_id, id, status, total) VALUES ");
            List<Object> params = new ArrayList<>();
            for (int k = from; k < Math.min(rows, from + 100); k++) {
                sql.append(k == from ? "" : ", ").append("(?, ?, 'paid', ?)");
                params.add(tenant);
                params.add(k);
                params.add(k % 100);
                b.put((long) k, (long) (k % 100));
            }
            h.update(sql.toString(), params.toArray());
        }
        base.put(tenant, b);
    }

    private String checksum(String url, String tenant) throws SQLException {
        List<List<Object>> r = rows(url, "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', tenant_id, id, status, total))), 0) FROM orders WHERE tenant_id = '" + tenant + "'");
        return r.get(0).toString();
    }

    private String waitForState(long id, String... states) throws Exception {
        List<String> wanted = List.of(states);
        long deadline = System.currentTimeMillis() + 120_000;
        io.headroom.sharding.api.MoveStatus m = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                m = liveMoves().status(id).orElseThrow();
                if (wanted.contains(m.state())) {
                    return m.state();
                }
                assertFalse("move failed: " + m, "FAILED".equals(m.state()));
            } catch (IllegalStateException e) {
                // the service is restarting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("move " + id + " never reached " + wanted + ": " + m);
    }

    private static final java.util.regex.Pattern SHARDING_HEALTH =
            java.util.regex.Pattern.compile("\\{\"name\":\"sharding\"[^{}]*\"health\":\"(\\w+)\"[^{}]*\"detail\":\"([^\"]*)\"");

    /** The sharding capability's readiness and its detail, as operators see it in /api/health/ready. */
    private String shardingReadiness() {
        try {
            java.util.regex.Matcher m = SHARDING_HEALTH.matcher(get("/health/ready", OPERATOR).body());
            return m.find() ? m.group(1) + ": " + m.group(2) : "-";
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    public void h_aTenantMovesOnlineUnderWritesThroughANodeRestartLosingNothing() throws Exception {
        String mover = "mover";
        // pinned to s0 before it has rows, so the move is from s0 (server 0) to s2 (server 1)
        admin.pin(TenantId.of(mover), "s0");
        preload(mover, 3000);
        List<String> others = List.of(tenant(37), tenant(38), tenant(39)); // not written by the split test
        Map<String, Integer> existing = new HashMap<>();
        existing.put(mover, 3000);
        for (String o : others) {
            existing.put(o, rowsOf(tenantIndex(o)));
        }
        List<String> writing = new ArrayList<>(others);
        writing.add(mover);
        long id;
        try (Writers w = new Writers(writing, 50, existing, 100_000)) { // 4 tenants x 50/s = 200 writes/s
            Thread.sleep(1000);
            HttpResponse<String> started = call("POST", "/sharding/moves", OPERATOR, "{\"tenant\":\"mover\",\"target\":\"s2\"}");
            assertEquals(started.body(), 202, started.statusCode());
            id = Long.parseLong(started.body().replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
            // restart the node's sharding capability in the middle of the copy
            assertTrue(eventually(() -> liveMoves().status(id).map(m -> m.copiedRows() >= 500).orElse(false)));
            assertEquals("COPYING", liveMoves().status(id).orElseThrow().state());
            assertTrue("before the cut-over, the binlog written since the move started is what the replay is behind",
                    eventually(() -> liveMoves().status(id).map(m -> m.replayLagBytes() != null && m.replayLagBytes() > 0).orElse(false)));
            org.osgi.framework.Bundle sharding = bundle("io.headroom.sharding");
            sharding.stop();
            Thread.sleep(500);
            sharding.start();
            assertEquals("CUT_OVER", waitForState(id, "CUT_OVER"));
            Thread.sleep(1500); // writes continue on the target after the cut-over
            assertTrue("writers ran: " + w.writes.get(), w.writes.get() > 500);
            System.out.println("move under writes: " + w.writes.get() + " writes, " + w.retries.get() + " retried, longest gap per tenant ms " + w.longestGapMillis);
            w.close();
            io.headroom.sharding.api.MoveStatus m = liveMoves().status(id).orElseThrow();
            assertTrue(m.verification(), m.verification().startsWith("verified"));
            // after the cut-over the way back (target to source) replays; with the writes stopped it catches up
            assertTrue("the replay caught up: " + liveMoves().status(id), eventually(() -> liveMoves().status(id)
                    .map(x -> Long.valueOf(0).equals(x.replayLagBytes()) && Long.valueOf(0).equals(x.replayLagMillis())).orElse(false)));
            assertEquals(0, metric("headroom_shard_move_replay_lag_bytes", "move=\"" + id + "\"", "state=\"CUT_OVER\""), 0);
            assertEquals(0, metric("headroom_shard_move_replay_lag_seconds", "move=\"" + id + "\""), 0);
            String status = shell("shard:moves " + id);
            assertTrue(status, status.contains("replay behind 0 B, <= 0.0 s"));
            assertEquals("s2", liveRouter().locate(TenantId.of(mover)).shard());
            w.assertExactly(mover, shardUrl(2));
            for (String o : others) {
                w.assertExactly(o, shardUrl(Integer.parseInt(expectedShard(o).substring(1))));
            }
            // during the grace period the rows are on both shards, yet a scatter counts each once
            ScatterResult during = liveRouter().scatter("SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover'", List.of(), Duration.ofSeconds(10));
            assertTrue(during.complete());
            assertEquals(w.expected.get(mover).size(), ((Number) during.result().rows().get(0).get(0)).intValue());
            // the source copy is kept in step by reverse replication until cleanup
            assertTrue(eventually(() -> {
                try {
                    return checksum(shardUrl(0), mover).equals(checksum(shardUrl(2), mover));
                } catch (SQLException e) {
                    return false;
                }
            }));
        }
        String out = shell("shard:move-cancel --cleanup " + id);
        assertTrue(out, out.contains("cleanup requested"));
        assertEquals("DONE", waitForState(id, "DONE"));
        assertNull("a finished move has no replay lag", liveMoves().status(id).orElseThrow().replayLagBytes());
        assertTrue("nor a series", Double.isNaN(metric("headroom_shard_move_replay_lag_bytes", "move=\"" + id + "\"")));
        assertTrue(rows(shardUrl(0), "SELECT 1 FROM orders WHERE tenant_id = 'mover'").isEmpty());
        assertFalse(rows(shardUrl(2), "SELECT 1 FROM orders WHERE tenant_id = 'mover'").isEmpty());
        assertTrue(shell("shard:moves").contains("DONE"));
    }

    @Test
    public void i_aShardSplitsOnlineUnderWritesAndIsReversibleDuringTheGracePeriod() throws Exception {
        String server1 = System.getProperty("headroom.it.server1.port");
        String low = "jdbc:mysql://127.0.0.1:" + server1 + "/shard1low?createDatabaseIfNotExist=true&sslMode=DISABLED";
        String high = "jdbc:mysql://127.0.0.1:" + server1 + "/shard1high?createDatabaseIfNotExist=true&sslMode=DISABLED";
        exec(low, TABLE);
        exec(high, TABLE);
        shell("shard:add s1low '" + low + "'");
        shell("shard:add s1high '" + high + "'");
        // bad splits change nothing
        assertEquals(400, call("POST", "/sharding/splits", OPERATOR, "{\"shard\":\"s1\",\"low\":\"s0\",\"high\":\"s1high\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/splits", OPERATOR, "{\"shard\":\"nope\",\"low\":\"s1low\",\"high\":\"s1high\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/moves", OPERATOR, "{\"tenant\":\"t01\",\"target\":\"nope\"}").statusCode());
        assertEquals(404, call("GET", "/sharding/moves/999999", OPERATOR, null).statusCode());
        List<String> onS1 = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            if (expectedShard(tenant(i)).equals("s1")) {
                onS1.add(tenant(i));
            }
        }
        Map<String, Integer> existing = new HashMap<>();
        for (String t : onS1) {
            existing.put(t, rowsOf(tenantIndex(t)));
        }
        List<String> writing = onS1.stream().filter(t -> tenantIndex(t) < 37).limit(4).toList();
        long id;
        try (Writers w = new Writers(writing, 200 / writing.size(), existing, 100_000)) {
            Thread.sleep(500);
            HttpResponse<String> started = call("POST", "/sharding/splits", OPERATOR, "{\"shard\":\"s1\",\"low\":\"s1low\",\"high\":\"s1high\"}");
            assertEquals(started.body(), 202, started.statusCode());
            id = Long.parseLong(started.body().replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
            assertEquals("CUT_OVER", waitForState(id, "CUT_OVER"));
            Thread.sleep(1000);
            w.close();
            Map<String, String> ranges = new HashMap<>();
            liveAdmin().shards().forEach(s -> ranges.put(s.name(), String.valueOf(s.keyRange())));
            assertEquals("null", ranges.get("s1"));
            assertEquals("40-60", ranges.get("s1low"));
            assertEquals("60-80", ranges.get("s1high"));
            for (String t : onS1) {
                String now = liveRouter().locate(TenantId.of(t)).shard();
                boolean lowHalf = KeyRange.parse("40-60").contains(Keyspace.idOf(TenantId.of(t)));
                assertEquals(t, lowHalf ? "s1low" : "s1high", now);
                if (writing.contains(t)) {
                    w.assertExactly(t, lowHalf ? low : high);
                }
                String target = lowHalf ? low : high;
                assertTrue(t + " source and target equal", eventually(() -> {
                    try {
                        return checksum(shardUrl(1), t).equals(checksum(target, t));
                    } catch (SQLException e) {
                        return false;
                    }
                }));
            }
            // reversible within the grace period: writes made after the cut-over come back with it
            Writers after = new Writers(writing, 20, Map.of(), 200_000);
            Thread.sleep(1000);
            liveMoves().cancel(id);
            assertEquals("REVERSED", waitForState(id, "REVERSED"));
            Thread.sleep(300);
            after.close();
            // every write acknowledged before, during and after the reversal is on s1, exactly
            for (String t : writing) {
                Map<Long, Long> got = new HashMap<>();
                for (List<Object> row : rows(shardUrl(1), "SELECT id, total FROM orders WHERE tenant_id = '" + t + "' AND id >= 200000")) {
                    got.put(((Number) row.get(0)).longValue(), ((Number) row.get(1)).longValue());
                }
                assertEquals(t, after.expected.get(t), got);
                assertTrue(t + " wrote after the cut-over", !got.isEmpty());
            }
        }
        Map<String, String> ranges = new HashMap<>();
        liveAdmin().shards().forEach(s -> ranges.put(s.name(), String.valueOf(s.keyRange())));
        assertEquals("40-80", ranges.get("s1"));
        assertEquals("null", ranges.get("s1low"));
        for (String t : onS1) {
            assertEquals("s1", liveRouter().locate(TenantId.of(t)).shard());
        }
        assertTrue(rows(low, "SELECT 1 FROM orders").isEmpty());
        assertTrue(rows(high, "SELECT 1 FROM orders").isEmpty());
    }

    // ------------------------------------------------------------------ online schema change

    private String schemaState(int version) throws Exception {
        HttpResponse<String> r = get("/sharding/schema/" + version, OPERATOR);
        assertEquals(r.body(), 200, r.statusCode());
        return field(r.body(), "state");
    }

    private int shardsDone(int version) throws Exception {
        return liveSchema().status(version).orElseThrow().shards().size();
    }

    private io.headroom.sharding.api.SchemaChanges liveSchema() {
        org.osgi.framework.ServiceReference<io.headroom.sharding.api.SchemaChanges> ref = bundleContext.getServiceReference(io.headroom.sharding.api.SchemaChanges.class);
        return bundleContext.getService(ref);
    }

    private static boolean hasColumn(String url, String column) throws SQLException {
        return !rows(url, "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = '" + column + "'").isEmpty();
    }

    @Test
    public void j_aSchemaChangeReachesEveryShardCanaryFirstWhileWritesContinue() throws Exception {
        for (String bad : List.of("{\"version\":1,\"ddl\":\"DROP TABLE orders\"}", "{\"version\":1,\"ddl\":\"ALTER TABLE users ADD COLUMN x INT\"}",
                "{\"version\":1,\"ddl\":\"ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=COPY\"}", "{\"version\":1}", "{\"version\":0,\"ddl\":\"ALTER TABLE orders ADD COLUMN x INT\"}")) {
            HttpResponse<String> r = call("POST", "/sharding/schema", OPERATOR, bad);
            assertEquals(bad + " -> " + r.body(), 400, r.statusCode());
        }
        assertTrue(liveSchema().changes().isEmpty());
        List<ShardInfo> shards = liveAdmin().shards();
        assertEquals(7, shards.size());
        List<String> writing = List.of(tenant(30), tenant(31), tenant(32), tenant(33));
        Map<String, Integer> existing = new HashMap<>();
        writing.forEach(t -> existing.put(t, rowsOf(tenantIndex(t))));
        try (Writers w = new Writers(writing, 50, existing, 300_000)) {
            Thread.sleep(500);
            HttpResponse<String> started = call("POST", "/sharding/schema", OPERATOR, "{\"version\":1,\"ddl\":\"ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL\"}");
            assertEquals(started.body(), 202, started.statusCode());
            // the canary alone first; pause as soon as it is done (the others start 300 ms apart)
            assertTrue(eventually(() -> liveSchema().status(1).orElseThrow().shards().containsKey("big")));
            HttpResponse<String> paused = call("POST", "/sharding/schema/1/pause", OPERATOR, null);
            assertEquals(paused.body(), 200, paused.statusCode());
            assertEquals("PAUSED", schemaState(1));
            Thread.sleep(1500);
            int doneWhilePaused = shardsDone(1);
            assertTrue("the canary ran first, not everything: " + doneWhilePaused, doneWhilePaused >= 1 && doneWhilePaused < 7);
            io.headroom.sharding.api.SchemaChangeStatus pausedStatus = liveSchema().status(1).orElseThrow();
            assertEquals("big", pausedStatus.canary()); // the first shard by name
            assertTrue("the canary is among the shards done: " + pausedStatus, pausedStatus.shards().containsKey("big"));
            String canaryUrl = shards.stream().filter(x -> x.name().equals("big")).findFirst().orElseThrow().url();
            assertTrue(hasColumn(canaryUrl, "note"));
            Thread.sleep(1000);
            assertEquals("paused: no more shards", doneWhilePaused, shardsDone(1));
            // the change lives in the control schema: a restart of the node's sharding capability keeps it paused
            org.osgi.framework.Bundle sharding = bundle("io.headroom.sharding");
            sharding.stop();
            sharding.start();
            awaitStatus("/sharding/schema/1", OPERATOR, 200);
            assertEquals("PAUSED", schemaState(1));
            assertEquals(doneWhilePaused, shardsDone(1));
            assertEquals(200, call("POST", "/sharding/schema/1/resume", OPERATOR, null).statusCode());
            // and a restart while it runs: the restarted node claims it again and finishes it
            Thread.sleep(400);
            sharding.stop();
            sharding.start();
            assertTrue(eventually(() -> {
                try {
                    return "DONE".equals(schemaState(1));
                } catch (Exception e) {
                    return false;
                }
            }));
            String out = shell("shard:schema-apply --wait 2 \"ALTER TABLE orders ADD INDEX by_status (status)\"");
            assertTrue(out, out.contains("DONE"));
            Thread.sleep(500);
            assertTrue("writes continued: " + w.writes.get(), w.writes.get() > 300);
        } // a writer that failed once fails the test here
        io.headroom.sharding.api.SchemaChangeStatus one = liveSchema().status(1).orElseThrow();
        assertEquals(7, one.shards().size());
        // ALREADY: a shard whose ALTER was under way when the node restarted, found done on the rerun
        assertTrue(one.toString(), one.shards().values().stream().allMatch(h -> h.equals("INSTANT") || h.equals("ALREADY")));
        assertEquals(one.toString(), "INSTANT", one.shards().get("big"));
        io.headroom.sharding.api.SchemaChangeStatus two = liveSchema().status(2).orElseThrow();
        assertEquals("DONE", two.state());
        assertTrue(two.toString(), two.shards().values().stream().allMatch("INPLACE"::equals));
        for (ShardInfo s : shards) {
            assertTrue(s.name(), hasColumn(s.url(), "note"));
            assertFalse(s.name(), rows(s.url(), "SHOW INDEX FROM orders WHERE Key_name = 'by_status'").isEmpty());
        }
        assertEquals(409, call("POST", "/sharding/schema", OPERATOR, "{\"version\":2,\"ddl\":\"ALTER TABLE orders ADD COLUMN y INT\"}").statusCode());
        assertEquals(409, call("POST", "/sharding/schema/2/pause", OPERATOR, null).statusCode());
        assertEquals(404, call("GET", "/sharding/schema/77", OPERATOR, null).statusCode());
    }

    private static String columnType(String url, String column) throws SQLException {
        return rows(url, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = '"
                + column + "'").get(0).get(0).toString();
    }

    private static List<List<Object>> shadowTables(String url) throws SQLException {
        return rows(url, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_orders\\_%'");
    }

    /** Count and checksum of every row except those of the given tenants (the writers'), on one shard. */
    private static String othersChecksum(String url, List<String> except) throws SQLException {
        return rows(url, "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', tenant_id, id, status, total))), 0) FROM orders WHERE tenant_id NOT IN ('"
                + String.join("', '", except) + "')").get(0).toString();
    }

    @Test
    public void k_aChangeThatNeedsATableCopyGoesThroughAShadowTableWhileWritesContinue() throws Exception {
        List<ShardInfo> shards = liveAdmin().shards();
        // the canary (big) gets enough rows for a copy of many chunks (200 rows each, 20 ms apart)
        admin.pin(TenantId.of("bulky"), "big");
        preload("bulky", 10_000);
        List<String> writing = List.of("bulky", "shadow-a", "shadow-b", "shadow-c", "shadow-d");
        Map<String, String> before = new HashMap<>();
        for (ShardInfo s : shards) {
            before.put(s.name(), othersChecksum(s.url(), writing));
            assertEquals(s.name(), "decimal(12,2)", columnType(s.url(), "total"));
        }
        String ddl = "ALTER TABLE orders MODIFY total DECIMAL(14,2) NOT NULL";
        io.headroom.sharding.api.SchemaChangeStatus three;
        Writers w = new Writers(writing, 40, Map.of("bulky", 10_000), 400_000);
        try (w) {
            Thread.sleep(500);
            HttpResponse<String> started = call("POST", "/sharding/schema", OPERATOR, "{\"version\":3,\"ddl\":\"" + ddl + "\"}");
            assertEquals(started.body(), 202, started.statusCode());
            // the canary's copy shows its progress in the status while it runs
            assertTrue(eventually(() -> liveSchema().status(3).orElseThrow().shards().getOrDefault("big", "").startsWith("RUNNING COPY-SHADOW copy")));
            // a restart of the node's sharding capability in the middle of the copy: that shard's copy starts again from scratch
            org.osgi.framework.Bundle sharding = bundle("io.headroom.sharding");
            sharding.stop();
            sharding.start();
            awaitStatus("/sharding/schema/3", OPERATOR, 200);
            assertTrue(eventually(() -> {
                try {
                    return "DONE".equals(schemaState(3)) || "FAILED".equals(schemaState(3));
                } catch (Exception e) {
                    return false;
                }
            }));
            Thread.sleep(500);
            assertTrue("writes continued: " + w.writes.get(), w.writes.get() > 100);
        } // a writer that failed once fails the test here
        three = liveSchema().status(3).orElseThrow();
        System.out.println("shadow copy: " + three + "; writes " + w.writes.get() + ", retried " + w.retries.get() + ", longest gap between a writer's writes (ms) "
                + w.longestGapMillis);
        assertEquals(three.toString(), "DONE", three.state());
        assertEquals(7, three.shards().size());
        assertTrue(three.toString(), three.shards().values().stream().allMatch(h -> h.startsWith("COPY-SHADOW (")));
        // rows copied in chunks (the rest came from the binlog), and the verified count at the swap
        assertTrue(three.toString(), three.shards().get("big").matches("COPY-SHADOW \\(\\d{5} rows copied, verified 1\\d{4} rows, crc .*, cut-over blocked writes \\d+ ms, attempt \\d\\)"));
        for (ShardInfo s : shards) {
            assertEquals(s.name(), "decimal(14,2)", columnType(s.url(), "total"));
            assertEquals(s.name() + ": no shadow or old table left", List.of(), shadowTables(s.url()));
            assertEquals(s.name() + ": the rows nobody wrote are as they were", before.get(s.name()), othersChecksum(s.url(), writing));
        }
        Map<String, String> urls = new HashMap<>();
        shards.forEach(s -> urls.put(s.name(), s.url()));
        for (String t : writing) {
            // every acknowledged write and nothing else, exactly once
            w.assertExactly(t, urls.get(liveRouter().locate(TenantId.of(t)).shard()));
        }
        HttpResponse<String> shown = get("/sharding/schema/3", OPERATOR);
        assertTrue(shown.body(), shown.body().contains("COPY-SHADOW ("));

        // a cancelled copy: paused in the middle of the canary's copy, then cancelled; the table stays as it was
        String canaryUrl = urls.get("big");
        String rowsBefore = othersChecksum(canaryUrl, List.of());
        HttpResponse<String> four = call("POST", "/sharding/schema", OPERATOR, "{\"version\":4,\"ddl\":\"ALTER TABLE orders MODIFY total DECIMAL(16,2) NOT NULL\"}");
        assertEquals(four.body(), 202, four.statusCode());
        assertTrue(eventually(() -> liveSchema().status(4).orElseThrow().shards().getOrDefault("big", "").startsWith("RUNNING COPY-SHADOW copy")));
        assertEquals(200, call("POST", "/sharding/schema/4/pause", OPERATOR, null).statusCode());
        Thread.sleep(300);
        String progress = liveSchema().status(4).orElseThrow().shards().get("big");
        Thread.sleep(500);
        assertEquals("paused between chunks: no progress", progress, liveSchema().status(4).orElseThrow().shards().get("big"));
        assertTrue(progress, progress.matches("RUNNING COPY-SHADOW copy \\d+/\\d+ rows"));
        HttpResponse<String> shownFour = get("/sharding/schema/4", OPERATOR);
        assertTrue(shownFour.body(), shownFour.body().contains("RUNNING COPY-SHADOW copy"));
        assertEquals(List.of(List.of("_orders_gho")), shadowTables(canaryUrl));
        assertEquals(200, call("POST", "/sharding/schema/4/cancel", OPERATOR, null).statusCode());
        assertTrue(eventually(() -> {
            try {
                return shadowTables(canaryUrl).isEmpty();
            } catch (SQLException e) {
                return false;
            }
        }));
        Thread.sleep(300);
        io.headroom.sharding.api.SchemaChangeStatus cancelled = liveSchema().status(4).orElseThrow();
        assertEquals(cancelled.toString(), "CANCELLED", cancelled.state());
        assertEquals(cancelled.toString(), 1, cancelled.shards().size());
        for (ShardInfo s : shards) {
            assertEquals(s.name(), "decimal(14,2)", columnType(s.url(), "total"));
            assertEquals(s.name(), List.of(), shadowTables(s.url()));
        }
        assertEquals(rowsBefore, othersChecksum(canaryUrl, List.of()));

        // a cut-over that cannot get its lock within schemaCutOverLockMillis (2 s) backs off and retries: a transaction
        // holding a write on the canary's table (matching no row, so the copy is not blocked) until 3 s into the cut-over
        try (Connection held = connect(canaryUrl)) {
            held.setAutoCommit(false);
            try (Statement st = held.createStatement()) {
                assertEquals(0, st.executeUpdate("UPDATE orders SET total = total + 0 WHERE tenant_id = 'zz-nobody'"));
            }
            HttpResponse<String> five = call("POST", "/sharding/schema", OPERATOR, "{\"version\":5,\"ddl\":\"ALTER TABLE orders MODIFY total DECIMAL(15,2) NOT NULL\"}");
            assertEquals(five.body(), 202, five.statusCode());
            assertTrue(eventually(() -> liveSchema().status(5).orElseThrow().shards().getOrDefault("big", "").startsWith("RUNNING COPY-SHADOW cut-over")));
            Thread.sleep(3000);
            assertTrue("still waiting for its lock: " + liveSchema().status(5).orElseThrow(),
                    liveSchema().status(5).orElseThrow().shards().get("big").startsWith("RUNNING COPY-SHADOW cut-over"));
            held.commit();
        }
        assertTrue(eventually(() -> {
            try {
                return "DONE".equals(schemaState(5));
            } catch (Exception e) {
                return false;
            }
        }));
        String retried = liveSchema().status(5).orElseThrow().shards().get("big");
        System.out.println("cut-over with a held write: " + retried);
        java.util.regex.Matcher mm = java.util.regex.Pattern.compile("cut-over blocked writes (\\d+) ms, attempt ([2-5])\\)$").matcher(retried);
        assertTrue(retried, mm.find());
        long block = Long.parseLong(mm.group(1));
        assertTrue("the longest block is the first attempt's, bounded by the lock budget: " + retried, block >= 1500 && block < 3500);
        for (ShardInfo s : shards) {
            assertEquals(s.name(), "decimal(15,2)", columnType(s.url(), "total"));
            assertEquals(s.name(), List.of(), shadowTables(s.url()));
        }
        assertEquals(rowsBefore, othersChecksum(canaryUrl, List.of()));
    }
}
