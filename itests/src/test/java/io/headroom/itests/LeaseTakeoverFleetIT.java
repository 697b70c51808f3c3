package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.Haproxy;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDbServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Background work survives the node running it: the node holding an operation's lease is killed with SIGKILL in the
 * middle of it, another node takes the lease over once it expires and finishes the operation, and nothing written
 * meanwhile is lost or doubled.
 */
public class LeaseTakeoverFleetIT {
    private static final String[] RANGES = {"-40", "40-80", "80-c0", "c0-"};
    private static final int ROWS_PER_SHARD = 20_000;
    private static final Pattern LEASE = Pattern.compile("\\{[^{}]*\"name\":\"([^\"]+)\"[^{}]*\"node\":\"([^\"]+)\"[^{}]*}");

    @Test
    public void aSchemaChangeWhoseNodeIsKilledIsFinishedByAnotherNode() throws Exception {
        LocalFleet fleet = TestFleet.get();
        Haproxy balancer = fleet.balancer().orElseThrow();
        RestClient lb = new RestClient(fleet.url());
        List<MariaDbServer> servers = ShardServers.get(2);
        List<String> urls = new ArrayList<>();
        for (int s = 0; s < RANGES.length; s++) {
            String url = servers.get(s % servers.size()).jdbcUrl("fleet_takeover_" + s);
            urls.add(url);
            try (Connection c = connect(url); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS orders");
                st.execute("CREATE TABLE orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, v INT NOT NULL,"
                        + " PRIMARY KEY (tenant_id, id))");
                StringBuilder rows = new StringBuilder();
                for (int i = 0; i < ROWS_PER_SHARD; i++) {
                    rows.append(rows.length() == 0 ? "" : ",").append("('t").append(i % 50).append("',").append(i).append(',').append(i).append(')');
                    if ((i + 1) % 2000 == 0) {
                        st.execute("INSERT INTO orders (tenant_id, id, v) VALUES " + rows);
                        rows.setLength(0);
                    }
                }
            }
            lb.expect(201, "POST", "/sharding/shards", "{\"name\":\"takeover" + s + "\",\"url\":\"" + url.replace("&", "\\u0026")
                    + "\",\"keyRange\":\"" + RANGES[s] + "\"}");
        }

        // writes straight to the shards while the change copies them: the shadow copy must take every one of them
        AtomicBoolean writing = new AtomicBoolean(true);
        List<ConcurrentLinkedQueue<Long>> acknowledged = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int s = 0; s < RANGES.length; s++) {
            ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();
            acknowledged.add(acks);
            String url = urls.get(s);
            Thread t = new Thread(() -> write(url, acks, writing), "takeover-writer-" + s);
            t.start();
            writers.add(t);
        }
        int version = 1;
        RestClient first = new RestClient(fleet.node(0).karaf().baseUrl());
        first.expect(202, "POST", "/sharding/schema", "{\"version\":" + version + ",\"ddl\":\"ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL\"}");
        String lease = "sharding.schema." + version;
        String holder = until(() -> holder(first, lease), 30_000);
        assertTrue("a node took the schema change's lease", holder != null);
        assertEquals("the change is still running when its node is killed", "RUNNING", schemaState(first, version));
        int victim = indexOf(fleet, holder);
        long killedAt = System.currentTimeMillis();
        fleet.kill(victim);
        RestClient survivor = new RestClient(fleet.node((victim + 1) % fleet.nodes().size()).karaf().baseUrl());
        String next = until(() -> {
            String h = holder(survivor, lease);
            return h != null && !h.equals(holder) ? h : null;
        }, 60_000);
        long movedMillis = System.currentTimeMillis() - killedAt;
        assertTrue("another node takes the lease over", next != null);
        assertNotEquals(holder, next);
        String done = until(() -> {
            String s = schemaState(survivor, version);
            return "DONE".equals(s) || "FAILED".equals(s) ? s : null;
        }, 120_000);
        writing.set(false);
        for (Thread t : writers) {
            t.join();
        }
        System.out.printf("schema change: node %s killed mid-change, lease taken over by %s %d ms later, change %s%n",
                holder, next, movedMillis, done);
        assertEquals("the change finishes on another node", "DONE", done);
        for (int s = 0; s < RANGES.length; s++) {
            try (Connection c = connect(urls.get(s)); Statement st = c.createStatement()) {
                try (ResultSet r = st.executeQuery("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                        + " AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'note'")) {
                    r.next();
                    assertEquals("shard " + s + " has the new column", 1, r.getInt(1));
                }
                List<Long> acks = new ArrayList<>(acknowledged.get(s));
                try (ResultSet r = st.executeQuery("SELECT COUNT(*) FROM orders")) {
                    r.next();
                    assertEquals("shard " + s + ": the rows before plus every acknowledged write, once", ROWS_PER_SHARD + acks.size(), r.getInt(1));
                }
                try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM orders WHERE tenant_id = 'w' AND id = ?")) {
                    for (long id : acks) {
                        p.setLong(1, id);
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                            assertEquals("acknowledged write " + id + " on shard " + s, 1, r.getInt(1));
                        }
                    }
                }
            }
        }
        fleet.restart(victim);
        assertTrue("the killed node rejoins", balancer.awaitState(fleet.node(victim).id(), "UP", Duration.ofSeconds(60)));
    }

    private static void write(String url, ConcurrentLinkedQueue<Long> acks, AtomicBoolean writing) {
        long id = 1_000_000;
        while (writing.get()) {
            try (Connection c = connect(url); PreparedStatement p = c.prepareStatement("INSERT INTO orders (tenant_id, id, v) VALUES ('w', ?, 1)")) {
                while (writing.get()) {
                    p.setLong(1, id);
                    p.executeUpdate();
                    acks.add(id++);
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                id++; // not acknowledged (e.g. the cut-over's lock timed out): never counted, next id
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String schemaState(RestClient node, int version) {
        try {
            return RestClient.string(node.expect(200, "GET", "/sharding/schema/" + version, null), "state");
        } catch (Exception | AssertionError e) {
            return null;
        }
    }

    /** The node holding {@code lease} as the node answers, or null. */
    private static String holder(RestClient node, String lease) {
        try {
            Matcher m = LEASE.matcher(node.expect(200, "GET", "/fleet?leases=" + lease, null));
            while (m.find()) {
                if (m.group(1).equals(lease) && !m.group(0).contains("\"expired\":true")) {
                    return m.group(2);
                }
            }
        } catch (Exception | AssertionError e) {
            // the node is going away or not there yet
        }
        return null;
    }

    private static int indexOf(LocalFleet fleet, String nodeId) {
        for (int i = 0; i < fleet.nodes().size(); i++) {
            if (fleet.node(i).id().equals(nodeId)) {
                return i;
            }
        }
        throw new AssertionError("no node " + nodeId + " in the fleet");
    }

    private static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, "root", "");
    }

    private static <T> T until(java.util.function.Supplier<T> probe, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(100);
        }
        return null;
    }
}
