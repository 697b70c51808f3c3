package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.TenantId;
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
        // a shard that does not answer in time is reported, not waited for
        ScatterResult slow = router.scatter("SELECT SLEEP(2) AS s", List.of(), Duration.ofMillis(300));
        assertEquals(4, slow.failed().size());
        assertTrue(slow.answered().isEmpty());
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
        try {
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    try {
                        router.forTenant(TenantId.of(noisy)).query("SELECT SLEEP(1.5) AS s FROM orders WHERE tenant_id = ? LIMIT 1", noisy);
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
            for (Future<?> f : calls) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("pool 6, share 0.5: three run at once", 3, served.get());
        assertEquals(3, overLimit.get());
        assertTrue(admin.tenantLoad().stream().anyMatch(l -> l.tenant().equals(noisy) && l.refused() == 3));
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
        for (int i = 0; i < TENANTS; i++) {
            assertEquals(rowsOf(i), router.forTenant(TenantId.of(tenant(i))).query("SELECT id FROM orders WHERE tenant_id = ?", tenant(i)).size());
        }
    }
}
