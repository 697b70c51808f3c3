package io.headroom.sharding.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.internal.TestSharding;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.store.ControlSchema;
import io.headroom.sharding.internal.store.TopologyStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The Data API's direct endpoint ({@link DataEndpoint}) with the real router behind it, on a control schema and a
 * shard of a real MariaDB: the answer documents with their exact JSON types, the statuses of every refusal class
 * (each a problem the host renders, with nothing written), a statement held at a move's fence on a suspended exchange
 * and released or refused with 503 + Retry-After, the tenant's connection share (429), a shard that is down (503), an
 * open breaker failing a shard fast with 503 + Retry-After while the shard answers again, and
 * the suspended exchange's bound following the request's own timeout.
 */
public class DataEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final TenantId ACME = TenantId.of("acme");
    private static final long HOLD_MILLIS = 400;
    private static MariaDb db;
    private String control;
    private String shard;
    private TestSharding sharding;
    private PlainControlStore store;
    private DataEndpoint endpoint;

    @BeforeClass
    public static void startDb() {
        db = MariaDb.machineOrEmbedded();
    }

    @AfterClass
    public static void stopDb() {
        if (db != null) {
            db.close();
        }
    }

    @Before
    public void setUp() throws Exception {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        control = "hr_dataep_c_" + suffix;
        shard = "hr_dataep_s_" + suffix;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (tenant_id VARCHAR(64) NOT NULL, id BIGINT NOT NULL AUTO_INCREMENT, big BIGINT UNSIGNED NULL,"
                    + " amount DECIMAL(12,2) NULL, body TEXT NULL, created DATETIME(3) NULL, raw VARBINARY(16) NULL, PRIMARY KEY (id),"
                    + " KEY (tenant_id))");
            s.execute("CREATE TABLE unsharded (id INT PRIMARY KEY)");
        }
        store = new PlainControlStore(db, control);
        store.migrate(ControlSchema.COMPONENT, ControlSchema.MIGRATIONS);
        // two connections per shard, one per tenant; a tenant waits 200 ms for its share
        sharding = TestSharding.start(store, "test-node", db.user(), db.password(), List.of("notes"), 2, 0.5, 200, 60_000);
        sharding.store().addShard("s0", db.jdbcUrl(shard), KeyRange.parse("-"));
        sharding.reload();
        endpoint = new DataEndpoint(sharding.router(), Map.of("dataFenceHoldMillis", Long.toString(HOLD_MILLIS), "dataMaxRows", "5",
                "dataMaxStatements", "3"));
    }

    @After
    public void tearDown() {
        if (endpoint != null) {
            endpoint.deactivate();
        }
        if (sharding != null) {
            sharding.close();
        }
        db.dropSchema(control);
        db.dropSchema(shard);
    }

    // ------------------------------------------------------------------ a direct exchange, as the REST host gives it

    /** One POST as the host hands it to the endpoint, with the answer it gets (a JSON body, or the problem it renders). */
    private static final class Call implements DirectEndpoint.Exchange {
        final String body;
        final String contentType;
        final TenantId tenant;
        final Map<String, String> headers = new HashMap<>();
        final CountDownLatch answered = new CountDownLatch(1);
        volatile int status;
        volatile JsonNode json;
        volatile ProblemException problem;
        volatile Duration suspendedFor;
        volatile boolean completed;

        Call(TenantId tenant, String contentType, String body) {
            this.tenant = tenant;
            this.contentType = contentType;
            this.body = body;
        }

        @Override
        public String header(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? contentType : null;
        }

        @Override
        public String requestId() {
            return "test";
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            headers.put(name, value);
        }

        @Override
        public OutputStream output(String type) {
            return new ByteArrayOutputStream();
        }

        @Override
        public TenantId tenant() {
            return tenant;
        }

        @Override
        public <T> T readJson(Class<T> type) throws IOException {
            return JSON.readValue(body, type);
        }

        @Override
        public void writeJson(int status, Object value) throws IOException {
            this.json = JSON.readTree(JSON.writeValueAsString(value)); // the document as the client reads it
            this.status = status;
            complete();
        }

        @Override
        public void fail(RuntimeException error) {
            // the host renders a ProblemException as its status and detail (with Retry-After); anything else is a 500
            problem = error instanceof ProblemException p ? p : new ProblemException(500, "internal: " + error);
            status = problem.status();
            complete();
        }

        @Override
        public void suspend(Duration timeout) {
            suspendedFor = timeout;
        }

        @Override
        public void complete() {
            completed = true;
            answered.countDown();
        }

        Call await() throws InterruptedException {
            assertTrue("answered", answered.await(20, TimeUnit.SECONDS));
            return this;
        }
    }

    private Call post(TenantId tenant, String body) throws Exception {
        return post(tenant, "application/json", body);
    }

    /** Serves the call as the host does: what serve throws before answering becomes its problem document. */
    private Call post(TenantId tenant, String contentType, String body) throws Exception {
        Call c = new Call(tenant, contentType, body);
        try {
            endpoint.serve(new Caller("svc", Caller.TENANT, tenant), c);
        } catch (ProblemException e) {
            c.fail(e);
        }
        return c;
    }

    private Call sql(String sql, Object... params) throws Exception {
        return post(ACME, JSON.writeValueAsString(Map.of("sql", sql, "params", List.of(params)))).await();
    }

    private long rows(String where) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM notes WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertProblem(Call c, int status, String detailContains) {
        assertNotNull("a problem, not " + c.json, c.problem);
        assertEquals(c.problem.detail(), status, c.status);
        assertTrue(c.problem.detail() + " should say " + detailContains, c.problem.detail().contains(detailContains));
    }

    // ------------------------------------------------------------------ documents

    @Test
    public void oneStatementAnswersColumnsSqlTypesAndExactJsonValues() throws Exception {
        Call insert = sql("INSERT INTO notes (tenant_id, big, amount, body, created, raw) VALUES (?, ?, ?, ?, ?, ?)", "acme",
                "18446744073709551615", new java.math.BigDecimal("12.30"), "hello", "2026-12-06 10:00:00.123", Map.of("base64", "AAEC/w=="));
        assertEquals(200, insert.status);
        assertEquals(1, insert.json.get("rowsAffected").asLong());
        assertTrue("an auto-increment key as a number", insert.json.get("lastInsertId").isIntegralNumber());
        long id = insert.json.get("lastInsertId").asLong();
        assertNull("not held", insert.headers.get(DataApi.HELD_HEADER));
        assertEquals(200, sql("INSERT INTO notes (tenant_id, big, body) VALUES (?, ?, NULL)", "acme", 42).status);

        Call read = sql("SELECT id, big, amount, body, created, raw FROM notes WHERE tenant_id = ? ORDER BY id", "acme");
        assertEquals(200, read.status);
        JsonNode cols = read.json.get("columns");
        assertEquals(List.of("id", "big", "amount", "body", "created", "raw"), names(cols));
        assertEquals("BIGINT", cols.get(0).get("type").asText());
        assertEquals("DECIMAL", cols.get(2).get("type").asText());
        assertEquals("DATETIME", cols.get(4).get("type").asText());
        JsonNode row = read.json.get("rows").get(0);
        assertEquals(id, row.get(0).asLong());
        assertTrue("BIGINT beyond 2^53 as a string", row.get(1).isTextual());
        assertEquals("18446744073709551615", row.get(1).asText());
        assertTrue("DECIMAL as a string", row.get(2).isTextual());
        assertEquals("12.30", row.get(2).asText());
        assertEquals("hello", row.get(3).asText());
        assertEquals("2026-12-06T10:00:00.123", row.get(4).asText());
        assertEquals("AAEC/w==", row.get(5).asText());
        JsonNode second = read.json.get("rows").get(1);
        assertTrue("a small BIGINT as a number", second.get(1).isIntegralNumber());
        assertEquals(42, second.get(1).asLong());
        assertTrue("NULL as null", second.get(3).isNull());
        assertEquals(0, read.json.get("rowsAffected").asLong());
    }

    private static List<String> names(JsonNode columns) {
        List<String> out = new java.util.ArrayList<>();
        columns.forEach(c -> out.add(c.get("name").asText()));
        return out;
    }

    @Test
    public void aBatchIsOneTransactionWithOneResultPerStatementAndAFailureLeavesNothing() throws Exception {
        Call ok = post(ACME, "{\"statements\": [{\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)\", \"params\": [\"acme\", 1, \"a\"]},"
                + " {\"sql\": \"UPDATE notes SET body = ? WHERE tenant_id = ? AND id = ?\", \"params\": [\"b\", \"acme\", 1]}]}").await();
        assertEquals(200, ok.status);
        assertEquals(2, ok.json.get("results").size());
        assertEquals(1, ok.json.get("results").get(1).get("rowsAffected").asLong());

        // the second statement fails on the server (a duplicate key): the first is rolled back with it
        Call failed = post(ACME, "{\"statements\": [{\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)\", \"params\": [\"acme\", 2, \"c\"]},"
                + " {\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)\", \"params\": [\"acme\", 1, \"d\"]}]}").await();
        assertProblem(failed, 400, "Duplicate");
        assertFalse("no schema name for a tenant", failed.problem.detail().contains(shard));
        assertEquals(0, rows("id = 2"));
        assertEquals(1, rows("id = 1 AND body = 'b'"));
    }

    // ------------------------------------------------------------------ bad input: a clear 4xx, nothing written

    @Test
    public void badInputIsAClear4xxAndWritesNothing() throws Exception {
        String insert = "INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)";
        Object[][] cases = {
            // content type, body, status, what the detail says
            {"text/plain", "{\"sql\": \"SELECT 1\"}", 415, "application/json"},
            {null, "{}", 400, "either \"sql\""},
            {null, "{\"sql\": \"" + insert + "\", \"statements\": []}", 400, "not both"},
            {null, "{\"statements\": [], \"params\": []}", 400, "inside each"},
            {null, "{\"statements\": []}", 400, "1 to 3 statements"},
            {null, "{\"statements\": [{\"sql\": \"" + insert + "\", \"params\": [\"acme\", 1, \"x\"]}, {\"sql\": \"" + insert
                    + "\", \"params\": [\"acme\", 2, \"x\"]}, {\"sql\": \"" + insert + "\", \"params\": [\"acme\", 3, \"x\"]}, {\"sql\": \""
                    + insert + "\", \"params\": [\"acme\", 4, \"x\"]}]}", 400, "1 to 3 statements"},
            {null, "{\"statements\": [{\"sql\": \"" + insert + "\", \"params\": [\"acme\", 1, \"x\"]}, {\"params\": []}]}", 400, "statement 2 has no \"sql\""},
            {null, "{\"sql\": \"  \"}", 400, "\"sql\" is empty"},
            {null, "{\"sql\": \"SELECT * FROM notes WHERE tenant_id = ?\", \"params\": [\"acme\"], \"maxRows\": 0}", 400, "maxRows must be"},
            {null, "{\"sql\": \"SELECT * FROM notes WHERE tenant_id = ?\", \"params\": [\"acme\"], \"timeoutSeconds\": 301}", 400, "timeoutSeconds must be"},
            {null, "{\"sql\": \"SELECT * FROM notes WHERE tenant_id = ?\", \"params\": [\"acme\"], \"readPreference\": \"nearest\"}", 400, "nearest"},
            {null, "{\"sql\": \"" + insert + "\", \"params\": [\"acme\", 1, {\"text\": \"x\"}]}", 400, "parameter 3"},
            {null, "{\"sql\": \"" + insert + "\", \"params\": [\"acme\", 1, {\"base64\": \"%%%\"}]}", 400, "not valid base64"},
            // the statement itself: malformed, wrong parameter count or type, a table that is not the tenant's
            {null, "{\"sql\": \"INSERT INTO notes (tenant_id, id, body VALUES (?, ?, ?)\", \"params\": [\"acme\", 1, \"x\"]}", 400, ""},
            {null, "{\"sql\": \"" + insert + "\", \"params\": [\"acme\", 1]}", 400, "3 parameter placeholder(s) but 2"},
            {null, "{\"sql\": \"" + insert + "\", \"params\": [\"acme\", \"one\", \"x\"]}", 400, "id"},
            {null, "{\"sql\": \"INSERT INTO unsharded (id) VALUES (?)\", \"params\": [1]}", 400, "unsharded"},
            {null, "{\"sql\": \"INSERT INTO nowhere (tenant_id, id) VALUES (?, ?)\", \"params\": [\"acme\", 1]}", 400, "nowhere"},
            {null, "{\"sql\": \"" + insert + "\", \"params\": [\"globex\", 1, \"x\"]}", 400, "tenant"},
            {null, "{\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES ('globex', 1, 'x')\"}", 400, "globex"},
            {null, "{\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES (?, 1, 'x') /*! , ('globex', 2, 'y') */\", \"params\": [\"acme\"]}", 400, ""},
        };
        for (Object[] k : cases) {
            Call c = post(ACME, (String) k[0] == null ? "application/json" : (String) k[0], (String) k[1]);
            assertTrue(k[1] + " answered at once", c.completed);
            assertNotNull(k[1] + ": a problem, not " + c.json, c.problem);
            assertEquals(k[1] + ": " + c.problem.detail(), (int) k[2], c.status);
            assertTrue(k[1] + ": '" + c.problem.detail() + "' should say " + k[3], c.problem.detail().contains((String) k[3]));
            assertNull(k[1] + ": no suspension", c.suspendedFor);
        }
        assertEquals("nothing written", 0, rows("1 = 1"));
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM unsharded")) {
            rs.next();
            assertEquals(0, rs.getLong(1));
        }
    }

    @Test
    public void aResultBeyondMaxRowsIsA400NamingTheCap() throws Exception {
        for (int i = 1; i <= 6; i++) {
            assertEquals(200, sql("INSERT INTO notes (tenant_id, id) VALUES (?, ?)", "acme", i).status);
        }
        assertProblem(sql("SELECT id FROM notes WHERE tenant_id = ?", "acme"), 400, "maxRows=5");
        Call limited = post(ACME, "{\"sql\": \"SELECT id FROM notes WHERE tenant_id = ? ORDER BY id LIMIT 5\", \"params\": [\"acme\"]}").await();
        assertEquals(5, limited.json.get("rows").size());
    }

    @Test
    public void aStatementPastTheRequestsTimeoutIsCancelledA400AndNotMade() throws Exception {
        assertEquals(200, sql("INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)", "acme", 1, "before").status);
        try (Connection lock = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password())) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.executeQuery("SELECT * FROM notes WHERE id = 1 FOR UPDATE").close();
            }
            Call c = post(ACME, "{\"sql\": \"UPDATE notes SET body = ? WHERE tenant_id = ? AND id = ?\", \"params\": [\"after\", \"acme\", 1],"
                    + " \"timeoutSeconds\": 1}").await();
            assertProblem(c, 400, "timeout of 1 s");
            lock.rollback();
        }
        assertEquals(1, rows("id = 1 AND body = 'before'"));
    }

    // ------------------------------------------------------------------ fences, shares, outages

    private void fence(boolean on) throws Exception {
        sharding.store().change(c -> {
            if (on) {
                TopologyStore.fence(c, 7, TenantFilter.tenant("acme"));
            } else {
                TopologyStore.unfence(c, 7);
            }
        });
        sharding.reload();
    }

    @Test
    public void aWriteAtAFenceIsSuspendedForItsOwnTimeoutAndAnsweredOnceTheFenceLifts() throws Exception {
        fence(true);
        Call held = post(ACME, "{\"sql\": \"INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)\", \"params\": [\"acme\", 1, \"held\"],"
                + " \"timeoutSeconds\": 2}");
        assertFalse("not answered while fenced", held.completed);
        // suspended for the hold, its one statement's own 2 s and the margin: not the 300 s any request may ask for
        assertEquals(Duration.ofMillis(HOLD_MILLIS + 2_000 + DataEndpoint.SUSPEND_MARGIN_MILLIS), held.suspendedFor);
        Thread.sleep(100);
        assertEquals("not run while fenced", 0, rows("1 = 1"));
        fence(false);
        held.await();
        assertEquals(200, held.status);
        assertTrue("held for a while: " + held.headers, Long.parseLong(held.headers.get(DataApi.HELD_HEADER)) >= DataApi.RETRY_MILLIS);
        assertEquals("written exactly once", 1, rows("id = 1 AND body = 'held'"));
    }

    @Test
    public void aBatchAtAFenceIsSuspendedForEachOfItsStatementsTimeouts() throws Exception {
        fence(true);
        Call held = post(ACME, "{\"statements\": [{\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"acme\", 1]},"
                + " {\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"acme\", 2]},"
                + " {\"sql\": \"SELECT id FROM notes WHERE tenant_id = ?\", \"params\": [\"acme\"]}]}");
        // the default timeout (10 s) per statement, three statements in a row
        assertEquals(Duration.ofMillis(HOLD_MILLIS + 3 * 10_000 + DataEndpoint.SUSPEND_MARGIN_MILLIS), held.suspendedFor);
        fence(false);
        assertEquals(200, held.await().status);
        assertEquals(3, held.json.get("results").size());
    }

    @Test
    public void aFenceThatOutlastsTheHoldIsA503WithRetryAfterAndNothingWritten() throws Exception {
        fence(true);
        Call held = post(ACME, "{\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"acme\", 1]}");
        assertNotNull(held.suspendedFor);
        held.await();
        assertProblem(held, 503, "being moved");
        assertEquals(Integer.valueOf(1), held.problem.retryAfterSeconds());
        assertEquals(0, rows("1 = 1"));
        // another tenant on the same shard is not held
        Call other = post(TenantId.of("globex"), "{\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"globex\", 2]}").await();
        assertEquals(200, other.status);
        assertNull(other.suspendedFor);
    }

    @Test
    public void aTenantOverItsConnectionShareIsA429WithRetryAfter() throws Exception {
        assertEquals(200, sql("INSERT INTO notes (tenant_id, id, body) VALUES (?, ?, ?)", "acme", 1, "a").status);
        try (Connection lock = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password())) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.executeQuery("SELECT * FROM notes WHERE id = 1 FOR UPDATE").close();
            }
            // the tenant's one connection waits on the row lock, holding its share
            CompletableFuture<Call> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return post(ACME, "{\"sql\": \"UPDATE notes SET body = ? WHERE tenant_id = ? AND id = ?\", \"params\": [\"b\", \"acme\", 1]}").await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.currentTimeMillis() + 10_000;
            while (sharding.inUse("s0", "acme") < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, sharding.inUse("s0", "acme"));
            Call over = sql("UPDATE notes SET body = ? WHERE tenant_id = ? AND id = ?", "c", "acme", 1);
            assertProblem(over, 429, "retry");
            assertEquals(Integer.valueOf(1), over.problem.retryAfterSeconds());
            assertFalse("no shard name for a tenant", over.problem.detail().contains("s0"));
            lock.rollback();
            assertEquals(200, first.get(20, TimeUnit.SECONDS).status);
        }
        assertEquals("the refused update did not run", 1, rows("id = 1 AND body = 'b'"));
    }

    @Test
    public void anOpenBreakerIsA503WithRetryAfterEvenOnceTheShardAnswersAgain() throws Exception {
        // a node whose breakers stay open a minute, so the shard is back well before its breaker lets anything through
        endpoint.deactivate();
        sharding.close();
        sharding = TestSharding.start(store, "test-node", db.user(), db.password(), List.of("notes"), 2, 0.5, 200, 60_000, 60_000);
        endpoint = new DataEndpoint(sharding.router(), Map.of("dataFenceHoldMillis", Long.toString(HOLD_MILLIS)));
        try (Forwarder link = new Forwarder(db.port())) {
            sharding.store().addShard("flaky", "jdbc:mysql://127.0.0.1:" + link.port() + "/" + shard + "?sslMode=DISABLED&connectTimeout=500", null);
            sharding.store().pin("ghost", "flaky");
            sharding.reload();
            String insert = "{\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"ghost\", 1]}";
            for (int i = 0; i < 3; i++) { // three connection failures in a row open the breaker
                assertProblem(post(TenantId.of("ghost"), insert).await(), 503, "unavailable");
            }
            assertEquals("DOWN", sharding.health("flaky"));
            link.open = true;
            try (Connection direct = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + link.port() + "/" + shard + "?sslMode=DISABLED",
                    db.user(), db.password())) {
                assertTrue("the shard answers again through the same address", direct.isValid(2));
            }
            Call c = post(TenantId.of("ghost"), insert).await();
            assertProblem(c, 503, "unavailable");
            assertEquals(Integer.valueOf(2), c.problem.retryAfterSeconds());
            assertFalse(c.problem.detail(), c.problem.detail().contains("127.0.0.1") || c.problem.detail().contains("flaky"));
            assertEquals("the breaker failed it fast: nothing reached the shard", 0, rows("tenant_id = 'ghost'"));
            assertEquals("DOWN", sharding.health("flaky"));
        }
    }

    /** A TCP link to the shard's server that drops every connection until {@code open}, then forwards them. */
    private static final class Forwarder implements AutoCloseable {
        volatile boolean open;
        private final java.net.ServerSocket server;

        Forwarder(int target) throws IOException {
            server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket client = server.accept();
                        if (!open) {
                            client.close();
                            continue;
                        }
                        java.net.Socket upstream = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (IOException e) {
                        // closed, or the server refused: the client sees its connection end
                    }
                }
            }, "forwarder");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private static void pump(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                try (from; to; InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // one side closed
                }
            }, "forwarder-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    public void aShardThatIsDownIsA503WithoutItsHost() throws Exception {
        int port = MariaDb.freePort();
        sharding.store().addShard("down", "jdbc:mysql://127.0.0.1:" + port + "/gone?connectTimeout=500", null);
        sharding.store().pin("ghost", "down");
        sharding.reload();
        Call c = post(TenantId.of("ghost"), "{\"sql\": \"INSERT INTO notes (tenant_id, id) VALUES (?, ?)\", \"params\": [\"ghost\", 1]}").await();
        assertProblem(c, 503, "unavailable");
        assertEquals(Integer.valueOf(2), c.problem.retryAfterSeconds());
        assertFalse(c.problem.detail(), c.problem.detail().contains("127.0.0.1") || c.problem.detail().contains("down"));
    }
}
