package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.engine.ShadowCopy;
import io.headroom.sharding.internal.store.MoveStore;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Issue 20, bad input: a switchover or failover of a shard that a tenant move involves (as its source or its target) is
 * refused while the move is in progress, and leaves the topology, the switchover records and both servers as they
 * were; once the move is over the same switchover runs. One node (shard map, fleet, leases, replicas service) on a
 * control schema of a real MariaDB; the shard's primary and GTID replica are two mariadbd processes; the move's target
 * is a dedicated shard in a schema of the machine's MariaDB. The move is recorded in the control schema as the move
 * service records one (copying, not run here: no move service runs in this test).
 */
public class SwitchoverDuringMoveTest {
    private Path dir;
    private MariaDbServer primary;
    private MariaDbServer replica;
    private MariaDb db;
    private String control;
    private String target;
    private JdbcFleet fleet;
    private JdbcLeases leases;
    private ShardMap map;
    private MysqlShardReplicas replicas;
    private String primaryUrl;
    private String replicaUrl;

    @Before
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("h-switchover-move");
        primary = MariaDbServer.start(dir.resolve("primary"), 411);
        replica = MariaDbServer.start(dir.resolve("replica"), 412);
        replica.replicateFrom(primary);
        primaryUrl = primary.jdbcUrl("m0");
        replicaUrl = "jdbc:mysql://127.0.0.1:" + replica.port() + "/m0?sslMode=DISABLED";
        exec(primaryUrl, "CREATE TABLE events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))");
        long deadline = System.currentTimeMillis() + 10_000;
        while (!tableOnReplica()) {
            assertTrue("the table reached the replica", System.currentTimeMillis() < deadline);
            Thread.sleep(50);
        }

        db = MariaDb.machineOrEmbedded();
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        control = "hr_swmove_c_" + suffix;
        target = "hr_swmove_t_" + suffix;
        PlainControlStore store = new PlainControlStore(db, control);
        fleet = new JdbcFleet(store, fleetConfig(), (org.osgi.framework.BundleContext) null);
        leases = new JdbcLeases(store, fleet);
        // the machine's MariaDB has no TCP root: its user for every server (the test servers take any account)
        map = new ShardMap(store, "swm1", new ShardingSettings(db.user(), db.password(), "tenant_id", List.of("events"), 4, 0.5, 200, 1000, 3, 1000,
                200, 4, 30, 600_000, 1000, 0, 2, 0, ShadowCopy.Settings.DEFAULTS, 5000, 3000, 100, false, 10_000));
        replicas = new MysqlShardReplicas(map, leases);
        MysqlShardAdmin admin = new MysqlShardAdmin(map);
        admin.addShard("m0", primaryUrl, "-");
        admin.addShard("m1", db.jdbcUrl(target), null);
        replicas.addReplica("m0", replicaUrl);
        map.reload();
    }

    @After
    public void tearDown() throws Exception {
        if (replicas != null) {
            replicas.deactivate();
        }
        if (map != null) {
            map.deactivate();
        }
        if (leases != null) {
            leases.deactivate();
        }
        if (fleet != null) {
            fleet.deactivate();
        }
        if (db != null) {
            db.dropSchema(control);
            db.dropSchema(target);
            db.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    public void aSwitchoverOrFailoverOfAShardAMoveInvolvesIsRefusedAndChangesNothing() throws Exception {
        MoveStore moves = new MoveStore(map.control());
        long move = moves.create(MovePlan.move(map.topology(), TenantId.of("mover"), "m1"), "binlog.000001:4");
        long version = map.routingVersionNow();

        IllegalStateException source = assertThrows(IllegalStateException.class, () -> replicas.switchover("m0", replicaUrl));
        assertTrue(source.getMessage(), source.getMessage().contains("move " + move + " of shard m0"));
        IllegalStateException defaultTarget = assertThrows(IllegalStateException.class, () -> replicas.switchover("m0", null));
        assertTrue(defaultTarget.getMessage(), defaultTarget.getMessage().contains("move " + move));
        IllegalStateException failover = assertThrows(IllegalStateException.class, () -> replicas.failover("m0"));
        assertTrue(failover.getMessage(), failover.getMessage().contains("move " + move));
        IllegalStateException ofTarget = assertThrows(IllegalStateException.class, () -> replicas.switchover("m1", null));
        assertTrue(ofTarget.getMessage(), ofTarget.getMessage().contains("move " + move + " of shard m1"));

        map.reload();
        assertEquals("routing unchanged", version, map.routingVersionNow());
        assertEquals(primaryUrl, map.topology().shards().get("m0").url());
        assertEquals(List.of(replicaUrl), map.topology().replicasOf("m0"));
        assertEquals("no switchover recorded", 0, count(db.jdbcUrl(control), "SELECT COUNT(*) FROM shard_switchovers"));
        assertEquals("the primary still takes writes", 0, count(primaryUrl, "SELECT @@read_only"));
        assertEquals("the replica still read-only", 1, count(replicaUrl, "SELECT @@read_only"));
        assertTrue("and replicating", replicating(replicaUrl));

        // the move over (cancelled), the same switchover runs
        try (Connection c = map.control().getConnection()) {
            MoveStore.transition(c, move, MoveState.COPYING, MoveState.CANCELLED);
        }
        SwitchoverStatus done = replicas.switchover("m0", replicaUrl);
        assertEquals(done.detail(), "DONE", done.state());
        map.reload();
        assertEquals(replicaUrl, map.topology().shards().get("m0").url());
    }

    private boolean tableOnReplica() {
        try (Connection c = DriverManager.getConnection(replicaUrl, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    private long count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean replicating(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            return rs.next() && "Yes".equals(rs.getString("Slave_IO_Running")) && "Yes".equals(rs.getString("Slave_SQL_Running"));
        }
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static JdbcFleet.Config fleetConfig() {
        return new JdbcFleet.Config() {
            public String nodeId() {
                return "swm1";
            }

            public long heartbeatMillis() {
                return 500;
            }

            public long liveMillis() {
                return 5000;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcFleet.Config.class;
            }
        };
    }
}
