package io.headroom.itests;

import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.Haproxy;
import io.headroom.fixtures.LocalFleet;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Three nodes on one control schema behind HAProxy: platform state changed through one node is what every node
 * serves, and losing a node costs only the requests that were in flight on it.
 */
public class FleetIT {

    @Test
    public void tokensAndFlagsChangedOnOneNodeApplyOnEveryNode() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        String created = nodes.get(0).expect(201, "POST", "/tokens", "{\"name\":\"fleet-check\",\"tenant\":\"acme\"}");
        String token = "Bearer " + string(created, "token");
        String id = string(created, "id");
        for (RestClient node : nodes) {
            assertTrue("a token made on node-1 is accepted by " + node,
                    eventually(() -> status(node, "GET", "/example/tenants/acme/greeting", token) == 200));
            assertEquals("and still confined to its tenant", 403, status(node, "GET", "/example/tenants/globex/greeting", token));
        }
        nodes.get(2).expect(204, "DELETE", "/tokens/" + id, null);
        for (RestClient node : nodes) {
            assertTrue("a token revoked on node-3 is refused by " + node,
                    eventually(() -> status(node, "GET", "/example/tenants/acme/greeting", token) == 401));
        }
        nodes.get(1).expect(200, "PUT", "/flags/fleet.check", "{\"percentage\":50,\"allow\":[\"acme\"]}");
        for (RestClient node : nodes) {
            assertTrue("a flag set on node-2 is served by " + node, eventually(() -> {
                try {
                    return node.call("GET", "/flags/fleet.check/tenants/acme", RestClient.OPERATOR, null).body().contains("true");
                } catch (Exception e) {
                    return false;
                }
            }));
        }
    }

    @Test
    public void aNodeKilledUnderLoadCostsAtMostTheRequestsInFlightOnIt() throws Exception {
        LocalFleet fleet = TestFleet.get();
        Haproxy lb = fleet.balancer().orElseThrow();
        RestClient client = new RestClient(fleet.url());
        int clients = 4;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> load = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = client.call("GET", "/example/tenants/acme/greeting", RestClient.OPERATOR, null);
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        try {
            assertTrue(eventually(() -> ok.get() > 200));
            fleet.kill(1);
            assertTrue("HAProxy takes the dead node out", lb.awaitState("node-2", "DOWN", Duration.ofSeconds(20)));
            int before = ok.get();
            assertTrue("the other nodes keep serving", eventually(() -> ok.get() > before + 200));
            fleet.restart(1);
            assertTrue("the node rejoins", lb.awaitState("node-2", "UP", Duration.ofSeconds(30)));
        } finally {
            running.set(false);
            for (Future<?> f : load) {
                f.get();
            }
            pool.shutdown();
        }
        System.out.printf("node killed under load through HAProxy: %d requests served, %d failed %s%n", ok.get(), failures.size(), failures);
        assertTrue("each client has at most one request in flight, so at most " + clients + " can fail: " + failures,
                failures.size() <= clients);
    }

    @Test
    public void aSchemaChangeReachesAShardRegisteredAMomentBeforeThroughAnotherNode() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        String url = ShardServers.get(2).get(0).jdbcUrl("fleet_late_shard");
        // the fleet's sharded schema names orders (shardedTables): a joining shard has it
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, v INT NOT NULL,"
                    + " PRIMARY KEY (tenant_id, id))");
        }
        nodes.get(0).expect(201, "POST", "/sharding/shards", "{\"name\":\"fleet-late\",\"url\":\"" + url.replace("&", "\\u0026")
                + "\",\"keyRange\":null}");
        // at once, through another node: whichever node runs the change must see the shard its cache may not have yet
        int version = 1 + Pattern.compile("\"version\":(\\d+)").matcher(nodes.get(1).expect(200, "GET", "/sharding/schema", null))
                .results().mapToInt(r -> Integer.parseInt(r.group(1))).max().orElse(0);
        String table = "fleet_late_" + version;
        nodes.get(1).expect(202, "POST", "/sharding/schema", "{\"version\":" + version + ",\"ddl\":\"CREATE TABLE " + table
                + " (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))\"}");
        assertTrue("the change finished", eventually(() -> {
            try {
                return "DONE".equals(string(nodes.get(2).expect(200, "GET", "/sharding/schema/" + version, null), "state"));
            } catch (Exception e) {
                return false;
            }
        }));
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                     + " AND TABLE_NAME = '" + table + "'")) {
            r.next();
            assertEquals("the shard registered just before has the new table: "
                    + nodes.get(2).expect(200, "GET", "/sharding/schema/" + version, null), 1, r.getInt(1));
        }
    }

    private static int status(RestClient node, String method, String path, String auth) {
        try {
            return node.call(method, path, auth, null).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
