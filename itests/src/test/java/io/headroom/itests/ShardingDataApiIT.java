package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.TenantId;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * The tenant SQL Data API over REST against four shards on two real MariaDB servers: every column type round-trips
 * with exact JSON values, a batch is all or nothing, every refusal class is a 400 problem that changes nothing, a tenant
 * token reaches only its tenant, and a client writing at 200 writes/s through a tenant move loses and duplicates
 * nothing (writes held at the fence vs refused are counted).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class ShardingDataApiIT extends HeadroomTestSupport {
    private static final String[] SHARDS = {"s0", "s1", "s2", "s3"};
    private static final String[] RANGES = {"-40", "40-80", "80-c0", "c0-"};
    private static boolean loaded;
    private static String acmeToken;

    @Configuration
    public Option[] config() {
        List<MariaDbServer> servers = ShardServers.get(2);
        String cfg = "etc/io.headroom.sharding.cfg";
        List<Option> options = new ArrayList<>(List.of(
                editConfigurationFilePut(cfg, "shardedTables", "orders,typed,users"),
                editConfigurationFilePut(cfg, "refreshMillis", "300"),
                editConfigurationFilePut(cfg, "moveGraceMillis", "600000"),
                editConfigurationFilePut(cfg, "moveChunkRows", "200"),
                editConfigurationFilePut(cfg, "moveChunkPauseMillis", "20"),
                editConfigurationFilePut(cfg, "dataFenceHoldMillis", "5000")));
        for (int i = 0; i < servers.size(); i++) {
            options.add(org.ops4j.pax.exam.CoreOptions.systemProperty("headroom.it.server" + i + ".port").value(String.valueOf(servers.get(i).port())));
        }
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()), options.toArray(new Option[0]));
    }

    /** Shards s0, s1 live on server 0 and s2, s3 on server 1 (databases of their own, apart from ShardingIT's). */
    private static String shardUrl(int shard) {
        int server = shard < 2 ? 0 : 1;
        return "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.server" + server + ".port") + "/dapi" + shard
                + "?createDatabaseIfNotExist=true&sslMode=DISABLED";
    }

    private static Connection connect(String url) throws SQLException {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setUrl(url);
        ds.setUser("root");
        ds.setPassword("");
        return ds.getConnection();
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int shardOf(String tenant) {
        long id = Keyspace.idOf(TenantId.of(tenant));
        for (int s = 0; s < SHARDS.length; s++) {
            if (KeyRange.parse(RANGES[s]).contains(id)) {
                return s;
            }
        }
        throw new AssertionError();
    }

    static final String ORDERS = "CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
            + " status VARCHAR(16) NOT NULL, total DECIMAL(12,2) NOT NULL, PRIMARY KEY (tenant_id, id))";
    static final String TYPED = "CREATE TABLE IF NOT EXISTS typed (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
            + " d DECIMAL(20,4), big BIGINT, ubig BIGINT UNSIGNED, small INT, dbl DOUBLE, dt DATETIME(6), day DATE, tm TIME(2),"
            + " yr YEAR, flag BIT(1), bits BIT(12), e ENUM('red','green'), st SET('a','b','c'), j JSON, b BLOB, vb VARBINARY(16),"
            + " txt TEXT, nul VARCHAR(5), PRIMARY KEY (tenant_id, id))";
    static final String USERS = "CREATE TABLE IF NOT EXISTS users (id BIGINT AUTO_INCREMENT PRIMARY KEY, tenant_id VARCHAR(63) NOT NULL,"
            + " email VARCHAR(100) NOT NULL, UNIQUE KEY (email))";

    @Before
    public void load() throws Exception {
        if (loaded) {
            return;
        }
        awaitStatus("/sharding/shards", OPERATOR, 200);
        for (int s = 0; s < SHARDS.length; s++) {
            exec(shardUrl(s), ORDERS, TYPED, USERS);
            HttpResponse<String> r = call("POST", "/sharding/shards", OPERATOR,
                    "{\"name\":\"" + SHARDS[s] + "\",\"url\":\"" + shardUrl(s).replace("&", "\\u0026") + "\",\"keyRange\":\"" + RANGES[s] + "\"}");
            assertEquals(r.body(), 201, r.statusCode());
        }
        HttpResponse<String> token = call("POST", "/tokens", OPERATOR, "{\"name\":\"acme-app\",\"tenant\":\"acme\"}");
        assertEquals(token.body(), 201, token.statusCode());
        acmeToken = bearer(field(token.body(), "token"));
        loaded = true;
    }

    private HttpResponse<String> sql(String tenant, String auth, String body) throws Exception {
        return call("POST", "/sharding/tenants/" + tenant + "/sql", auth, body);
    }

    private static void assertProblem(HttpResponse<String> r, int status, String reason) {
        assertEquals(r.body(), status, r.statusCode());
        assertEquals(r.body(), "application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(r.body(), r.body().toLowerCase().contains(reason.toLowerCase()));
    }

    @Test
    public void a_everyTypeRoundTripsWithExactJsonValues() throws Exception {
        HttpResponse<String> w = sql("acme", acmeToken, typedInsert(1));
        assertEquals(w.body(), 200, w.statusCode());
        assertTrue(w.body(), w.body().contains("\"rowsAffected\":1"));
        HttpResponse<String> r = sql("acme", acmeToken, TYPED_SELECT + " AND id = 1\",\"params\":[\"acme\"]}");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.body(), r.body().contains("\"rows\":[" + TYPED_ROW + "]"));
        assertTrue(r.body(), r.body().contains("{\"name\":\"ubig\",\"type\":\"BIGINT UNSIGNED\"}"));
        aFewMore();
    }

    static final String TYPED_SELECT = "{\"sql\":\"SELECT tenant_id, id, d, big, ubig, small, dbl, dt, day, tm, yr, flag, bits,"
                + " e, st, j, b, vb, txt, nul FROM typed WHERE tenant_id = ?";
    static final String TYPED_VALUES = "\"12345678901234.5678\",\"9007199254740993\",\"18446744073709551615\",42,1.5,"
                + "\"2024-02-29T13:45:07.123456\",\"2024-02-29\",\"-12:34:56.78\",2024,true,\"Crw=\",\"green\",\"a,c\","
                + "\"{\\\"k\\\": [1, 2]}\",\"AAEC/w==\",\"3q2+7w==\",\"h\u00e9llo \u2713\",null]";
    static final String TYPED_ROW = "[\"acme\",1," + TYPED_VALUES;

    static String typedInsert(long id) {
        return typedInsert(id, "-12:34:56.78");
    }

    /** Rows written during a move alternate a negative TIME with one at the top of TIME's range. */
    static String timeFor(long id) {
        return id % 2 == 0 ? "-12:34:56.78" : "838:59:58.5";
    }

    static String typedInsert(long id, String time) {
        return "{\"sql\":\"INSERT INTO typed (tenant_id, id, d, big, ubig, small, dbl, dt, day, tm, yr,"
                + " flag, bits, e, st, j, b, vb, txt, nul) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\","
                + "\"params\":[\"acme\", " + id + ", \"12345678901234.5678\", \"9007199254740993\", \"18446744073709551615\", 42, 1.5,"
                + " \"2024-02-29 13:45:07.123456\", \"2024-02-29\", \"" + time + "\", 2024, true, {\"base64\":\"Crw=\"}, \"green\", \"a,c\","
                + " \"{\\\"k\\\": [1, 2]}\", {\"base64\":\"AAEC/w==\"}, {\"base64\":\"3q2+7w==\"}, \"h\u00e9llo \u2713\", null]}";
    }

    private void aFewMore() throws Exception {
        // small integers stay numbers, the generated key of an insert is returned
        HttpResponse<String> u = sql("acme", acmeToken, "{\"sql\":\"INSERT INTO users (tenant_id, email) VALUES (?, ?)\",\"params\":[\"acme\",\"a@acme.test\"]}");
        assertEquals(u.body(), 200, u.statusCode());
        assertTrue(u.body(), u.body().matches("(?s).*\"lastInsertId\":\\d+.*"));
    }

    @Test
    public void b_aBatchIsOneTransactionAllOrNothing() throws Exception {
        HttpResponse<String> ok = sql("acme", acmeToken, "{\"statements\":[{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 1, 'open', 1)\",\"params\":[\"acme\"]},"
                + "{\"sql\":\"UPDATE orders SET total = total + 1 WHERE tenant_id = ? AND id = 1\",\"params\":[\"acme\"]},"
                + "{\"sql\":\"SELECT total FROM orders WHERE tenant_id = ? AND id = 1\",\"params\":[\"acme\"]}]}");
        assertEquals(ok.body(), 200, ok.statusCode());
        assertTrue(ok.body(), ok.body().contains("\"rows\":[[\"2.00\"]]"));
        // the second statement fails (duplicate key): nothing of the first remains
        HttpResponse<String> bad = sql("acme", acmeToken, "{\"statements\":[{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 2, 'open', 1)\",\"params\":[\"acme\"]},"
                + "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 1, 'open', 1)\",\"params\":[\"acme\"]}]}");
        assertProblem(bad, 400, "duplicate");
        assertEquals(0, count(shardUrl(shardOf("acme")), "SELECT COUNT(*) FROM orders WHERE tenant_id = 'acme' AND id = 2"));
        // a refused statement in a batch: nothing runs at all
        HttpResponse<String> refused = sql("acme", acmeToken, "{\"statements\":[{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 3, 'open', 1)\",\"params\":[\"acme\"]},"
                + "{\"sql\":\"DELETE FROM orders\",\"params\":[]}]}");
        assertProblem(refused, 400, "not constrained");
        assertEquals(0, count(shardUrl(shardOf("acme")), "SELECT COUNT(*) FROM orders WHERE tenant_id = 'acme' AND id = 3"));
    }

    @Test
    public void c_everyRefusalClassIsA400ThatChangesNothing() throws Exception {
        long before = count(shardUrl(shardOf("acme")), "SELECT COUNT(*) FROM orders");
        String[][] cases = {
            {"SELECT id FROM orders WHERE tenant_id = ? /*! OR 1 = 1 */", "comments"},
            {"SELECT id FROM orders WHERE tenant_id = ? /*M! OR 1 = 1 */", "comments"},
            {"SELECT id FROM orders WHERE tenant_id = ? AND id = --1", "--"},
            {"SELECT id FROM orders WHERE tenant_id = ? # x", "comments"},
            {"SELECT SLEEP(5) FROM orders WHERE tenant_id = ?", "SLEEP"},
            {"SELECT BENCHMARK(1000, 1) FROM orders WHERE tenant_id = ?", "BENCHMARK"},
            {"SELECT LOAD_FILE('/etc/passwd') FROM orders WHERE tenant_id = ?", "LOAD_FILE"},
            {"SELECT GET_LOCK('x', 1) FROM orders WHERE tenant_id = ?", "GET_LOCK"},
            {"SELECT id FROM orders WHERE tenant_id = ? INTO OUTFILE '/tmp/dapi'", "OUTFILE"},
            {"SELECT table_name FROM information_schema.tables WHERE tenant_id = ?", "system schema"},
            {"INSERT INTO users (tenant_id, email) VALUES (?, 'x@y') ON DUPLICATE KEY UPDATE email = 'z'", "unique key"},
            {"REPLACE INTO users (tenant_id, email) VALUES (?, 'x@y')", "unique key"},
            {"SELECT id FROM secrets WHERE tenant_id = ?", "not a sharded table"},
            {"SELECT id FROM orders WHERE tenant_id = ? OR 1 = 1", "not constrained"},
            {"SELEC id FROM orders WHERE tenant_id = ?", "cannot parse"},
            {"DELETE FROM orders WHERE tenant_id = ? AND id = ?", "placeholder"},
        };
        for (String[] c : cases) {
            assertProblem(sql("acme", acmeToken, "{\"sql\":\"" + c[0].replace("'", "'") + "\",\"params\":[\"acme\"]}"), 400, c[1]);
        }
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"globex\"]}"), 400, "not this handle's tenant");
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[{\"x\":1}]}"), 400, "parameter 1");
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"acme\"],\"maxRows\":0}"), 400, "maxRows");
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 9, 'open', 'abc')\",\"params\":[\"acme\"]}"), 400, "total");
        assertProblem(sql("acme", acmeToken, "{\"nonsense\":1}"), 400, "");
        assertProblem(sql("acme", acmeToken, "{\"sql\":"), 400, "");
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT 1\",\"statements\":[]}"), 400, "either");
        // more rows than maxRows: a 400, not a truncated answer
        sql("acme", acmeToken, "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 10, 'a', 1), (?, 11, 'a', 1), (?, 12, 'a', 1)\",\"params\":[\"acme\",\"acme\",\"acme\"]}");
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"acme\"],\"maxRows\":2}"), 400, "maxRows");
        assertEquals(before + 3, count(shardUrl(shardOf("acme")), "SELECT COUNT(*) FROM orders"));
        assertEquals(0, count(shardUrl(shardOf("acme")), "SELECT COUNT(*) FROM orders WHERE id = 9"));
    }

    @Test
    public void d_aTenantTokenReachesOnlyItsTenant() throws Exception {
        assertEquals(403, sql("globex", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"globex\"]}").statusCode());
        assertEquals(403, sql("globex", acmeToken, "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, 1, 'x', 1)\",\"params\":[\"globex\"]}").statusCode());
        assertEquals(0, count(shardUrl(shardOf("globex")), "SELECT COUNT(*) FROM orders WHERE tenant_id = 'globex'"));
        assertEquals(401, sql("acme", null, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"acme\"]}").statusCode());
        assertEquals(200, sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM orders WHERE tenant_id = ?\",\"params\":[\"acme\"]}").statusCode());
    }

    @Test
    public void e_aClientWritingAt200PerSecondThroughAMoveLosesAndDuplicatesNothing() throws Exception {
        String mover = "mover";
        HttpResponse<String> pin = call("PUT", "/sharding/tenants/mover/pin", OPERATOR, "{\"shard\":\"s0\"}");
        assertEquals(pin.body(), 200, pin.statusCode());
        // some rows to copy first
        StringBuilder values = new StringBuilder();
        StringBuilder params = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            values.append(i == 0 ? "" : ", ").append("(?, ").append(1_000_000 + i).append(", 'old', 1)");
            params.append(i == 0 ? "" : ",").append("\"mover\"");
        }
        for (int k = 0; k < 10; k++) {
            String v = values.toString().replace("1000", "10" + k + "0");
            HttpResponse<String> r = sql(mover, OPERATOR, "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES " + v + "\",\"params\":[" + params + "]}");
            assertEquals(r.body(), 200, r.statusCode());
        }
        long preloaded = count(shardUrl(0), "SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover'");
        HttpResponse<String> token = call("POST", "/tokens", OPERATOR, "{\"name\":\"mover-app\",\"tenant\":\"mover\"}");
        assertEquals(token.body(), 201, token.statusCode());
        String moverToken = bearer(field(token.body(), "token"));
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        Set<Long> attempted = ConcurrentHashMap.newKeySet();
        AtomicInteger held = new AtomicInteger();
        AtomicLong longestHold = new AtomicLong();
        AtomicInteger refused503 = new AtomicInteger();
        AtomicInteger refused429 = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        AtomicLong nextId = new AtomicLong(1);
        List<Thread> writers = new ArrayList<>();
        final boolean[] stop = {false};
        for (int t = 0; t < 4; t++) { // 4 clients x 50 writes/s
            Thread th = new Thread(() -> {
                while (!stop[0]) {
                    long started = System.currentTimeMillis();
                    long id = nextId.getAndIncrement();
                    attempted.add(id);
                    String body = "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'new', 1)\",\"params\":[\"mover\"," + id + "]}";
                    while (!stop[0] || !acked.contains(id)) {
                        HttpResponse<String> r;
                        try {
                            r = http.send(HttpRequest.newBuilder(URI.create(api("/sharding/tenants/mover/sql"))).timeout(Duration.ofSeconds(30))
                                    .header("Authorization", moverToken).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        } catch (Exception e) {
                            other.incrementAndGet();
                            continue; // unknown outcome: the same id again (a duplicate key then means it was written)
                        }
                        if (r.statusCode() == 200) {
                            r.headers().firstValue("Headroom-Fence-Held-Millis").ifPresent(h -> {
                                held.incrementAndGet();
                                longestHold.accumulateAndGet(Long.parseLong(h), Math::max);
                            });
                            acked.add(id);
                            break;
                        }
                        if (r.statusCode() == 503 || r.statusCode() == 429) {
                            (r.statusCode() == 503 ? refused503 : refused429).incrementAndGet();
                            long wait = Long.parseLong(r.headers().firstValue("Retry-After").orElse("1"));
                            sleep(wait * 1000);
                            continue;
                        }
                        if (r.statusCode() == 400 && r.body().contains("Duplicate")) {
                            acked.add(id); // an earlier attempt with an unknown outcome did write it
                            break;
                        }
                        other.incrementAndGet();
                        throw new AssertionError("unexpected answer " + r.statusCode() + ": " + r.body());
                    }
                    sleep(Math.max(0, 20 - (System.currentTimeMillis() - started)));
                }
            });
            th.start();
            writers.add(th);
        }
        Thread.sleep(1500);
        HttpResponse<String> started = call("POST", "/sharding/moves", OPERATOR, "{\"tenant\":\"mover\",\"target\":\"s2\"}");
        assertEquals(started.body(), 202, started.statusCode());
        long id = Long.parseLong(started.body().replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
        long deadline = System.currentTimeMillis() + 180_000;
        String state = "";
        while (System.currentTimeMillis() < deadline) {
            state = field(get("/sharding/moves/" + id, OPERATOR).body(), "state");
            if (state.equals("CUT_OVER") || state.equals("FAILED")) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals("CUT_OVER", state);
        Thread.sleep(1500); // writes go on on the target
        stop[0] = true;
        for (Thread th : writers) {
            th.join(60_000);
        }
        System.out.println("Data API writes through a move: " + acked.size() + " acknowledged, " + held.get() + " held at the fence (longest "
                + longestHold.get() + " ms), " + refused503.get() + " refused 503, " + refused429.get() + " refused 429, " + other.get() + " other");
        assertEquals(0, other.get());
        assertTrue("the writers ran: " + acked.size(), acked.size() > 300);
        // every acknowledged write exactly once on the target, nothing beyond what was attempted
        Set<Long> present = new TreeSet<>();
        try (Connection c = connect(shardUrl(2)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, COUNT(*) FROM orders WHERE tenant_id = 'mover' AND id < 1000000 GROUP BY id")) {
            while (rs.next()) {
                assertEquals(1, rs.getLong(2));
                present.add(rs.getLong(1));
            }
        }
        assertTrue(present.containsAll(acked));
        assertTrue(attempted.containsAll(present));
        assertEquals(preloaded, count(shardUrl(2), "SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover' AND id >= 1000000"));
        assertTrue(field(get("/sharding/moves/" + id, OPERATOR).body(), "verification").startsWith("verified"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    public void f_scatterFollowsTheSameRules() throws Exception {
        HttpResponse<String> ok = call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT COUNT(*) FROM orders\"}");
        assertEquals(ok.body(), 200, ok.statusCode());
        assertProblem(call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT COUNT(*) FROM orders /*! UNION SELECT 1 */\"}"), 400, "comments");
        assertProblem(call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT GET_LOCK('x', 1) FROM orders\"}"), 400, "GET_LOCK");
        assertProblem(call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT COUNT(*) FROM mysql.user\"}"), 400, "system schema");
        assertProblem(call("POST", "/sharding/scatter", OPERATOR, "{\"sql\":\"SELECT COUNT(*) FROM secrets\"}"), 400, "only sharded tables");
        assertFalse(ok.body().contains("Exception"));
    }

    private String waitFor(String path, String... states) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        String state = "";
        while (System.currentTimeMillis() < deadline) {
            state = field(get(path, OPERATOR).body(), "state");
            if (List.of(states).contains(state)) {
                return state;
            }
            Thread.sleep(200);
        }
        return state;
    }

    @Test
    public void g_theSchemaIsPlatformStateCreatedEverywhereGivenToNewShardsAndCheckedForDrift() throws Exception {
        String create = "CREATE TABLE invoices (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL,"
                + " PRIMARY KEY (tenant_id, id))";
        // not yet a sharded table
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT id FROM invoices WHERE tenant_id = ?\",\"params\":[\"acme\"]}"), 400, "not a sharded table");
        // bad schema changes: no tenant column, no primary key, DROP without confirmation
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":1,\"ddl\":\"CREATE TABLE x (id BIGINT PRIMARY KEY)\"}"), 400, "tenant column");
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":1,\"ddl\":\"CREATE TABLE x (id BIGINT, tenant_id VARCHAR(9))\"}"), 400, "primary key");
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":1,\"ddl\":\"DROP TABLE orders\"}"), 400, "confirm");
        // CREATE TABLE across every shard while a client keeps writing to another table
        AtomicInteger writes = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        final boolean[] stop = {false};
        Thread writer = new Thread(() -> {
            long id = 5000;
            while (!stop[0]) {
                try {
                    HttpResponse<String> r = sql("acme", acmeToken, "{\"sql\":\"INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'ddl', 1)\",\"params\":[\"acme\"," + id++ + "]}");
                    (r.statusCode() == 200 ? writes : failures).incrementAndGet();
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
                sleep(20);
            }
        });
        writer.start();
        HttpResponse<String> applied = call("POST", "/sharding/schema", OPERATOR, "{\"version\":1,\"ddl\":\"" + create + "\"}");
        assertEquals(applied.body(), 202, applied.statusCode());
        assertEquals("DONE", waitFor("/sharding/schema/1", "DONE", "FAILED"));
        Thread.sleep(500);
        stop[0] = true;
        writer.join(10_000);
        assertEquals(0, failures.get());
        assertTrue(writes.get() > 10);
        for (int s = 0; s < SHARDS.length; s++) {
            assertEquals(1, count(shardUrl(s), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'invoices'"));
        }
        assertTrue(get("/sharding/shards", OPERATOR).body().contains("invoices"));
        HttpResponse<String> inv = sql("acme", acmeToken, "{\"sql\":\"INSERT INTO invoices (tenant_id, id, amount) VALUES (?, 1, '99.95')\",\"params\":[\"acme\"]}");
        assertEquals(inv.body(), 200, inv.statusCode());
        // a new shard gets the schema before it joins, and takes a tenant moved onto it
        String url4 = "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.server1.port") + "/dapi4?createDatabaseIfNotExist=true&sslMode=DISABLED";
        HttpResponse<String> added = call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"s4\",\"url\":\"" + url4.replace("&", "\\u0026") + "\"}");
        assertEquals(added.body(), 201, added.statusCode());
        assertEquals(4, count(url4, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('orders', 'typed', 'users', 'invoices')"));
        HttpResponse<String> before = sql("acme", acmeToken, "{\"sql\":\"SELECT * FROM typed WHERE tenant_id = ? AND id = 1\",\"params\":[\"acme\"]}");
        // rows of every type written while the move copies and replays the binlog
        AtomicInteger typedWrites = new AtomicInteger();
        final boolean[] stopTyped = {false};
        Thread typedWriter = new Thread(() -> {
            long k = 100;
            while (!stopTyped[0]) {
                try {
                    HttpResponse<String> r = sql("acme", acmeToken, typedInsert(k, timeFor(k)));
                    if (r.statusCode() == 200) {
                        typedWrites.incrementAndGet();
                        k++;
                    }
                } catch (Exception e) {
                    // retried with the same id
                }
                sleep(30);
            }
        });
        typedWriter.start();
        HttpResponse<String> moved = call("POST", "/sharding/moves", OPERATOR, "{\"tenant\":\"acme\",\"target\":\"s4\"}");
        assertEquals(moved.body(), 202, moved.statusCode());
        long id = Long.parseLong(moved.body().replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
        String moveState = waitFor("/sharding/moves/" + id, "CUT_OVER", "FAILED");
        assertEquals(get("/sharding/moves/" + id, OPERATOR).body(), "CUT_OVER", moveState);
        assertTrue(get("/sharding/tenants/acme", OPERATOR).body().contains("\"shard\":\"s4\""));
        assertEquals(1, count(url4, "SELECT COUNT(*) FROM invoices WHERE tenant_id = 'acme'"));
        // every column type came over exactly (the Data API reads the same JSON from the new shard)
        HttpResponse<String> after = sql("acme", acmeToken, "{\"sql\":\"SELECT * FROM typed WHERE tenant_id = ? AND id = 1\",\"params\":[\"acme\"]}");
        assertEquals(before.body(), after.body());
        stopTyped[0] = true;
        typedWriter.join(10_000);
        assertTrue(typedWrites.get() > 5);
        HttpResponse<String> all = sql("acme", acmeToken, TYPED_SELECT + " AND id >= 100 ORDER BY id\",\"params\":[\"acme\"]}");
        String rows = all.body().replaceAll("(?s).*\"rows\":\\[(.*)\\],\"rowsAffected.*", "$1");
        String[] each = rows.substring(1, rows.length() - 1).split("\\],\\[");
        assertEquals(all.body(), typedWrites.get(), each.length);
        for (String row : each) {
            long rowId = Long.parseLong(row.substring(row.indexOf(',') + 1, row.indexOf(',', row.indexOf(',') + 1)));
            String expected = TYPED_VALUES.substring(0, TYPED_VALUES.length() - 1);
            if (rowId % 2 != 0) {
                expected = expected.replace("-12:34:56.78", "838:59:58.50");
            }
            assertEquals("row " + rowId + ", written during the move", expected, row.substring(row.indexOf(',', row.indexOf(',') + 1) + 1));
        }
        assertTrue(all.body(), all.body().contains("\"-12:34:56.78\"") && all.body().contains("\"838:59:58.50\""));
        // no drift so far; a shard altered by hand is reported
        HttpResponse<String> clean = get("/sharding/schema-diff", OPERATOR);
        assertEquals(clean.body(), "[]", clean.body());
        exec(shardUrl(1), "ALTER TABLE invoices ADD COLUMN by_hand INT NULL");
        HttpResponse<String> drift = get("/sharding/schema-diff", OPERATOR);
        assertTrue(drift.body(), drift.body().contains("\"shard\":\"s1\"") && drift.body().contains("\"table\":\"invoices\"")
                && drift.body().contains("by_hand"));
        assertFalse(drift.body(), drift.body().contains("\"shard\":\"s0\""));
        String shell = shell("shard:schema-diff");
        assertTrue(shell, shell.contains("s1") && shell.contains("invoices"));
        // DROP TABLE: refused without the table's name as confirmation (or with another name), nothing dropped anywhere
        List<String> everyShard = new ArrayList<>();
        for (int s = 0; s < SHARDS.length; s++) {
            everyShard.add(shardUrl(s));
        }
        everyShard.add(url4);
        String invoicesThere = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'invoices'";
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":2,\"ddl\":\"DROP TABLE invoices\"}"), 400, "confirm");
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":2,\"ddl\":\"DROP TABLE invoices\",\"confirm\":\"orders\"}"), 400, "confirm");
        assertProblem(call("POST", "/sharding/schema", OPERATOR, "{\"version\":2,\"ddl\":\"DROP TABLE invoices\",\"confirm\":\"\"}"), 400, "confirm");
        assertEquals(404, get("/sharding/schema/2", OPERATOR).statusCode()); // nothing recorded either
        for (String url : everyShard) {
            assertEquals(url, 1, count(url, invoicesThere));
        }
        assertEquals(1, count(url4, "SELECT COUNT(*) FROM invoices WHERE tenant_id = 'acme'"));
        assertTrue(get("/sharding/shards", OPERATOR).body().contains("invoices"));
        HttpResponse<String> still = sql("acme", acmeToken, "{\"sql\":\"SELECT amount FROM invoices WHERE tenant_id = ?\",\"params\":[\"acme\"]}");
        assertEquals(still.body(), 200, still.statusCode());
        // confirmed: gone from every shard (the one added since too) and from the sharded tables; the Data API refuses it
        HttpResponse<String> dropped = call("POST", "/sharding/schema", OPERATOR,
                "{\"version\":2,\"ddl\":\"DROP TABLE invoices\",\"confirm\":\"invoices\"}");
        assertEquals(dropped.body(), 202, dropped.statusCode());
        assertEquals(get("/sharding/schema/2", OPERATOR).body(), "DONE", waitFor("/sharding/schema/2", "DONE", "FAILED"));
        for (String url : everyShard) {
            assertEquals(url, 0, count(url, invoicesThere));
        }
        assertFalse(get("/sharding/shards", OPERATOR).body().contains("invoices"));
        assertProblem(sql("acme", acmeToken, "{\"sql\":\"SELECT amount FROM invoices WHERE tenant_id = ?\",\"params\":[\"acme\"]}"), 400,
                "not a sharded table");
        // the other tables stay, and so do their rows
        HttpResponse<String> orders = sql("acme", acmeToken, "{\"sql\":\"SELECT COUNT(*) AS n FROM orders WHERE tenant_id = ?\",\"params\":[\"acme\"]}");
        assertEquals(orders.body(), 200, orders.statusCode());
        assertFalse(orders.body(), orders.body().contains("\"rows\":[[0]]"));
    }
}
