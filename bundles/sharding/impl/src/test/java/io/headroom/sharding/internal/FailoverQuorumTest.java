package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.internal.core.PrimaryQuorum;
import io.headroom.sharding.internal.engine.ShadowCopy;
import io.headroom.sharding.internal.store.PrimaryViews;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Issue 20: the automatic failover asks the fleet before it promotes. Three nodes (each its own shard map, fleet, leases,
 * replicas service and failover watch, with its own node id and database account, all on one control schema of a real
 * MariaDB) watch a shard whose primary and GTID replica are two mariadbd processes, automatic failover on. The primary
 * enforces accounts, so a node is cut off from it for real by locking that node's account there: every connection the
 * node opens to the primary is refused (its probes and the failover's own check that the primary is gone), while the
 * other nodes still reach it. The watching node cut off alone (a minority): after several times the failover delay the
 * shard still has its primary and no failover was recorded, though the watcher's view says the primary is dead. A second
 * node cut off (two of three): the replica is promoted by the fleet, with no operator.
 */
public class FailoverQuorumTest {
    private static final long FAILOVER_AFTER_MILLIS = 800;
    private static final long PROBE_MILLIS = 100;
    private static final List<String> NODES = List.of("qn1", "qn2", "qn3");

    private Path dir;
    private MariaDbServer primary;
    private MariaDbServer replica;
    private MariaDb controlDb;
    private String schema;
    private final List<Node> nodes = new ArrayList<>();
    private String primaryUrl;
    private String replicaUrl;

    /** One platform node as Declarative Services wires it, without OSGi. */
    private record Node(String id, JdbcFleet fleet, JdbcLeases leases, ShardMap map, MysqlShardReplicas replicas, AutomaticFailover watch)
            implements AutoCloseable {
        @Override
        public void close() {
            watch.deactivate();
            replicas.deactivate();
            map.deactivate();
            leases.deactivate();
            fleet.deactivate();
        }
    }

    @Before
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("h-failover-quorum");
        primary = MariaDbServer.start(dir.resolve("primary"), 401);
        replica = MariaDbServer.start(dir.resolve("replica"), 402);
        replica.replicateFrom(primary);
        // accounts on the primary: root for the replica's IO thread and the test, one per node; then the grant tables
        // are loaded, so the server checks them from now on (it was started without them). Kept out of the binary log:
        // the replica goes on taking any account, and a lock on the primary is not replicated to it
        exec(primary.jdbcUrl("mysql"), "root", "SET SESSION sql_log_bin = 0",
                "INSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('%', 'root', '{\"access\":18446744073709551615}')"
                        + ", ('%', 'qn1', '{\"access\":18446744073709551615}'), ('%', 'qn2', '{\"access\":18446744073709551615}')"
                        + ", ('%', 'qn3', '{\"access\":18446744073709551615}')",
                "FLUSH PRIVILEGES");
        primaryUrl = primary.jdbcUrl("q0");
        replicaUrl = "jdbc:mysql://127.0.0.1:" + replica.port() + "/q0?sslMode=DISABLED"; // never creates q0 on the replica
        exec(primaryUrl, "root", "CREATE TABLE events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))");
        assertTrue("the table reached the replica", eventually(10_000, () -> {
            try {
                return count(replicaUrl, "root", "SELECT COUNT(*) FROM events") >= 0;
            } catch (SQLException e) {
                return false;
            }
        }));

        controlDb = MariaDb.machineOrEmbedded();
        schema = "hr_quorum_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        PlainControlStore control = new PlainControlStore(controlDb, schema);
        for (String id : NODES) {
            nodes.add(node(control, id));
            if (nodes.size() == 1) {
                // the first node takes the watch: it is the one cut off first, so its own probes find the primary dead
                Node first = nodes.get(0);
                assertTrue("the first node watches", eventually(10_000, () -> first.leases().list(AutomaticFailover.LEASE).stream()
                        .anyMatch(l -> !l.expired() && first.id().equals(l.node()))));
            }
        }
        Node n1 = nodes.get(0);
        new MysqlShardAdmin(n1.map()).addShard("q0", primaryUrl, "-");
        n1.replicas().addReplica("q0", replicaUrl);
        for (Node n : nodes) {
            n.map().reload();
        }
    }

    private Node node(PlainControlStore control, String id) throws SQLException {
        JdbcFleet fleet = new JdbcFleet(control, TestNodes.fleetConfig(id), (org.osgi.framework.BundleContext) null);
        JdbcLeases leases = new JdbcLeases(control, fleet);
        ShardMap map = new ShardMap(control, id, new ShardingSettings(id, "", "tenant_id", List.of("events"), 4, 0.5, 200, 1000, 3, 1000,
                200, 4, 30, 600_000, 1000, 0, 2, 0, ShadowCopy.Settings.DEFAULTS, 5000, 3000, PROBE_MILLIS, true, FAILOVER_AFTER_MILLIS));
        MysqlShardReplicas replicas = new MysqlShardReplicas(map, leases);
        return new Node(id, fleet, leases, map, replicas, new AutomaticFailover(map, leases, replicas));
    }

    @After
    public void tearDown() throws Exception {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
        if (controlDb != null) {
            controlDb.dropSchema(schema);
            controlDb.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    public void aMinorityThatLostThePrimaryDoesNotFailItOverAMajorityDoes() throws Exception {
        Node n1 = nodes.get(0);
        PrimaryViews views = new PrimaryViews(n1.map().control());
        assertTrue("every node probed the primary and reached it: " + views(views), eventually(10_000, () -> {
            try {
                Map<String, Boolean> v = views(views);
                return v.keySet().containsAll(NODES) && v.values().stream().allMatch(Boolean::booleanValue);
            } catch (SQLException e) {
                return false;
            }
        }));

        // the watcher cut off from the primary alone
        cutOff("qn1");
        assertFalse("the cut-off node cannot reach the primary", answers(primaryUrl, "qn1"));
        assertTrue("the others still can", answers(primaryUrl, "qn2") && answers(primaryUrl, "qn3"));
        assertTrue("the cut-off node's probes find the primary dead", eventually(10_000, () -> {
            try {
                return Boolean.FALSE.equals(views(views).get("qn1"));
            } catch (SQLException e) {
                return false;
            }
        }));
        long until = System.currentTimeMillis() + 5 * FAILOVER_AFTER_MILLIS;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(PROBE_MILLIS);
            Map<String, Boolean> v = views(views);
            assertEquals("only the cut-off node saw the primary fail: " + v, Map.of("qn1", false, "qn2", true, "qn3", true), v);
        }
        assertEquals("still n1's watch (it is the node whose own probes find the primary dead)", "qn1", watcher(n1));
        for (Node n : nodes) {
            n.map().reload();
        }
        assertEquals("one node of three: the shard keeps its primary", primaryUrl, n1.map().topology().shards().get("q0").url());
        assertEquals("no failover was even recorded", 0, count(controlUrl(), "root", "SELECT COUNT(*) FROM " + schema + ".shard_switchovers"));
        assertEquals("the primary still takes writes", 1, count(primaryUrl, "root", "SELECT 1 - @@read_only"));
        assertEquals("the replica still read-only", 1, count(replicaUrl, "root", "SELECT @@read_only"));
        assertTrue("and replicating", replicating(replicaUrl));

        // a second node cut off: two of three live nodes saw the primary fail
        cutOff("qn2");
        assertTrue("the replica promoted by the fleet, no operator", eventually(20_000, () -> {
            try {
                n1.map().reload();
                return replicaUrl.equals(n1.map().topology().shards().get("q0").url());
            } catch (SQLException e) {
                return false;
            }
        }));
        assertEquals(1, count(controlUrl(), "root", "SELECT COUNT(*) FROM " + schema + ".shard_switchovers WHERE state = 'DONE'"));
        assertEquals("the promoted replica takes writes", 0, count(replicaUrl, "root", "SELECT @@read_only"));
        exec(replicaUrl, "qn3", "INSERT INTO events (tenant_id, id) VALUES ('t', 1)");
        assertTrue("the old primary, which the third node still reaches, is made read-only", eventually(10_000, () -> {
            try {
                return count(primaryUrl, "root", "SELECT @@read_only") == 1;
            } catch (SQLException e) {
                return false;
            }
        }));
    }

    private static boolean replicating(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            return rs.next() && "Yes".equals(rs.getString("Slave_IO_Running")) && "Yes".equals(rs.getString("Slave_SQL_Running"));
        }
    }

    /** Locks the node's account on the primary: every connection it opens there from now on is refused. */
    private void cutOff(String node) throws SQLException {
        exec(primary.jdbcUrl("mysql"), "root", "SET SESSION sql_log_bin = 0", "ALTER USER '" + node + "'@'%' ACCOUNT LOCK");
    }

    /** Each node's last recorded view of the shard's primary: answered or not. */
    private Map<String, Boolean> views(PrimaryViews views) throws SQLException {
        Map<String, Boolean> out = new TreeMap<>();
        for (PrimaryQuorum.View v : views.of("q0")) {
            if (v.url().equals(primaryUrl)) {
                out.put(v.node(), v.answered());
            }
        }
        return out;
    }

    private static String watcher(Node n) {
        return n.leases().list(AutomaticFailover.LEASE).stream().filter(l -> !l.expired()).map(io.headroom.core.api.fleet.LeaseInfo::node)
                .findFirst().orElse(null);
    }

    private String controlUrl() {
        return controlDb.jdbcUrl(schema);
    }

    private boolean answers(String url, String user) {
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private long count(String url, String user, String sql) throws SQLException {
        boolean control = controlDb != null && url.equals(controlUrl());
        try (Connection c = DriverManager.getConnection(url, control ? controlDb.user() : user, control ? controlDb.password() : "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(String url, String user, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static boolean eventually(long millis, BooleanSupplier check) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return check.getAsBoolean();
    }
}
