package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

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
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
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
        // the next version: other classes on the shared fleet may have applied sharded-schema changes before
        int version = 1 + Pattern.compile("\"version\":(\\d+)").matcher(lb.expect(200, "GET", "/sharding/schema", null)).results()
                .mapToInt(r -> Integer.parseInt(r.group(1))).max().orElse(0);
        RestClient first = new RestClient(fleet.node(0).karaf().baseUrl());
        first.expect(202, "POST", "/sharding/schema", "{\"version\":" + version + ",\"ddl\":\"ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL\"}");
        String lease = "sharding.schema." + version;
        String holder = until(() -> holder(first, lease), 30_000);
        assertTrue("a node took the schema change's lease", holder != null);
        assertEquals("the change is still running when its node is killed", "RUNNING", field(first, "/sharding/schema/" + version, "state"));
        Takeover takeover = killAndAwaitTakeover(fleet, holder, lease);
        RestClient survivor = takeover.survivor();
        String done = until(() -> {
            String s = field(survivor, "/sharding/schema/" + version, "state");
            return "DONE".equals(s) || "FAILED".equals(s) ? s : null;
        }, 120_000);
        writing.set(false);
        for (Thread t : writers) {
            t.join();
        }
        System.out.printf("schema change: node %s killed mid-change, lease taken over by %s %d ms later, change %s%n",
                holder, takeover.next(), takeover.movedMillis(), done);
        assertEquals("the change finishes on another node: " + body(survivor, "/sharding/schema/" + version), "DONE", done);
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
    }

    @Test
    public void aTenantMoveWhoseNodeIsKilledIsFinishedByAnotherNode() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        List<MariaDbServer> servers = ShardServers.get(2);
        String[] shards = {"takeover-src", "takeover-dst"};
        String[] urls = new String[2];
        for (int s = 0; s < 2; s++) {
            urls[s] = servers.get(s).jdbcUrl("fleet_move_" + s);
            lb.expect(201, "POST", "/sharding/shards", "{\"name\":\"" + shards[s] + "\",\"url\":\"" + urls[s].replace("&", "\\u0026")
                    + "\",\"keyRange\":null}");
            // the shard got every recorded table when it joined; where none is recorded yet, the test's own
            try (Connection c = connect(urls[s]); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, v INT NOT NULL,"
                        + " PRIMARY KEY (tenant_id, id))");
            }
        }
        lb.expect(200, "PUT", "/sharding/tenants/mover/pin", "{\"shard\":\"takeover-src\"}");
        try (Connection c = connect(urls[0]); Statement st = c.createStatement()) {
            for (int chunk = 0; chunk < ROWS_PER_SHARD / 2000; chunk++) {
                StringBuilder rows = new StringBuilder();
                for (int i = chunk * 2000; i < (chunk + 1) * 2000; i++) {
                    rows.append(rows.length() == 0 ? "" : ",").append("('mover',").append(i).append(",1)");
                }
                st.execute("INSERT INTO orders (tenant_id, id, v) VALUES " + rows);
            }
        }

        // a client writes through the load balancer (the Data API) the whole time; 503s at the fence are not retried
        Writer writer = Writer.start("takeover-move-writer", 5, i -> lb.call("POST", "/sharding/tenants/mover/sql", RestClient.OPERATOR,
                "{\"sql\":\"INSERT INTO orders (tenant_id, id, v) VALUES (?, ?, 2)\",\"params\":[\"mover\"," + (1_000_000 + i) + "]}")
                .statusCode() == 200);

        RestClient first = new RestClient(fleet.node(0).karaf().baseUrl());
        long id = RestClient.number(first.expect(202, "POST", "/sharding/moves", "{\"tenant\":\"mover\",\"target\":\"takeover-dst\"}"), "id");
        String lease = "sharding.move." + id;
        String holder = until(() -> "COPYING".equals(field(first, "/sharding/moves/" + id, "state")) ? holder(first, lease) : null, 30_000);
        assertTrue("a node took the move's lease and is copying", holder != null);
        Takeover takeover = killAndAwaitTakeover(fleet, holder, lease);
        RestClient survivor = takeover.survivor();
        String state = until(() -> {
            String s = field(survivor, "/sharding/moves/" + id, "state");
            return "CUT_OVER".equals(s) || "DONE".equals(s) || "FAILED".equals(s) ? s : null;
        }, 180_000);
        Thread.sleep(500); // a few writes on the target after the cut-over
        writer.stop();
        System.out.printf("tenant move: node %s killed while copying, taken over by %s, move %s; %d writes acknowledged of %d%n",
                holder, takeover.next(), state, writer.acked().size(), writer.attempts());
        assertTrue("the move cuts over on another node, was " + state, "CUT_OVER".equals(state) || "DONE".equals(state));
        assertTrue("writes went on during the move", !writer.acked().isEmpty());
        try (Connection c = connect(urls[1]); Statement st = c.createStatement()) {
            try (ResultSet r = st.executeQuery("SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover' AND id < 1000000")) {
                r.next();
                assertEquals("every row copied once", ROWS_PER_SHARD, r.getInt(1));
            }
            try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover' AND id = ?")) {
                for (long ack : writer.acked()) {
                    p.setLong(1, 1_000_000 + ack);
                    try (ResultSet r = p.executeQuery()) {
                        r.next();
                        assertEquals("acknowledged write " + ack + " on the target", 1, r.getInt(1));
                    }
                }
            }
        }
    }

    @Test
    public void aSearchBackfillWhoseNodeIsKilledIsFinishedByAnotherNode() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        lb.expect(201, "POST", "/search/collections", "{\"name\":\"takeover\",\"partitions\":2,\"mappings\":{\"properties\":{\"title\":{\"type\":\"text\"}}}}");
        String[] tenants = {"ta", "tb", "tc"};
        int perTenant = 1_500;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (String t : tenants) {
                for (int i = 0; i < perTenant; i++) {
                    String path = "/search/collections/takeover/tenants/" + t + "/documents/d" + i;
                    puts.add(pool.submit(() -> lb.expect(200, "PUT", path, "{\"version\":1,\"document\":{\"title\":\"before the move\"}}")));
                }
            }
            for (Future<?> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long id = RestClient.number(lb.expect(201, "POST", "/search/collections/takeover/migrations", "{\"partitions\":3}"), "id");
        lb.expect(200, "POST", "/search/migrations/" + id + "/start", "{}");

        // dual-writes through the load balancer while the backfill copies (and while its node dies)
        Writer writer = Writer.start("takeover-search-writer", 10, i -> lb.call("PUT", "/search/collections/takeover/tenants/ta/documents/w" + i,
                RestClient.OPERATOR, "{\"version\":1,\"document\":{\"title\":\"during the move\"}}").statusCode() == 200);

        RestClient first = new RestClient(fleet.node(0).karaf().baseUrl());
        String lease = "search.backfill." + id;
        until(() -> {
            try {
                HttpResponse<String> r = first.call("POST", "/search/migrations/" + id + "/backfill", RestClient.OPERATOR, "{}");
                return r.statusCode() == 200 ? r : null; // 409 until every node dual-writes (startGraceMillis)
            } catch (Exception e) {
                return null;
            }
        }, 30_000);
        String holder = until(() -> {
            String body = body(first, "/search/migrations/" + id);
            return body != null && body.contains("\"backfill\":\"COPYING\"") ? holder(first, lease) : null;
        }, 30_000);
        assertTrue("a node took the backfill's lease and is copying", holder != null);
        Takeover takeover = killAndAwaitTakeover(fleet, holder, lease);
        RestClient survivor = takeover.survivor();
        String state = until(() -> {
            String s = field(survivor, "/search/migrations/" + id, "state");
            return "BACKFILLED".equals(s) ? s : null;
        }, 180_000);
        writer.stop();
        assertEquals("the backfill finishes on another node", "BACKFILLED", state);
        // writes acknowledged during the kill may wait in the outbox until another node applies them: validate until every
        // tenant passes (or the time runs out and the last verdicts are asserted)
        String[] last = {null};
        until(() -> {
            try {
                last[0] = survivor.expect(200, "POST", "/search/migrations/" + id + "/validate", "{\"tenants\":[]}");
            } catch (Exception | AssertionError e) {
                return null;
            }
            return last[0].contains("\"validation\":\"FAILED\"") || last[0].contains("\"validation\":\"NONE\"") ? null : last[0];
        }, 120_000);
        String validated = last[0];
        System.out.printf("search backfill: node %s killed while copying, taken over by %s; %d dual-writes acknowledged; %s%n",
                holder, takeover.next(), writer.acked().size(), validated);
        assertTrue("validated", validated != null);
        for (String t : tenants) {
            Matcher m = Pattern.compile("\\{[^{}]*\"tenant\":\"" + t + "\"[^{}]*}").matcher(validated);
            assertTrue("tenant " + t + " in " + validated, m.find());
            String progress = m.group();
            assertEquals("tenant " + t + " validated (same ids, versions and hash on both layouts): " + progress + "; waiting in the"
                    + " outbox: " + body(survivor, "/search/collections/takeover/outbox?limit=3"), "PASSED", RestClient.string(progress, "validation"));
            long expected = perTenant + (t.equals("ta") ? writer.acked().size() : 0);
            long copied = RestClient.number(progress, "targetCount");
            assertTrue("tenant " + t + ": " + copied + " documents on the new layout, at least " + expected, copied >= expected);
        }
        survivor.expect(200, "POST", "/search/migrations/" + id + "/cancel", "{}");
    }

    /** A node killed while it held a lease, the node that took the lease over, and one that answers. */
    private record Takeover(int victim, String next, long movedMillis, RestClient survivor) {
    }

    /**
     * Kills the node {@code holder} with SIGKILL, waits for another node to take {@code lease} over, then starts the
     * killed node again in the background (also when the takeover fails), so its boot overlaps the rest of the work on
     * the new holder; {@link #rejoin} waits for it after each test, so the shared fleet is left as it was found.
     */
    private Takeover killAndAwaitTakeover(LocalFleet fleet, String holder, String lease) throws Exception {
        int victim = indexOf(fleet, holder);
        RestClient survivor = new RestClient(fleet.node((victim + 1) % fleet.nodes().size()).karaf().baseUrl());
        String held = leaseRow(survivor, lease);
        long epoch = held == null ? 0 : RestClient.number(held, "epoch");
        long killedAt = System.currentTimeMillis();
        fleet.kill(victim);
        try {
            // a later epoch taken by another node, held still or already released: a short piece of work left can be
            // finished (and its lease released) between two looks
            String next = until(() -> {
                String row = leaseRow(survivor, lease);
                return row != null && RestClient.number(row, "epoch") > epoch && !holder.equals(RestClient.string(row, "node"))
                        ? RestClient.string(row, "node") : null;
            }, 60_000);
            if (next == null) {
                dumpThreads(fleet, victim);
            }
            assertTrue("another node takes the lease " + lease + " over", next != null);
            return new Takeover(victim, next, System.currentTimeMillis() - killedAt, survivor);
        } finally {
            restarting = CompletableFuture.runAsync(() -> {
                try {
                    fleet.restart(victim);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            restarted = fleet.node(victim).id();
        }
    }

    private CompletableFuture<Void> restarting;
    private String restarted;

    /** The node a test killed is back and UP behind the balancer before the next test (pass or fail). */
    @After
    public void rejoin() throws Exception {
        if (restarting != null) {
            restarting.get();
            assertTrue("the killed node rejoins", TestFleet.get().balancer().orElseThrow().awaitState(restarted, "UP",
                    Duration.ofSeconds(60)));
        }
    }

    /** What the surviving nodes' threads were doing when no takeover came (for the failure's report). */
    private static void dumpThreads(LocalFleet fleet, int victim) {
        for (int i = 0; i < fleet.nodes().size(); i++) {
            if (i == victim) {
                continue;
            }
            fleet.node(i).karaf().jvm().ifPresent(p -> {
                try {
                    Process jcmd = new ProcessBuilder("jcmd", Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
                    String dump = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    System.out.println("threads of node pid " + p.pid() + ":\n" + dump);
                } catch (java.io.IOException e) {
                    System.out.println("no thread dump of " + p.pid() + ": " + e);
                }
            });
        }
    }

    /** A client writing in a loop (write i for i = 0, 1, ...) that counts what was acknowledged. */
    private static final class Writer {
        interface Write {
            boolean acknowledged(long i) throws Exception;
        }

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<Long> acked = new ConcurrentLinkedQueue<>();
        private final AtomicLong attempts = new AtomicLong();
        private Thread thread;

        static Writer start(String name, long pauseMillis, Write write) {
            Writer w = new Writer();
            w.thread = new Thread(() -> {
                for (long i = 0; w.running.get(); i++) {
                    w.attempts.incrementAndGet();
                    try {
                        if (write.acknowledged(i)) {
                            w.acked.add(i);
                        }
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // in flight on the killed node: outcome unknown, never counted as acknowledged
                    }
                }
            }, name);
            w.thread.start();
            return w;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        List<Long> acked() {
            return new ArrayList<>(acked);
        }

        long attempts() {
            return attempts.get();
        }
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

    /** A string field of the document at {@code path} as the node answers, or null. */
    private static String field(RestClient node, String path, String name) {
        String body = body(node, path);
        try {
            return body == null ? null : RestClient.string(body, name);
        } catch (AssertionError e) {
            return null;
        }
    }

    private static String body(RestClient node, String path) {
        try {
            return node.expect(200, "GET", path, null);
        } catch (Exception | AssertionError e) {
            return null; // the node is going away or not there yet
        }
    }

    /** The node holding {@code lease} as the node answers, or null. */
    /** The node holding the lease now, or null. */
    private static String holder(RestClient node, String lease) {
        String row = leaseRow(node, lease);
        return row != null && !row.contains("\"expired\":true") ? RestClient.string(row, "node") : null;
    }

    /** The lease's row as the node lists it (its last holder, epoch and whether it expired), or null. */
    private static String leaseRow(RestClient node, String lease) {
        try {
            Matcher m = LEASE.matcher(node.expect(200, "GET", "/fleet?leases=" + lease, null));
            while (m.find()) {
                if (m.group(1).equals(lease)) {
                    return m.group();
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
