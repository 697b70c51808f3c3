package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.engine.ShadowCopy;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * A tenant move whose source shard switches over while the move copies goes on and completes with no row lost: the
 * move records GTID positions, so its change replay starts on the new primary from the position taken on the old one.
 * Writes of the moving tenant go on through the router the whole time (held by the switchover's and the cut-over's
 * fences); every acknowledged one is on the target once the move cut over, and the target's rows equal the source's by
 * count and checksum. One node (shard map, fleet, leases, router, moves and replicas services) on a control schema of
 * a real MariaDB; the source's primary and GTID replica are two mariadbd processes; the target is a dedicated shard on
 * a third.
 */
public class SwitchoverDuringMoveTest {
    private TestNodes.ReplicatedShard servers;
    private MariaDb db;
    private String control;
    private MariaDbServer targetServer;
    private String targetUrl;
    private JdbcFleet fleet;
    private JdbcLeases leases;
    private ShardMap map;
    private MysqlShardReplicas replicas;
    private MysqlShardRouter router;
    private OnlineTenantMoves moves;
    private String primaryUrl;
    private String replicaUrl;

    @Before
    public void setUp() throws Exception {
        servers = TestNodes.replicatedShard(Files.createTempDirectory("h-switchover-move"), 411, "m0");
        primaryUrl = servers.primaryUrl();
        replicaUrl = servers.replicaUrl();

        db = MariaDb.machineOrEmbedded();
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        control = "hr_swmove_c_" + suffix;
        PlainControlStore store = new PlainControlStore(db, control);
        fleet = new JdbcFleet(store, TestNodes.fleetConfig("swm1"), (org.osgi.framework.BundleContext) null);
        leases = new JdbcLeases(store, fleet);
        // the machine's MariaDB has no TCP root: its user for every server (the test servers take any account)
        map = new ShardMap(store, "swm1", new ShardingSettings(db.user(), db.password(), "tenant_id", List.of("events"), 4, 0.5, 200, 1000, 3, 1000,
                200, 4, 30, 600_000, 40, 60, 2, 0, ShadowCopy.Settings.DEFAULTS, 5000, 3000, 100, false, 10_000));
        replicas = new MysqlShardReplicas(map, leases);
        MysqlShardAdmin admin = new MysqlShardAdmin(map);
        admin.addShard("m0", primaryUrl, "-");
        // the target's server writes a binary log too: after the cut-over the way back replays it to the source
        targetServer = MariaDbServer.start(Files.createTempDirectory("h-switchover-move").resolve("target"), 413);
        targetUrl = targetServer.jdbcUrl("m1");
        admin.addShard("m1", targetUrl, null);
        replicas.addReplica("m0", replicaUrl);
        map.reload();
        try (Connection c = DriverManager.getConnection(targetUrl, db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))");
        }
        router = new MysqlShardRouter(map, TestNodes.noSignals());
        moves = new OnlineTenantMoves(map, leases);
    }

    @After
    public void tearDown() throws Exception {
        if (moves != null) {
            moves.deactivate();
        }
        if (router != null) {
            router.deactivate();
        }
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
            db.close();
        }
        if (targetServer != null) {
            targetServer.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    public void aMoveWhoseSourceSwitchesOverMeanwhileCompletesWithNoRowLost() throws Exception {
        TenantId mover = TenantId.of("mover");
        // 2,000 rows copied 40 a chunk, 60 ms apart: about 3 s of copying for the switchover to fall into
        try (Connection c = DriverManager.getConnection(primaryUrl, "root", ""); Statement s = c.createStatement()) {
            for (int i = 0; i < 2000; i += 500) {
                StringBuilder b = new StringBuilder("INSERT INTO events VALUES ");
                for (int j = i; j < i + 500; j++) {
                    b.append(j == i ? "" : ", ").append("('mover', ").append(j).append("), ('stayer', ").append(j).append(")");
                }
                s.execute(b.toString());
            }
        }
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (long i = 1_000_000; writing.get(); i++) {
                try {
                    router.forTenant(mover).withFenceHold(Duration.ofSeconds(20)).update("INSERT INTO events (tenant_id, id) VALUES (?, ?)", "mover", i);
                    acknowledged.add(i);
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "mover-writes");
        writer.start();
        try {
            MoveStatus move = moves.move(mover, "m1");
            assertTrue("the move recorded a GTID position: " + moves.list(), positionOf(move.id()).matches("\\d+-\\d+-\\d+(,\\d+-\\d+-\\d+)*"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (moves.status(move.id()).orElseThrow().copiedRows() < 200) {
                assertTrue("the copy began", System.currentTimeMillis() < deadline);
                Thread.sleep(20);
            }
            assertEquals("the switchover came while the move copied", "COPYING", moves.status(move.id()).orElseThrow().state());

            SwitchoverStatus done = replicas.switchover("m0", replicaUrl);
            assertEquals(done.detail(), "DONE", done.state());
            map.reload();
            assertEquals(replicaUrl, map.topology().shards().get("m0").url());

            deadline = System.currentTimeMillis() + 120_000;
            MoveStatus m;
            while (!(m = moves.status(move.id()).orElseThrow()).state().equals("CUT_OVER")) {
                assertTrue("the move cut over: " + m, System.currentTimeMillis() < deadline && !m.state().equals("FAILED"));
                Thread.sleep(50);
            }
            assertTrue(m.verification(), m.verification().startsWith("verified: "));
            Thread.sleep(300); // a few writes on the target after the cut-over
        } finally {
            writing.set(false);
            writer.join(30_000);
        }
        assertEquals("the tenant is routed to the target", "m1", router.forTenant(mover).shard());
        Set<Long> onTarget = ids(targetUrl, "mover");
        assertTrue("writes went on throughout: " + acknowledged.size(), acknowledged.size() > 100);
        for (long id : acknowledged) {
            assertTrue("acknowledged write " + id + " is on the target", onTarget.contains(id));
        }
        for (long i = 0; i < 2000; i++) {
            assertTrue("copied row " + i + " is on the target", onTarget.contains(i));
        }
        assertEquals("no write failed (the fences held them): " + failed.get(), 0, failed.get());
        // the source's copy (on the new primary, kept in step by the way back) equals the target's, by count and checksum
        String sourceUrl = replicaUrl;
        long deadline = System.currentTimeMillis() + 30_000;
        while (!checksum(sourceUrl, "mover").equals(checksum(targetUrl, "mover"))) {
            assertTrue("source " + checksum(sourceUrl, "mover") + " target " + checksum(targetUrl, "mover"), System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
        assertEquals("only the mover's rows moved", 0, ids(targetUrl, "stayer").size());
        assertEquals(2000, ids(sourceUrl, "stayer").size());
    }

    private String positionOf(long move) throws SQLException {
        try (Connection c = map.control().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT fwd_pos FROM shard_moves WHERE id = " + move)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private Set<Long> ids(String url, String tenant) throws SQLException {
        Set<Long> out = new java.util.HashSet<>();
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM events WHERE tenant_id = '" + tenant + "'")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** Row count and a checksum of the tenant's rows. */
    private String checksum(String url, String tenant) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT(tenant_id, ':', id))), 0) FROM events WHERE tenant_id = '" + tenant + "'")) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2);
        }
    }
}
