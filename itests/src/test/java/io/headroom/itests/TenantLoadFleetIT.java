package io.headroom.itests;

import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.LocalFleet;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.Test;

/**
 * The tenant load ledger and tenant limits on three nodes: load one node served is shown by every node, and a limit set
 * on one node is in force on another (within the limits' refresh interval; bench territory, not measured here).
 */
public class TenantLoadFleetIT {

    @Test
    public void everyNodeShowsTheFleetsLoadAndAppliesALimitSetOnAnother() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        String token = "Bearer " + string(nodes.get(0).expect(201, "POST", "/tokens", "{\"name\":\"fleetload\",\"tenant\":\"fleetload\"}"), "token");
        try {
            for (int i = 0; i < 30; i++) {
                nodes.get(0).expect(200, "GET", "/load/tenants/fleetload", token, null);
            }
            assertTrue("a node that served none of it shows the tenant's REST load", eventually(() -> {
                try {
                    String view = nodes.get(2).expect(200, "GET", "/load/tenants/fleetload", null);
                    return view.contains("\"layer\":\"rest.requests\"") && view.contains("\"layer\":\"rest.requests/load\"");
                } catch (Exception e) {
                    return false;
                }
            }));

            nodes.get(1).expect(200, "PUT", "/load/limits/fleetload", "{\"restRps\":0,\"expires\":\"5m\"}");
            assertTrue("the limit is in force on another node", eventually(() -> {
                try {
                    return nodes.get(2).call("GET", "/load/tenants/fleetload", token, null).statusCode() == 429;
                } catch (Exception e) {
                    return false;
                }
            }));
            assertEquals("an operator still gets through", 200, nodes.get(2).call("GET", "/load/tenants/fleetload", RestClient.OPERATOR, null)
                    .statusCode());
        } finally {
            nodes.get(0).call("DELETE", "/load/limits/fleetload", RestClient.OPERATOR, null);
        }
        assertTrue("lifted everywhere", eventually(() -> {
            try {
                return nodes.get(2).call("GET", "/load/tenants/fleetload", token, null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }));
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
