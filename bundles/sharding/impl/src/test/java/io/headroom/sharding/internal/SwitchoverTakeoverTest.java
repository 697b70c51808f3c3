package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.core.SwitchoverState;
import io.headroom.sharding.internal.engine.ShadowCopy;
import io.headroom.sharding.internal.store.SwitchoverStore;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Test;

/**
 * A switchover whose driving node stops in the middle is finished by another node with nothing lost. Two nodes (each a
 * shard map, fleet membership, leases and the replicas service) share a control schema of a real MariaDB; the shard's
 * primary and its GTID replica are two mariadbd processes, the replica applying 2 s late ({@code MASTER_DELAY}) so the
 * fenced catch-up lasts long enough to stop the first node's replicas service while the switchover is
 * {@code CATCHING_UP} (the old primary read-only, the shard fenced). The second node, whose router writes the whole
 * time, takes the switchover's lease over and finishes it (or rolls it back within its budget): every acknowledged
 * write is on the shard's primary afterwards and none failed.
 */
public class SwitchoverTakeoverTest {
    private TestNodes.ReplicatedShard servers;
    private MariaDb db;
    private String control;
    private final List<AutoCloseable> closing = new ArrayList<>();

    private record Node(JdbcFleet fleet, JdbcLeases leases, ShardMap map, MysqlShardReplicas replicas) {
    }

    @After
    public void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                // the next one still closes
            }
        }
        if (db != null) {
            db.dropSchema(control);
            db.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    public void aSwitchoverWhoseNodeStopsMidwayIsFinishedByAnotherWithNothingLost() throws Exception {
        servers = TestNodes.replicatedShard(Files.createTempDirectory("h-switchover-takeover"), 421, "t0");
        String primaryUrl = servers.primaryUrl();
        String replicaUrl = servers.replicaUrl();
        long deadline;
        exec(servers.replica().jdbcUrl("mysql"), "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 2", "START SLAVE");

        db = MariaDb.machineOrEmbedded();
        control = "hr_swtake_c_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        PlainControlStore store = new PlainControlStore(db, control);
        Node one = node(store, "swt1");
        Node two = node(store, "swt2");
        new MysqlShardAdmin(one.map()).addShard("t0", primaryUrl, "-");
        one.replicas().addReplica("t0", replicaUrl);
        one.map().reload();
        two.map().reload();
        MysqlShardRouter router = new MysqlShardRouter(two.map(), TestNodes.noSignals());
        closing.add(router::deactivate);

        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (long i = 1; writing.get(); i++) {
                try {
                    router.forTenant(TenantId.of("writer")).withFenceHold(Duration.ofSeconds(30)).update("INSERT INTO events (tenant_id, id) VALUES (?, ?)", "writer", i);
                    acknowledged.add(i);
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e.toString());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "takeover-writes");
        writer.start();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread driving = new Thread(() -> {
            try {
                result.set(one.replicas().switchover("t0", replicaUrl));
            } catch (RuntimeException e) {
                result.set(e);
            }
        }, "driving-switchover");
        SwitchoverStore switchovers = new SwitchoverStore(store.dataSource());
        SwitchoverStatus s;
        try {
            Thread.sleep(500);
            driving.start();
            deadline = System.currentTimeMillis() + 60_000;
            while ((s = latest(switchovers)) == null || !s.state().equals(SwitchoverState.CATCHING_UP.name())) {
                assertTrue("the switchover reached CATCHING_UP: " + s + " " + result.get(), System.currentTimeMillis() < deadline
                        && (s == null || !SwitchoverState.valueOf(s.state()).terminal()));
                Thread.sleep(2);
            }
            one.replicas().deactivate(); // the node that drives it stops its replicas service mid-way (its runner ends first)
            assertEquals("the first node stopped before the replica caught up (2 s late): what follows is the second node's", "CATCHING_UP",
                    switchovers.status(s.id()).orElseThrow().state());
            deadline = System.currentTimeMillis() + 60_000;
            while (!SwitchoverState.valueOf((s = switchovers.status(s.id()).orElseThrow()).state()).terminal()) {
                assertTrue("another node finished it: " + s, System.currentTimeMillis() < deadline);
                Thread.sleep(20);
            }
            Thread.sleep(500); // a few writes after it
        } finally {
            writing.set(false);
            writer.join(60_000);
            driving.join(60_000);
        }
        assertEquals("no write failed: " + firstFailure.get(), 0, failed.get());
        assertTrue("writes went on throughout: " + acknowledged.size(), acknowledged.size() > 50);
        two.map().reload();
        String now = two.map().topology().shards().get("t0").url();
        assertEquals(s.detail(), s.state().equals("DONE") ? replicaUrl : primaryUrl, now);
        Set<Long> held = ids(now);
        for (long id : acknowledged) {
            assertTrue("acknowledged write " + id + " is on the primary", held.contains(id));
        }
        if (s.state().equals("DONE")) {
            assertEquals("the old primary is read-only", 1, count(primaryUrl, "SELECT @@read_only"));
        }
    }

    private Node node(PlainControlStore store, String id) throws SQLException {
        JdbcFleet fleet = new JdbcFleet(store, TestNodes.fleetConfig(id), (org.osgi.framework.BundleContext) null);
        closing.add(fleet::deactivate);
        JdbcLeases leases = new JdbcLeases(store, fleet);
        closing.add(leases::deactivate);
        // the machine's MariaDB has no TCP root: its user for every server (the test servers take any account)
        ShardMap map = new ShardMap(store, id, new ShardingSettings(db.user(), db.password(), "tenant_id", List.of("events"), 4, 0.5, 200, 1000, 3,
                1000, 200, 4, 30, 600_000, 1000, 0, 2, 0, ShadowCopy.Settings.DEFAULTS, 30_000, 20_000, 100, false, 10_000));
        closing.add(map::deactivate);
        MysqlShardReplicas replicas = new MysqlShardReplicas(map, leases);
        closing.add(replicas::deactivate);
        return new Node(fleet, leases, map, replicas);
    }

    private static SwitchoverStatus latest(SwitchoverStore store) throws SQLException {
        List<SwitchoverStatus> h = store.history(1);
        return h.isEmpty() ? null : h.get(0);
    }

    private Set<Long> ids(String url) throws SQLException {
        Set<Long> out = new java.util.HashSet<>();
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM events WHERE tenant_id = 'writer'")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private long count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement st = c.createStatement()) {
            for (String q : sql) {
                st.execute(q);
            }
        }
    }
}
