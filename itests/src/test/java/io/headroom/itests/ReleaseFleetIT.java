package io.headroom.itests;

import static io.headroom.itests.RestClient.number;
import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.LocalFleet;
import io.headroom.itests.broken.BrokenActivator;
import io.headroom.itests.broken.BrokenGreetingResource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * Releases across the three-node fleet: the example capability canary-first then fleet-wide under load with no failed
 * request; a node stopped during a release converges when it starts; a broken version paged and rolled back on every
 * node while a second release of it is refused; an upload with a wrong checksum refused with nothing stored; a flag
 * kill switch turned off for the paging tenant only.
 */
public class ReleaseFleetIT {
    private static final String UNIT = "io.headroom.example";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    public void releasesGoCanaryFirstFleetWideCatchUpAndRollBackEverywhere() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        Path original = exampleJar(fleet);
        String originalVersion = manifest(Files.readAllBytes(original)).getMainAttributes().getValue("Bundle-Version");
        byte[] r2 = withVersion(Files.readAllBytes(original), "0.1.0.r2");
        byte[] r3 = withVersion(Files.readAllBytes(original), "0.1.0.r3");
        int completedBefore = figure(lb, "completed");
        int rolledBackBefore = figure(lb, "rolledBack");

        // a wrong checksum is refused and nothing is kept
        HttpResponse<String> wrong = upload(fleet.url(), r2, sha256(r3));
        assertEquals(wrong.body(), 400, wrong.statusCode());
        assertTrue(wrong.body(), wrong.body().contains("checksum"));
        assertFalse("nothing stored", lb.expect(200, "GET", "/releases/artifacts", null).contains("0.1.0.r2"));
        assertEquals("nothing to release", 400, lb.call("POST", "/releases", RestClient.OPERATOR,
                "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r2\"}").statusCode());

        // canary first, then the whole fleet, under load through the balancer: no request fails
        assertEquals(201, upload(fleet.url(), r2, sha256(r2)).statusCode());
        String token = "Bearer " + string(lb.expect(201, "POST", "/tokens", "{\"name\":\"release-load\",\"tenant\":\"acme\"}"), "token");
        // a token made through one node reaches the others' caches within their refresh interval: wait for every node
        for (RestClient n : nodes) {
            assertTrue("every node knows the token", eventually(() -> n.call("GET", "/example/tenants/acme/greeting", token, null).statusCode() == 200));
        }
        LoadDriver load = new LoadDriver(fleet.url() + "/api/example/tenants/acme/greeting", token, 40);
        load.start();
        long r2Id;
        List<LoadDriver.Outcome> outcomes;
        try {
            Thread.sleep(1000);
            r2Id = number(lb.expect(201, "POST", "/releases",
                    "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r2\",\"canary\":1,\"steps\":\"100%\",\"watch\":\"3s\"}"), "id");
            assertTrue("the canary runs the new version and watches", eventually(() -> {
                String r = release(lb, r2Id);
                return r.contains("\"state\":\"watching\"") && r.contains("\"step\":0");
            }));
            assertEquals("one node on the new version during the canary step", 1, onVersion(release(lb, r2Id), "0.1.0.r2"));
            assertTrue("then every node", eventually(() -> release(lb, r2Id).contains("\"state\":\"completed\"")));
            Thread.sleep(1000);
        } finally {
            outcomes = load.stop();
        }
        System.out.println("release under load: " + outcomes.size() + " requests " + LoadDriver.summary(outcomes));
        assertTrue("load ran, sent " + outcomes.size(), outcomes.size() > 100);
        for (LoadDriver.Outcome o : outcomes) {
            assertTrue("a request failed: " + o, o.error() == null && (o.status() == 200 || o.status() == 503 && o.retryAfter()));
        }
        assertEveryNodeOn(lb, r2Id, "0.1.0.r2");
        assertTrue(lb.expect(200, "GET", "/releases/fleet", null).contains("\"version\":\"0.1.0.r2\""));

        // a node stopped during a release converges to it when it starts
        assertEquals(201, upload(fleet.url(), r3, sha256(r3)).statusCode());
        fleet.kill(2);
        try {
            Thread.sleep(4000); // past the fleet's liveness bound: node-3 is gone for the driver
            long r3Id = number(lb.expect(201, "POST", "/releases",
                    "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r3\",\"watch\":\"1s\"}"), "id");
            HttpResponse<String> named = lb.call("DELETE", "/releases/artifacts/" + sha256(r3), RestClient.OPERATOR, null);
            assertEquals("an artifact an active release names is kept: " + named.body(), 409, named.statusCode());
            assertTrue("completes on the live nodes", eventually(() -> release(lb, r3Id).contains("\"state\":\"completed\"")));
        } finally {
            fleet.restart(2); // returns once node-3 reports UP
        }
        // at once: node-3 reconciled before it reported UP (before, its report still said 0.1.0.r2)
        String returned = nodes.get(2).call("GET", "/releases/fleet", RestClient.OPERATOR, null).body();
        assertTrue("node-3 runs the fleet's version as it first reports UP: " + returned, runs(returned).stream().anyMatch(n ->
                n.contains("\"node\":\"node-3\"") && n.contains("\"unit\":\"" + UNIT + "\"")
                && n.contains("\"desired\":\"0.1.0.r3\"") && n.contains("\"running\":\"0.1.0.r3\"")));
        assertEquals("and reports ready", 200, nodes.get(2).call("GET", "/health/ready", RestClient.OPERATOR, null).statusCode());

        // a broken version: paged fleet-wide and rolled back on every node; a second release of it meanwhile refused
        lb.expect(200, "PUT", "/heartbeat/slos/example.greet", "{\"target\":0.99}");
        byte[] broken = brokenRelease("0.1.1.broken");
        assertEquals(201, upload(fleet.url(), broken, sha256(broken)).statusCode());
        long badId = number(lb.expect(201, "POST", "/releases",
                "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.1.broken\",\"watch\":\"5m\"}"), "id");
        HttpResponse<String> second = lb.call("POST", "/releases", RestClient.OPERATOR,
                "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r2\"}");
        assertEquals(second.body(), 409, second.statusCode());
        assertTrue("every node runs the broken version", eventually(() -> onVersion(release(lb, badId), "0.1.1.broken") == 3));
        long firstFailure = System.currentTimeMillis();
        for (int i = 0; i < 40; i++) {
            lb.call("POST", "/example/tenants/t" + (i % 4) + "/greeting", RestClient.OPERATOR, "{\"message\":\"hi\"}");
        }
        assertTrue("rolled back within 60 s of the first failures", eventually(() -> {
            String r = release(lb, badId);
            return r.contains("\"state\":\"rolled_back\"");
        }, 60_000));
        System.out.println("broken release rolled back on every node " + (System.currentTimeMillis() - firstFailure)
                + " ms after its first failures");
        String bad = release(lb, badId);
        // the platform's page, or the quorum of four paging tenants, whichever the guard saw first
        assertTrue(bad, bad.contains("example.greet") && (bad.contains("platform-wide page") || bad.contains("tenants")));
        assertEveryNodeOn(lb, badId, "0.1.0.r3");
        assertEquals(200, lb.call("GET", "/example/tenants/acme/greeting", token, null).statusCode());
        assertTrue("the rollback is audited", eventually(() ->
                lb.expect(200, "GET", "/audit?action=release:rollback", null).contains("release " + badId)));
        // counted from this test's start: other tests of this class release the example too
        assertEquals("two completed", completedBefore + 2, figure(lb, "completed"));
        assertEquals("one rolled back", rolledBackBefore + 1, figure(lb, "rolledBack"));
        assertTrue(lb.expect(200, "GET", "/metrics", null).contains("headroom_release_change_failure_ratio"));
        String console = lb.expect(200, "GET", "/console", null);
        assertTrue("the console shows the release and its decision", console.contains("panel-releases") && console.contains("rolled_back"));

        // the page resolves once greetings succeed again (so it cannot decide the releases below)
        for (int i = 0; i < 4; i++) {
            lb.expect(202, "POST", "/heartbeat/events", events("t" + i, "example.greet", true, 1000));
        }
        assertTrue("the page resolves", eventually(() -> runs(lb.expect(200, "GET", "/heartbeat/alerts?limit=500", null)).stream()
                .noneMatch(a -> a.contains("\"job\":\"example.greet\"") && a.contains("\"resolvedAt\":null"))));

        // an operator pauses, resumes and aborts a release: every node back on the previous version
        long held = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.0.r2\","
                + "\"canary\":1,\"watch\":\"1h\"}"), "id");
        assertTrue(lb.expect(200, "POST", "/releases/" + held + "/pause", null).contains("\"state\":\"paused\""));
        assertEquals("a paused release cannot be paused again", 409,
                lb.call("POST", "/releases/" + held + "/pause", RestClient.OPERATOR, null).statusCode());
        assertTrue(lb.expect(200, "POST", "/releases/" + held + "/resume", null).contains("\"state\":\"rolling\""));
        assertTrue("the canary runs it", eventually(() -> onVersion(release(lb, held), "0.1.0.r2") == 1));
        assertTrue(lb.expect(200, "POST", "/releases/" + held + "/abort", null).contains("aborted by karaf"));
        assertTrue("aborted: every node back", eventually(() -> release(lb, held).contains("\"state\":\"rolled_back\"")));
        assertEveryNodeOn(lb, held, "0.1.0.r3");
        assertEquals(409, lb.call("POST", "/releases/" + held + "/resume", RestClient.OPERATOR, null).statusCode());

        // leave the fleet as found: the distribution's own version of the example
        long back = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + UNIT + "\",\"version\":\"" + originalVersion
                + "\",\"source\":\"" + location(original) + "\",\"watch\":\"1s\"}"), "id");
        assertTrue(eventually(() -> release(lb, back).contains("\"state\":\"completed\"")));

        // artifacts no active release and no desired state name can go; the shell lists them
        assertTrue(shell(fleet.node(1), "release:artifacts").contains(sha256(broken)));
        assertTrue(shell(fleet.node(1), "release:artifact-delete " + sha256(broken)).contains("deleted"));
        assertEquals(204, lb.call("DELETE", "/releases/artifacts/" + sha256(r2), RestClient.OPERATOR, null).statusCode());
        assertEquals("gone", 404, lb.call("DELETE", "/releases/artifacts/" + sha256(r2), RestClient.OPERATOR, null).statusCode());
        String left = lb.expect(200, "GET", "/releases/artifacts", null);
        assertFalse(left, left.contains(sha256(r2)) || left.contains(sha256(broken)));
    }

    @Test
    public void aPageOnAGuardedJobSwitchesTheFlagOffForThatTenant() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        lb.expect(200, "PUT", "/flags/ks.checkout", "{\"percentage\":100}");
        lb.expect(200, "PUT", "/releases/kill-switches/ks.checkout", "{\"jobs\":[\"ks.pay\"],\"scope\":\"tenant\"}");
        lb.expect(200, "PUT", "/heartbeat/slos/ks.pay", "{\"target\":0.99}");
        try {
            assertTrue("the flag is on for both on every node first", flagOnEverywhere(fleet, "ks.checkout", "ks-bad", "ks-good"));
            // one tenant fails; the platform as a whole stays within budget (many successes elsewhere)
            // to one node, so the successes and failures reach the fleet's sums in the same flush
            RestClient one = new RestClient(fleet.node(0).karaf().baseUrl());
            one.expect(202, "POST", "/heartbeat/events", events("ks-good", "ks.pay", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("ks-good", "ks.pay", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("ks-bad", "ks.pay", false, 20));
            assertTrue("the flag is off for the paging tenant", eventually(() ->
                    lb.call("GET", "/flags/ks.checkout/tenants/ks-bad", RestClient.OPERATOR, null).body().contains("\"enabled\":false")));
            assertTrue("and on for the others", lb.expect(200, "GET", "/flags/ks.checkout/tenants/ks-good", null).contains("\"enabled\":true"));
            String switches = lb.expect(200, "GET", "/releases/kill-switches", null);
            assertTrue(switches, switches.contains("switched off for tenant ks-bad"));
            assertTrue("the kill switch's action is audited", eventually(() ->
                    lb.expect(200, "GET", "/audit?action=flag:kill-switch", null).contains("ks-bad")));
        } finally {
            lb.call("DELETE", "/releases/kill-switches/ks.checkout", RestClient.OPERATOR, null);
            lb.call("DELETE", "/flags/ks.checkout", RestClient.OPERATOR, null);
            lb.call("DELETE", "/heartbeat/slos/ks.pay", RestClient.OPERATOR, null);
        }
    }

    @Test
    public void aKillSwitchOfScopeEveryoneSetFromTheShellSwitchesTheFlagOffForAll() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        lb.expect(200, "PUT", "/flags/ks2.checkout", "{\"percentage\":100}");
        lb.expect(200, "PUT", "/heartbeat/slos/ks2.pay", "{\"target\":0.99}");
        try {
            String set = shell(fleet.node(2), "release:kill-switch --everyone ks2.checkout ks2.pay");
            assertTrue(set, set.contains("for everyone"));
            assertTrue(shell(fleet.node(0), "release:kill-switches").contains("everyone"));
            assertTrue("the flag is on for both on every node first", flagOnEverywhere(fleet, "ks2.checkout", "ks2-bad", "ks2-good"));
            lb.expect(202, "POST", "/heartbeat/events", events("ks2-good", "ks2.pay", true, 1000));
            lb.expect(202, "POST", "/heartbeat/events", events("ks2-good", "ks2.pay", true, 1000));
            lb.expect(202, "POST", "/heartbeat/events", events("ks2-bad", "ks2.pay", false, 20));
            assertTrue("one tenant's page switches the flag off for everyone", eventually(() ->
                    lb.call("GET", "/flags/ks2.checkout/tenants/ks2-good", RestClient.OPERATOR, null).body().contains("\"enabled\":false")));
            // through another node the flag change arrives within that node's refresh
            assertTrue("and for the paging tenant too", eventually(() ->
                    lb.call("GET", "/flags/ks2.checkout/tenants/ks2-bad", RestClient.OPERATOR, null).body().contains("\"enabled\":false")));
            assertTrue(lb.expect(200, "GET", "/releases/kill-switches", null).contains("switched off for everyone"));
            assertTrue(shell(fleet.node(1), "release:kill-switch --delete ks2.checkout").contains("deleted"));
        } finally {
            lb.call("DELETE", "/releases/kill-switches/ks2.checkout", RestClient.OPERATOR, null);
            lb.call("DELETE", "/flags/ks2.checkout", RestClient.OPERATOR, null);
            lb.call("DELETE", "/heartbeat/slos/ks2.pay", RestClient.OPERATOR, null);
        }
    }

    /**
     * A Karaf feature released across the fleet from a features repository every node reads: its first release,
     * promoted from the shell, aborted from the shell, puts each node back on what it ran before (node-2 had 1.0.0,
     * the others none); released again it completes; then the fleet-wide rollback rule decides: a page for a
     * critical tenant alone rolls a version back, and so do pages of two tenants with the quorum set to 2.
     */
    @Test
    public void aFeatureIsReleasedPromotedAbortedToEachNodesOwnVersionAndGuardedByTheFleetsRule() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        String unit = "feature:headroom-relfeature";
        Path dir = Files.createDirectories(Path.of("target", "relfeature-" + ProcessHandle.current().pid()).toAbsolutePath());
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<features name=\"headroom-relfeature\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">\n");
        Map<String, String> jobs = Map.of("1.0.0", "rf.none", "2.0.0", "rf.none", "3.0.0", "rf.crit", "3.0.1", "rf.quorum");
        for (String v : List.of("1.0.0", "2.0.0", "3.0.0", "3.0.1")) {
            Path jar = dir.resolve("relfeature-" + v + ".jar");
            Files.write(jar, HeadroomTestSupport.bundleJar(Map.of("Bundle-SymbolicName", "io.headroom.itests.relfeature",
                    "Bundle-Version", v, "Headroom-Jobs", jobs.get(v))));
            xml.append("  <feature name=\"headroom-relfeature\" version=\"").append(v).append("\"><bundle>")
                    .append(jar.toUri()).append("</bundle></feature>\n");
        }
        Path repo = dir.resolve("features.xml");
        Files.writeString(repo, xml.append("</features>\n").toString());
        String source = repo.toUri().toString();

        // node-2 runs 1.0.0 before the fleet manages the feature; node-1 and node-3 run none
        String installed = shell(fleet.node(1), "feature:repo-add " + source + "\nfeature:install headroom-relfeature/1.0.0\nfeature:list -i");
        assertTrue(installed, installed.contains("headroom-relfeature"));
        assertEquals("a feature version not in the repository is refused", 400, lb.call("POST", "/releases", RestClient.OPERATOR,
                "{\"unit\":\"" + unit + "\",\"version\":\"9.0.0\",\"source\":\"" + source + "\"}").statusCode());
        long first = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + unit + "\",\"version\":\"2.0.0\",\"source\":\""
                + source + "\",\"canary\":1,\"watch\":\"1h\"}"), "id");
        assertTrue("the canary runs 2.0.0", eventually(() -> onVersion(release(lb, first), "2.0.0") == 1
                && release(lb, first).contains("\"state\":\"watching\"")));
        String status = shell(fleet.node(0), "release:status " + first);
        assertTrue(status, status.contains("2.0.0") && status.contains("node-"));
        String promoted = shell(fleet.node(0), "release:promote " + first);
        assertTrue(promoted, promoted.contains("promoted to the whole fleet"));
        assertTrue("promoted: every node runs it, watched at the last step", eventually(() -> {
            String r = release(lb, first);
            return onVersion(r, "2.0.0") == 3 && r.contains("\"state\":\"watching\"") && r.contains("\"step\":1");
        }));
        String aborted = shell(fleet.node(2), "release:abort " + first);
        assertTrue(aborted, aborted.contains("aborted by"));
        assertTrue("rolled back", eventually(() -> release(lb, first).contains("\"state\":\"rolled_back\"")));
        assertTrue("each node runs what it ran before", eventually(() -> {
            String r = release(lb, first);
            return onVersion(r, "1.0.0") == 1 && onVersion(r, "") == 2
                    && runs(r).stream().anyMatch(n -> n.contains("\"node\":\"node-2\"") && n.contains("\"running\":\"1.0.0\""));
        }));
        assertFalse("node-3 runs none of it", shell(fleet.node(2), "feature:list -i").contains("headroom-relfeature"));

        // released again, it completes everywhere
        long second = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + unit + "\",\"version\":\"2.0.0\",\"source\":\""
                + source + "\",\"watch\":\"1s\"}"), "id");
        assertTrue(eventually(() -> release(lb, second).contains("\"state\":\"completed\"")));
        assertEveryNodeOn(lb, second, "2.0.0");

        // the rollback rule is the fleet's: set on one node, read the same on every node
        lb.expect(200, "PUT", "/heartbeat/guard", "{\"tenantQuorum\":2,\"criticalTenants\":[\"rf-vip\"]}");
        assertEquals(400, lb.call("PUT", "/heartbeat/guard", RestClient.OPERATOR, "{\"tenantQuorum\":0}").statusCode());
        for (LocalFleet.Node n : fleet.nodes()) {
            String g = new RestClient(n.karaf().baseUrl()).expect(200, "GET", "/heartbeat/guard", null);
            assertTrue(n.id() + ": " + g, g.contains("\"tenantQuorum\":2") && g.contains("rf-vip"));
        }
        assertTrue(shell(fleet.node(2), "heartbeat:guard").contains("tenant quorum 2"));
        lb.expect(200, "PUT", "/heartbeat/slos/rf.crit", "{\"target\":0.99}");
        lb.expect(200, "PUT", "/heartbeat/slos/rf.quorum", "{\"target\":0.99}");
        try {
            // a critical tenant's page alone: the platform stays within budget
            long crit = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + unit + "\",\"version\":\"3.0.0\",\"source\":\""
                    + source + "\",\"watch\":\"1h\"}"), "id");
            assertTrue(eventually(() -> onVersion(release(lb, crit), "3.0.0") == 3));
            // to one node, so the successes and failures reach the fleet's sums in the same flush
            RestClient one = new RestClient(fleet.node(0).karaf().baseUrl());
            one.expect(202, "POST", "/heartbeat/events", events("rf-good", "rf.crit", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("rf-good", "rf.crit", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("rf-vip", "rf.crit", false, 20));
            assertTrue("a critical tenant's page rolls back", eventually(() -> release(lb, crit).contains("\"state\":\"rolled_back\"")));
            String c = release(lb, crit);
            assertTrue(c, c.contains("critical tenant rf-vip"));
            assertEquals(3, onVersion(c, "2.0.0"));

            // pages of two ordinary tenants meet the quorum of 2
            long quorum = number(lb.expect(201, "POST", "/releases", "{\"unit\":\"" + unit + "\",\"version\":\"3.0.1\",\"source\":\""
                    + source + "\",\"watch\":\"1h\"}"), "id");
            assertTrue(eventually(() -> onVersion(release(lb, quorum), "3.0.1") == 3));
            one.expect(202, "POST", "/heartbeat/events", events("rf-good", "rf.quorum", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("rf-good", "rf.quorum", true, 1000));
            one.expect(202, "POST", "/heartbeat/events", events("rf-t1", "rf.quorum", false, 20));
            one.expect(202, "POST", "/heartbeat/events", events("rf-t2", "rf.quorum", false, 20));
            assertTrue("two tenants' pages roll back", eventually(() -> release(lb, quorum).contains("\"state\":\"rolled_back\"")));
            String q = release(lb, quorum);
            assertTrue(q, q.contains("quorum 2") && q.contains("rf-t1") && q.contains("rf-t2"));
            assertTrue(lb.expect(200, "GET", "/audit?action=heartbeat:guard", null).contains("quorum 2"));
        } finally {
            lb.call("PUT", "/heartbeat/guard", RestClient.OPERATOR, "{\"tenantQuorum\":3,\"criticalTenants\":[]}");
            lb.call("DELETE", "/heartbeat/slos/rf.crit", RestClient.OPERATOR, null);
            lb.call("DELETE", "/heartbeat/slos/rf.quorum", RestClient.OPERATOR, null);
        }
    }

    /**
     * A release started from the Karaf shell with {@code --steps 1,50%,100%} widens one step at a time on the three
     * nodes: one node, then two, then all three, each step watched before the next; never more nodes on the new version
     * than the step allows. Uploaded from the shell too, and the fleet put back from the shell.
     */
    @Test
    public void aReleaseStartedFromTheShellWidensOneStepAtATime() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        Path original = exampleJar(fleet);
        String originalVersion = manifest(Files.readAllBytes(original)).getMainAttributes().getValue("Bundle-Version");
        byte[] s1 = withVersion(Files.readAllBytes(original), "0.1.0.s1");
        Path jar = Files.createDirectories(Path.of("target", "release-shell-" + ProcessHandle.current().pid()).toAbsolutePath())
                .resolve("example-s1.jar");
        Files.write(jar, s1);
        String uploaded = shell(fleet.node(0), "release:upload " + jar + " " + sha256(s1));
        assertTrue(uploaded, uploaded.contains(sha256(s1)) && uploaded.contains("0.1.0.s1"));

        // options before the arguments (Karaf's shell reads no option after the first argument), the steps quoted
        // (unquoted, the shell reads 1,50%,100% as an expression and refuses it)
        String started = shell(fleet.node(1), "release:start --steps '1,50%,100%' --watch 5s " + UNIT + " 0.1.0.s1");
        Matcher m = Pattern.compile("release (\\d+): " + Pattern.quote(UNIT) + " \\S+ -> 0\\.1\\.0\\.s1, steps 1,50%,100%, watch 5 s")
                .matcher(started);
        assertTrue(started, m.find());
        long id = Long.parseLong(m.group(1));
        int[] allowed = {1, 2, 3}; // 1, then 50 % of three rounded up, then all
        long deadline = System.currentTimeMillis() + 180_000;
        int observations = 0;
        while (true) {
            String r = release(lb, id);
            if (!r.isEmpty()) {
                observations++;
                String state = string(r, "state");
                int step = (int) number(r, "step");
                int on = onVersion(r, "0.1.0.s1");
                if (on > allowed[step]) {
                    // the release's row is read before the nodes' reports: the driver may have widened in between
                    String again = release(lb, id);
                    assertTrue("never more nodes than the step allows: " + r + "\nthen " + again,
                            (int) number(again, "step") > step && on <= allowed[(int) number(again, "step")]);
                }
                if (state.equals("completed")) {
                    break;
                }
                assertTrue("nothing stops it: " + r, state.equals("rolling") || state.equals("watching"));
            }
            assertTrue("completes within 180 s", System.currentTimeMillis() < deadline);
            Thread.sleep(200);
        }
        System.out.println("shell release " + id + " observed " + observations + " times until completed");
        assertEquals(3, onVersion(release(lb, id), "0.1.0.s1"));
        // each step was watched with exactly its nodes on the new version, in order (the driver's decisions, audited)
        String watches = lb.expect(200, "GET", "/audit?action=release:watch&limit=500", null);
        for (int step = 0; step < 3; step++) {
            String decided = "release " + id + " step " + (step + 1) + "/3: " + allowed[step] + " of 3 live nodes run 0.1.0.s1; watching";
            assertTrue(decided + " in " + watches, watches.contains(decided));
        }
        String widened = lb.expect(200, "GET", "/audit?action=release:step&limit=500", null);
        for (int step = 0; step < 3; step++) {
            assertTrue("step " + (step + 1) + " adds one node: " + widened, Pattern.compile("release " + id + " step " + (step + 1)
                    + "/3: \\[node-[1-3]\\] get 0\\.1\\.0\\.s1").matcher(widened).find());
        }
        String status = shell(fleet.node(2), "release:status " + id);
        assertTrue(status, status.contains("completed") && status.contains("(1,50%,100%)"));

        // back to the distribution's version from the shell; the uploaded artifact can go then
        String back = shell(fleet.node(0), "release:start --source " + location(original) + " --watch 1s " + UNIT + " " + originalVersion);
        Matcher b = Pattern.compile("release (\\d+):").matcher(back);
        assertTrue(back, b.find());
        long backId = Long.parseLong(b.group(1));
        assertTrue(eventually(() -> release(lb, backId).contains("\"state\":\"completed\"")));
        assertEveryNodeOn(lb, backId, originalVersion);
        assertTrue(shell(fleet.node(0), "release:artifact-delete " + sha256(s1)).contains("deleted"));
    }

    /**
     * A node that is down while a release is rolled back returns on the rolled-back version: a broken version of the
     * example (every greeting fails) runs on all three nodes, node-3 is killed, the greetings' failures page and the
     * release is rolled back on the two live nodes; node-3 started again runs the previous version by the time it
     * first reports UP (its own report, its greetings, its bundle).
     */
    @Test
    public void aNodeDownDuringARollbackReturnsOnThePreviousVersion() throws Exception {
        LocalFleet fleet = TestFleet.get();
        RestClient lb = new RestClient(fleet.url());
        RestClient node3 = new RestClient(fleet.node(2).karaf().baseUrl());
        lb.expect(200, "PUT", "/heartbeat/slos/example.greet", "{\"target\":0.99}");
        byte[] broken = brokenRelease("0.1.2.broken");
        assertEquals(201, upload(fleet.url(), broken, sha256(broken)).statusCode());
        String started = lb.expect(201, "POST", "/releases", "{\"unit\":\"" + UNIT + "\",\"version\":\"0.1.2.broken\",\"watch\":\"5m\"}");
        long id = number(started, "id");
        String previous = string(started, "fromVersion");
        assertTrue("every node runs the broken version", eventually(() -> onVersion(release(lb, id), "0.1.2.broken") == 3));
        assertTrue("node-3's greetings fail too", eventually(() ->
                node3.call("GET", "/example/tenants/acme/greeting", RestClient.OPERATOR, null).statusCode() == 500));

        fleet.kill(2);
        try {
            Thread.sleep(4000); // past the fleet's liveness bound: node-3 is gone for the driver
            // tenants of this test only (another test's successes for its tenants must not dilute these pages);
            // ten broken greetings each from the live nodes (the balancer may still send some to node-3 at first)
            int[] failed = new int[4];
            for (int i = 0; i < 200 && Arrays.stream(failed).min().getAsInt() < 10; i++) {
                if (lb.call("POST", "/example/tenants/rb" + (i % 4) + "/greeting", RestClient.OPERATOR, "{\"message\":\"hi\"}")
                        .statusCode() == 500) {
                    failed[i % 4]++;
                }
            }
            assertTrue("the broken version answers 500: " + Arrays.toString(failed), Arrays.stream(failed).min().getAsInt() >= 10);
            assertTrue("rolled back on the live nodes while node-3 is down", eventually(() ->
                    release(lb, id).contains("\"state\":\"rolled_back\""), 60_000));
            String r = release(lb, id);
            assertEquals(r, 2, onVersion(r, previous));
            assertTrue(r, runs(r).stream().anyMatch(n -> n.contains("\"node\":\"node-3\"") && n.contains("\"live\":false")
                    && n.contains("\"running\":\"0.1.2.broken\"")));
        } finally {
            fleet.restart(2); // returns once node-3 reports UP
        }
        // at once, as it first reports UP: its own report (written by this boot), its greetings, its bundle
        String fleetState = node3.expect(200, "GET", "/releases/fleet", null);
        String mine = runs(fleetState).stream().filter(n -> n.contains("\"node\":\"node-3\"") && n.contains("\"unit\":\"" + UNIT + "\""))
                .findFirst().orElseThrow(() -> new AssertionError(fleetState));
        assertTrue("node-3 reports the rolled-back version: " + mine, mine.contains("\"desired\":\"" + previous + "\"")
                && mine.contains("\"running\":\"" + previous + "\"") && mine.contains("\"detail\":\"\""));
        assertEquals("node-3 greets again (a broken greeting answers 500)", 200, servedStatus(node3, "/example/tenants/acme/greeting"));
        String bundles = shell(fleet.node(2), "bundle:list -s -t 0");
        String line = bundles.lines().filter(l -> l.trim().endsWith(" " + UNIT)).findFirst().orElseThrow(() -> new AssertionError(bundles));
        assertTrue(line, line.contains(previous) && line.contains("Active"));
        assertTrue("every node runs the previous version, node-3 live again", eventually(() -> onVersion(release(lb, id), previous) == 3));

        // the page resolves once greetings succeed again (so it cannot decide later releases); the artifact goes
        for (int i = 0; i < 4; i++) {
            lb.expect(202, "POST", "/heartbeat/events", events("rb" + i, "example.greet", true, 1000));
        }
        assertTrue("the page resolves", eventually(() -> runs(lb.expect(200, "GET", "/heartbeat/alerts?limit=500", null)).stream()
                .noneMatch(a -> a.contains("\"job\":\"example.greet\"") && a.contains("\"resolvedAt\":null"))));
        assertEquals(204, lb.call("DELETE", "/releases/artifacts/" + sha256(broken), RestClient.OPERATOR, null).statusCode());
    }

    /** Whether every node sees the flag on for each tenant (each node reads flags from the control schema on its own). */
    private static boolean flagOnEverywhere(LocalFleet fleet, String flag, String... tenants) throws InterruptedException {
        return eventually(() -> {
            for (LocalFleet.Node n : fleet.nodes()) {
                for (String t : tenants) {
                    if (!new RestClient(n.karaf().baseUrl()).call("GET", "/flags/" + flag + "/tenants/" + t, RestClient.OPERATOR, null)
                            .body().contains("\"enabled\":true")) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    /** Runs shell commands (one a line) on a node through its SSH shell, as an operator does with bin/client. */
    private static String shell(LocalFleet.Node node, String commands) throws Exception {
        Process p = new ProcessBuilder(node.karaf().home().resolve("bin/client").toString(), "-a", String.valueOf(node.ports().ssh()),
                "-h", "127.0.0.1", "-u", "karaf", "-p", "karaf", "-b").redirectErrorStream(true).start();
        try (java.io.OutputStream in = p.getOutputStream()) {
            in.write((commands + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue("bin/client ends", p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        System.out.println("[" + node.id() + "] " + commands + "\n" + out);
        assertFalse(out, out.contains("Error executing command"));
        return out;
    }

    /** The status of a GET once the path is served (not 404 or 503 while a restarted bundle publishes it), within 30 s. */
    private static int servedStatus(RestClient node, String path) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            int status = node.call("GET", path, RestClient.OPERATOR, null).statusCode();
            if (status != 404 && status != 503 || System.currentTimeMillis() > deadline) {
                return status;
            }
            Thread.sleep(100);
        }
    }

    /** A delivery figure of the example over the last day (0 before its first release). */
    private static int figure(RestClient lb, String field) throws Exception {
        return runs(lb.expect(200, "GET", "/releases/figures?window=1d", null)).stream()
                .filter(f -> f.contains("\"unit\":\"" + UNIT + "\"")).mapToInt(f -> (int) number(f, field)).findFirst().orElse(0);
    }

    private static String events(String tenant, String job, boolean success, int n) {
        String one = "{\"tenant\":\"" + tenant + "\",\"job\":\"" + job + "\",\"success\":" + success
                + ",\"latencyMillis\":20,\"at\":\"" + Instant.now() + "\"}";
        return "[" + String.join(",", java.util.Collections.nCopies(n, one)) + "]";
    }

    private static String release(RestClient lb, long id) {
        try {
            return lb.expect(200, "GET", "/releases/" + id, null);
        } catch (Exception | AssertionError e) {
            return "";
        }
    }

    /** Live nodes that report running {@code version} in a release's JSON. */
    /**
     * Every one of the three nodes is live and runs the version, as the release reports them: eventually, since a node's
     * report of its version and its liveness comes on its own schedule, a moment after the release's state.
     */
    private static void assertEveryNodeOn(RestClient lb, long id, String version) throws InterruptedException {
        boolean all = eventually(() -> onVersion(release(lb, id), version) == 3);
        assertTrue("every node runs " + version + ": " + release(lb, id), all);
    }

    private static int onVersion(String release, String version) {
        return (int) runs(release).stream().filter(r -> r.contains("\"running\":\"" + version + "\"") && r.contains("\"live\":true")).count();
    }

    /** The innermost JSON objects of a document: the node runs of a release or of the fleet's state. */
    private static List<String> runs(String json) {
        Matcher m = Pattern.compile("\\{[^{}]*\\}").matcher(json);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    static HttpResponse<String> upload(String base, byte[] jar, String sha) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/releases/artifacts?sha256=" + sha))
                .header("Authorization", RestClient.OPERATOR).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jar)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The example capability's jar as the distribution ships it. */
    private static Path exampleJar(LocalFleet fleet) throws Exception {
        try (Stream<Path> s = Files.walk(fleet.node(0).karaf().home().resolve("system/io/headroom/headroom-example"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst().orElseThrow();
        }
    }

    private static String location(Path jar) {
        Path versionDir = jar.getParent();
        return "mvn:io.headroom/headroom-example/" + versionDir.getFileName();
    }

    private static Manifest manifest(byte[] jar) throws Exception {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            return in.getManifest();
        }
    }

    /** The same jar with another Bundle-Version. */
    private static byte[] withVersion(byte[] jar, String version) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream o = new JarOutputStream(out, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    o.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(o);
                    o.closeEntry();
                }
            }
        }
        return out.toByteArray();
    }

    private static byte[] brokenRelease(String version) throws Exception {
        return HeadroomTestSupport.bundleJar(Map.of("Bundle-SymbolicName", UNIT, "Bundle-Version", version,
                "Bundle-Activator", BrokenActivator.class.getName(),
                "Import-Package", "io.headroom.core.api,io.headroom.core.api.rest,io.headroom.core.api.signal,"
                        + "javax.ws.rs,javax.ws.rs.core,org.osgi.framework",
                "Headroom-Capability", "example", "Headroom-Jobs", "example.greet"),
                BrokenActivator.class, BrokenGreetingResource.class);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static boolean eventually(Check condition) throws InterruptedException {
        return eventually(condition, 90_000);
    }

    private static boolean eventually(Check condition, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            try {
                if (condition.ok()) {
                    return true;
                }
            } catch (Exception | AssertionError e) {
                // not yet
            }
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(250);
        }
    }
}
