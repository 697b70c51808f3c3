package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.Haproxy;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.helpdesk.client.HelpdeskClient;
import io.headroom.helpdesk.client.HelpdeskClient.Answer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * A shortened game day on the shared fleet (three nodes behind HAProxy): the helpdesk reference application
 * (examples/helpdesk) is hot-deployed into every node, a few tenants (one that will spike, large, small) load it
 * steadily through HAProxy with tenant tokens, and the platform goes through, in sequence: one tenant's spike; the
 * primary LLM vendor failing, then too slow (answers fail over to the second vendor); an online ALTER; the helpdesk's
 * search index migrated to a new layout (dual-write, backfill, validation, reads moved, old layout deleted); the first shard's
 * server switched over to its replica; the hottest tenant moved to another shard under its writes; a node killed with
 * SIGKILL (restarted in a finally). Clients behave as the README asks: they retry 429
 * and 5xx with the same ids. Checked: every acknowledged write is in the database exactly once; each tenant's search
 * results equal its database rows; each phase's fault was seen and handled, by counts (never by timings). The longer
 * version with figures and an HTML report is bench/gameday.sh (this class with {@code -Dgameday.seconds}).
 */
public class GameDayIT {
    /** Seconds of load in each timed phase (the bench runs it longer). */
    private static final int PHASE_SECONDS = Integer.getInteger("gameday.seconds", 6);
    private static final String SPIKE = "gd-spike";
    private static final List<String> LARGE = List.of("gd-large-1", "gd-large-2");
    /** Small tenants: three in the suite, 200 in the bench ({@code -Dgameday.small}). */
    private static final List<String> SMALL = java.util.stream.IntStream.rangeClosed(1, Integer.getInteger("gameday.small", 3))
            .mapToObj(i -> "gd-small-" + i).toList();
    private static final String HOT = "gd-large-1";
    private static final int VENDOR_TIMEOUT_MILLIS = 3000;
    private static final String BROKEN_VERSION = "0.1.0.gameday-broken";
    private static final Pattern HIT = Pattern.compile("\\{\"id\":\"([^\"]+)\"[^{}]*\"messages\":(\\d+)}");
    private static final Pattern ROW = Pattern.compile("\\[\"([^\"]+)\",(\\d+)]");

    @Test
    public void aShortGameDayLosesNothingAndEveryFaultIsHandled() throws Exception {
        LocalFleet fleet = TestFleet.get();
        Haproxy balancer = fleet.balancer().orElseThrow();
        RestClient lb = new RestClient(fleet.url());
        String api = fleet.url() + "/api";
        HelpdeskClient operator = new HelpdeskClient(api, RestClient.OPERATOR);

        // the bundle, hot-deployed: dropped into each node's deploy/ folder from the distribution's own repository
        for (LocalFleet.Node n : fleet.nodes()) {
            Files.copy(helpdeskJar(n), n.karaf().home().resolve("deploy").resolve("headroom-helpdesk.jar"), StandardCopyOption.REPLACE_EXISTING);
        }
        for (LocalFleet.Node n : fleet.nodes()) {
            RestClient node = new RestClient(n.karaf().baseUrl());
            assertTrue("the helpdesk serves on " + n.id(), eventually(60, () -> node.call("GET", "/helpdesk/tenants/gd-x/search", RestClient.OPERATOR, null)
                    .statusCode() != 404));
        }

        // two dedicated shards of its own; every game-day tenant pinned to the first, which runs on a server of its own
        // with a replica (a switchover moves a whole server: the shared shard servers hold other tests' shards)
        long pid = ProcessHandle.current().pid();
        MariaDbServer primaryA = TestDatabases.mariaDbServer(Path.of("target", "gameday-servers-" + pid, "a"), 301);
        MariaDbServer replicaA = TestDatabases.mariaDbServer(Path.of("target", "gameday-servers-" + pid, "a-replica"), 302);
        replicaA.replicateFrom(primaryA);
        List<MariaDbServer> servers = List.of(primaryA, ShardServers.get(2).get(1));
        String[] shards = {"gameday-a", "gameday-b"};
        for (int s = 0; s < 2; s++) {
            // registering the shard creates the fleet's sharded tables on it as the control schema records them (another
            // test may have changed them), so a move to or from it can copy them
            lb.expect(201, "POST", "/sharding/shards", "{\"name\":\"" + shards[s] + "\",\"url\":\""
                    + servers.get(s).jdbcUrl("gameday_" + s).replace("&", "\\u0026") + "\",\"keyRange\":null}");
        }
        lb.expect(201, "POST", "/sharding/shards/gameday-a/replicas", "{\"url\":\""
                + replicaA.jdbcUrl("gameday_0").replace("&", "\\u0026") + "\"}");
        // the fleet's configured sharded table: where no other fleet test recorded its definition (this class run alone),
        // registering created nothing, and a move, which copies every sharded table, needs it on both shards
        for (int s = 0; s < 2; s++) {
            try (Connection c = DriverManager.getConnection(servers.get(s).jdbcUrl("gameday_" + s), "root", "");
                 Statement st = c.createStatement()) {
                st.execute(ShardingDataApiIT.ORDERS);
            }
        }
        operator.setup();
        List<String> tenants = new ArrayList<>();
        tenants.add(SPIKE);
        tenants.addAll(LARGE);
        tenants.addAll(SMALL);
        Map<String, HelpdeskClient> clients = new LinkedHashMap<>();
        for (String t : tenants) {
            lb.expect(200, "PUT", "/sharding/tenants/" + t + "/pin", "{\"shard\":\"gameday-a\"}");
            String token = RestClient.string(lb.expect(201, "POST", "/tokens", "{\"name\":\"gameday-" + t + "\",\"tenant\":\"" + t + "\"}"), "token");
            clients.put(t, new HelpdeskClient(api, "Bearer " + token));
        }
        String platform = "Bearer " + RestClient.string(lb.expect(201, "POST", "/tokens", "{\"name\":\"gameday-worker\",\"platform\":true}"), "token");
        lb.expect(200, "PUT", "/sharding/tenants/gd-warmup/pin", "{\"shard\":\"gameday-a\"}");

        // two vendors behind the route the bundle asks: the primary fails in its phase, answers fail over
        try (FakeLlmProvider primary = FakeLlmProvider.openAi(); FakeLlmProvider secondary = FakeLlmProvider.openAi()) {
            for (var d : Map.of("gd-primary", primary, "gd-secondary", secondary).entrySet()) {
                lb.expect(200, "PUT", "/llm/deployments/" + d.getKey(), "{\"provider\":\"openai\",\"model\":\"sim\",\"endpoint\":\""
                        + d.getValue().endpoint() + "/\",\"apiKey\":\"sk-simulated\",\"timeoutMillis\":" + VENDOR_TIMEOUT_MILLIS + "}");
            }
            lb.expect(200, "PUT", "/llm/routes/helpdesk-answer", "{\"strategy\":\"ordered\",\"deployments\":[\"gd-primary\",\"gd-secondary\"]}");

            // every node sees the platform state set up through one (tokens, tables, collection, route, job type) before the load
            for (LocalFleet.Node n : fleet.nodes()) {
                String nodeApi = n.karaf().baseUrl() + "/api";
                HelpdeskClient direct = new HelpdeskClient(nodeApi, RestClient.OPERATOR);
                assertTrue(n.id() + " serves the helpdesk end to end", eventually(60, () -> {
                    Answer a = direct.open("gd-warmup", "warm-" + n.id(), "warm-up", "probe", "warm-up of " + n.id(), true);
                    return a.ok() && HelpdeskClient.field(a.body(), "aiAnswer") != null;
                }));
                assertTrue(n.id() + " knows the pull type", eventually(30, () -> direct.call("GET", "/queue/types", null).body()
                        .contains(HelpdeskClient.NOTIFY_TYPE)));
                for (Map.Entry<String, HelpdeskClient> c : clients.entrySet()) {
                    HelpdeskClient viaNode = new HelpdeskClient(nodeApi, c.getValue().authorization());
                    assertTrue(n.id() + " accepts the token of " + c.getKey(), eventually(30, () -> viaNode.search(c.getKey(), "", 1).ok()));
                }
            }

            GameDayLoad load = new GameDayLoad(clients, SPIKE, LARGE);
            load.probe(new PlatformFigures(lb, load));
            HelpdeskClient worker = new HelpdeskClient(api, "Bearer " + platform.substring(7));
            Set<String> notified = ConcurrentHashMap.newKeySet();
            AtomicBoolean working = new AtomicBoolean(true);
            Thread workerThread = new Thread(() -> {
                while (working.get()) {
                    try {
                        notified.addAll(worker.work(20, 1));
                    } catch (Exception e) {
                        pause(200); // a node going away under the worker: it leases again through HAProxy
                    }
                }
            }, "gameday-notify-worker");
            workerThread.setDaemon(true);
            workerThread.start();
            boolean killed = false;
            Map<String, Object> observed = new LinkedHashMap<>();
            try {
                load.start();
                load.phase("calm");
                Thread.sleep(PHASE_SECONDS * 1000L);

                load.phase("spike");
                load.spike(true);
                Thread.sleep(PHASE_SECONDS * 1000L);

                // overlapping: the primary vendor goes down while the spike still runs
                load.phase("llm-vendor-down");
                int primaryBefore = primary.requests.get();
                int secondaryBefore = secondary.requests.get();
                primary.always(FakeLlmProvider.Behaviour.error(500, null));
                Thread.sleep(PHASE_SECONDS * 1000L);
                load.spike(false);
                primary.always(FakeLlmProvider.Behaviour.ok());
                observed.put("primary requests while down", primary.requests.get() - primaryBefore);
                observed.put("secondary requests while primary down", secondary.requests.get() - secondaryBefore);

                // then slower than its deployment's timeout: answers time out there and fail over
                load.phase("llm-vendor-slow");
                secondaryBefore = secondary.requests.get();
                primary.always(FakeLlmProvider.Behaviour.slow(VENDOR_TIMEOUT_MILLIS + 2000));
                Thread.sleep(PHASE_SECONDS * 1000L);
                primary.always(FakeLlmProvider.Behaviour.ok());
                observed.put("secondary requests while primary slow", secondary.requests.get() - secondaryBefore);

                // an online ALTER of the biggest table on every shard, under the load
                load.phase("online-alter");
                String schema = lb.expect(200, "GET", "/sharding/schema", null);
                int version = 1 + Pattern.compile("\"version\":(\\d+)").matcher(schema).results()
                        .mapToInt(r -> Integer.parseInt(r.group(1))).max().orElse(0);
                lb.expect(202, "POST", "/sharding/schema", "{\"version\":" + version
                        + ",\"ddl\":\"ALTER TABLE hd_messages ADD COLUMN channel VARCHAR(16) NULL\"}");
                observed.put("online alter", until(120, () -> {
                    String state = RestClient.string(lb.expect(200, "GET", "/sharding/schema/" + version, null), "state");
                    return "DONE".equals(state) || "FAILED".equals(state) ? state : null;
                }));
                Thread.sleep(2000);

                // the helpdesk's search index reshaped under the load: a new layout, dual-written, backfilled, validated,
                // every tenant's reads moved, the old layout deleted last
                load.phase("index-migration");
                String collection = "/search/collections/" + HelpdeskClient.COLLECTION;
                int partitions = 1 + Pattern.compile("\"partitions\":(\\d+)").matcher(lb.expect(200, "GET", collection, null)).results()
                        .mapToInt(r -> Integer.parseInt(r.group(1))).findFirst().orElse(2);
                String migration = "/search/migrations/" + RestClient.number(lb.expect(201, "POST", collection + "/migrations",
                        "{\"partitions\":" + partitions + "}"), "id");
                lb.expect(200, "POST", migration + "/start", "{}");
                lb.expect(200, "POST", migration + "/backfill", "{}");
                // 200 tenants' backfill under the long game day's load takes minutes (bench/gameday.sh); a few seconds here
                observed.put("index backfill", until(600, () -> {
                    String state = RestClient.string(lb.expect(200, "GET", migration, null), "state");
                    return "BACKFILLED".equals(state) ? state : null;
                }));
                // one tenant at a time (each call well within the client's timeout); writes keep landing on both layouts,
                // so a tenant whose difference persisted over the validation's rounds is validated again
                List<String> indexed = Pattern.compile("\"tenant\":\"([^\"]+)\"").matcher(lb.expect(200, "GET", migration, null))
                        .results().map(r -> r.group(1)).toList();
                Map<String, String> validation = new TreeMap<>();
                for (String t : indexed) {
                    Pattern verdict = Pattern.compile("\"tenant\":\"" + Pattern.quote(t) + "\",[^{}]*?\"validation\":\"(\\w+)\"");
                    String[] last = {"no answer"};
                    validation.put(t, Objects.requireNonNullElseGet(until(180, () -> {
                        try {
                            last[0] = lb.expect(200, "POST", migration + "/validate", "{\"tenants\":[\"" + t + "\"]}");
                        } catch (java.net.http.HttpTimeoutException e) {
                            // a busy machine: the node goes on and records the verdict, read here
                            last[0] = lb.expect(200, "GET", migration, null);
                        }
                        Matcher m = verdict.matcher(last[0]);
                        return m.find() && m.group(1).equals("PASSED") ? "PASSED" : null;
                    }), () -> last[0]));
                }
                observed.put("index validation", validation);
                lb.expect(200, "POST", migration + "/advance", "{\"percent\":100}");
                Thread.sleep(2000); // searches served by the new layout under the load
                // a node still behind on the read flag, or a tenant that appeared since (its first document written
                // meanwhile: copied, not yet validated), makes finish a 409 naming them: validated, advanced, asked again
                String[] finish = {""};
                until(90, () -> {
                    HttpResponse<String> r = lb.call("POST", migration + "/finish", RestClient.OPERATOR, "{}");
                    finish[0] = r.statusCode() + " " + r.body();
                    if (r.statusCode() == 409) {
                        lb.call("POST", migration + "/validate", RestClient.OPERATOR, "{}");
                        lb.call("POST", migration + "/advance", RestClient.OPERATOR, "{\"percent\":100}");
                    }
                    return r.statusCode() == 200 ? r : null;
                });
                observed.put("index migration", !finish[0].startsWith("200 ") ? "finish: " + finish[0]
                        : RestClient.string(lb.expect(200, "POST", migration + "/delete-old", "{\"confirm\":\"" + HelpdeskClient.COLLECTION + "\"}"),
                                "state"));

                // a database upgrade without a window: the first shard's server switched over to its replica
                load.phase("shard-switchover");
                observed.put("switchover", until(120, () -> {
                    String state = RestClient.string(lb.expect(200, "POST", "/sharding/shards/gameday-a/switchover", "{}"), "state");
                    // a replica that could not catch up within the budget rolls back with nothing lost: the operator tries again
                    return "DONE".equals(state) ? state : null;
                }));
                Thread.sleep(2000);

                load.phase("tenant-move");
                String move = lb.expect(202, "POST", "/sharding/moves", "{\"tenant\":\"" + HOT + "\",\"target\":\"gameday-b\"}");
                long moveId = RestClient.number(move, "id");
                String moveState = until(120, () -> {
                    String state = RestClient.string(lb.expect(200, "GET", "/sharding/moves/" + moveId, null), "state");
                    return state.equals("CUT_OVER") || state.equals("DONE") || state.equals("FAILED") || state.equals("CANCELLED") ? state : null;
                });
                observed.put("move", moveState);
                if (!"CUT_OVER".equals(moveState) && !"DONE".equals(moveState)) {
                    observed.put("move status", lb.call("GET", "/sharding/moves/" + moveId, RestClient.OPERATOR, null).body());
                }
                Thread.sleep(2000); // writes after the cut-over land on the target

                // a broken helpdesk release: the next version ships its component with a renamed LLM route the fleet
                // does not have (every AI answer fails, every request still succeeds); released to every node, the
                // heartbeat pages on helpdesk.ai-answer and the release's guard rolls it back on every node. (A canary
                // alone would fail a third of the answers: too few, against the hour of good ones before, for the
                // standard burn-rate rules to page.)
                load.phase("bad-release");
                byte[] brokenJar = brokenHelpdesk(Files.readAllBytes(helpdeskJar(fleet.node(0))), BROKEN_VERSION);
                String sha = ReleaseFleetIT.sha256(brokenJar);
                HttpResponse<String> uploaded = ReleaseFleetIT.upload(fleet.url(), brokenJar, sha);
                assertEquals(uploaded.body(), 201, uploaded.statusCode());
                long releaseId = RestClient.number(lb.expect(201, "POST", "/releases", "{\"unit\":\"io.headroom.helpdesk\",\"version\":\""
                        + BROKEN_VERSION + "\",\"watch\":\"5m\"}"), "id");
                String released = until(180, () -> {
                    String r = lb.expect(200, "GET", "/releases/" + releaseId, null);
                    String state = RestClient.string(r, "state");
                    return state.equals("rolled_back") || state.equals("completed") || state.equals("failed") ? r : null;
                });
                observed.put("bad release", released == null ? "not finished in 180 s" : RestClient.string(released, "state"));
                observed.put("bad release reason", released == null ? "" : RestClient.string(released, "reason"));
                long rolledBackAt = System.currentTimeMillis();
                load.firstAiError("bad-release").ifPresent(first -> observed.put("bad release rolled back after its first failure (ms)",
                        rolledBackAt - first));
                Thread.sleep(2000); // AI answers again on every node

                load.phase("node-killed");
                fleet.kill(2);
                killed = true;
                observed.put("balancer saw node-3 down", balancer.awaitState("node-3", "DOWN", Duration.ofSeconds(20)));
                Thread.sleep(PHASE_SECONDS * 1000L);
            } finally {
                try {
                    if (killed) {
                        load.phase("node-restarting");
                        fleet.restart(2);
                        balancer.awaitState("node-3", "UP", Duration.ofSeconds(30));
                    }
                    load.phase("recovered");
                    Thread.sleep(2000);
                } finally {
                    load.stop();
                }
            }
            System.out.println("game day: " + observed);
            System.out.println(load.table());
            System.out.println(load.failureSamples());

            // each phase's fault was there and was handled
            assertTrue("the spike ran: " + load.table(), load.requests("spike", "spike") > 2 * load.requests("calm", "spike"));
            for (String phase : List.of("calm", "spike", "llm-vendor-down", "llm-vendor-slow", "online-alter", "index-migration",
                    "shard-switchover")) {
                for (String cls : List.of("large", "small")) {
                    assertEquals(cls + " tenants had no failed request in " + phase + ": " + load.failures(phase, cls),
                            0, load.failures(phase, cls).size());
                }
            }
            assertTrue("the primary vendor was asked and failed: " + observed, (int) observed.get("primary requests while down") > 0);
            assertTrue("the second vendor answered instead: " + observed, (int) observed.get("secondary requests while primary down") > 0);
            assertTrue("AI answers kept coming while the primary was down", load.aiAnswers("llm-vendor-down") > 0);
            assertEquals("no AI answer failed while the primary was down (failover)", 0, load.aiErrors("llm-vendor-down"));
            assertTrue("the second vendor answered while the primary was too slow: " + observed,
                    (int) observed.get("secondary requests while primary slow") > 0);
            assertEquals("no AI answer failed while the primary was slow (timeout, failover)", 0, load.aiErrors("llm-vendor-slow"));
            assertEquals("the online ALTER finished on every shard under the load", "DONE", observed.get("online alter"));
            assertEquals("the helpdesk's index backfilled under the load", "BACKFILLED", observed.get("index backfill"));
            @SuppressWarnings("unchecked")
            Map<String, String> validation = (Map<String, String>) observed.get("index validation");
            assertTrue("every tenant validated on the new layout: " + validation, validation.keySet().containsAll(clients.keySet())
                    && validation.values().stream().allMatch("PASSED"::equals));
            assertEquals("reads moved, the migration finished and the old layout deleted", "OLD_DELETED", observed.get("index migration"));
            assertEquals("the first shard's server switched over to its replica under the load", "DONE", observed.get("switchover"));
            assertTrue("the shard's primary is the former replica now", lb.expect(200, "GET", "/sharding/shards", null)
                    .contains(":" + replicaA.port() + "/gameday_0"));
            assertEquals("the hottest tenant moved under its writes", "CUT_OVER", observed.get("move"));
            assertEquals("gameday-b", RestClient.string(lb.expect(200, "GET", "/sharding/tenants/" + HOT, null), "shard"));
            assertTrue("writes of the moved tenant were acknowledged during the move", load.acknowledged("tenant-move", HOT) > 0);
            // a release restarts the bundle on every node it reaches: the requests of that moment get a 503 to retry with
            // the same ids (or, in flight, lose their connection), and the retries land; nothing else fails
            for (String cls : List.of("large", "small")) {
                List<String> failed = load.failures("bad-release", cls);
                assertTrue(cls + " tenants' failures in bad-release are only retryable 503s and lost connections: " + failed,
                        failed.stream().allMatch(f -> f.contains(" 503 ") || f.contains(" -1 ")));
                assertTrue(cls + " tenants lost at most the connections in flight: " + failed,
                        failed.stream().filter(f -> f.contains(" -1 ")).count() <= load.threads());
            }
            assertTrue("the broken release failed AI answers while it ran: " + load.table(), load.aiErrors("bad-release") > 0);
            assertEquals("the deploy guard rolled the broken release back: " + observed, "rolled_back", observed.get("bad release"));
            assertTrue("on a page of the helpdesk's jobs: " + observed, String.valueOf(observed.get("bad release reason")).contains("helpdesk."));
            String fleetVersions = lb.expect(200, "GET", "/releases/fleet", null);
            assertFalse("no node runs the broken version: " + fleetVersions, fleetVersions.contains("\"running\":\"" + BROKEN_VERSION + "\""));
            assertTrue("AI answers came back after the rollback", load.aiAnswers("node-killed") + load.aiAnswers("recovered") > 0);
            assertEquals("HAProxy took the killed node out", true, observed.get("balancer saw node-3 down"));
            for (String phase : List.of("node-restarting", "recovered")) {
                for (String cls : List.of("spike", "large", "small")) {
                    assertTrue("the restarted node joined the rotation only once it served the helpdesk (no 404): "
                            + load.failures(phase, cls), load.failures(phase, cls).stream().noneMatch(f -> f.contains(" 404 ")));
                }
            }
            int inFlight = load.threads();
            for (String cls : List.of("large", "small")) {
                assertTrue("at most the requests in flight on the killed node failed: " + load.failures("node-killed", cls),
                        load.failures("node-killed", cls).size() <= inFlight);
            }

            // the client service's own work, over REST only: a drafted reply through the LLM gateway and the Data API
            HelpdeskClient small = clients.get(SMALL.get(0));
            int drafted = small.draftReplies(SMALL.get(0), "helpdesk-answer", 50);
            assertTrue("the agent assistant drafted replies", drafted > 0);

            // data: every acknowledged write exactly once; the index equals the database, per tenant
            for (String t : tenants) {
                HelpdeskClient c = clients.get(t);
                Map<String, Integer> rows = rows(c.sql(t, "SELECT id, messages FROM hd_conversations WHERE tenant_id = ? ORDER BY id", t));
                for (String id : load.acknowledgedConversations(t)) {
                    assertTrue(t + ": acknowledged conversation " + id + " is in the database", rows.containsKey(id));
                }
                List<String> messageIds = ids(c.sql(t, "SELECT id FROM hd_messages WHERE tenant_id = ? ORDER BY id", t));
                assertEquals(t + ": no message twice", new TreeSet<>(messageIds).size(), messageIds.size());
                assertTrue(t + ": every acknowledged message is in the database", new TreeSet<>(messageIds).containsAll(load.acknowledgedMessages(t)));
                int total = rows.values().stream().mapToInt(Integer::intValue).sum();
                assertEquals(t + ": the conversations' message counts match the messages", messageIds.size(), total);
                Map<String, Integer> indexed = new TreeMap<>();
                boolean same = eventually(30, () -> {
                    indexed.clear();
                    for (int from = 0; from < 9_000; from += 1000) {
                        Answer a = c.search(t, "", from, 1000);
                        int before = indexed.size();
                        for (Matcher m = HIT.matcher(a.body()); m.find(); ) {
                            indexed.put(m.group(1), Integer.parseInt(m.group(2)));
                        }
                        if (!a.ok() || indexed.size() - before < 1000) {
                            break;
                        }
                    }
                    return indexed.equals(rows);
                });
                assertTrue(t + ": search results equal the database rows (id and message count): db " + rows + " index " + indexed, same);
            }
            Set<String> untold = new TreeSet<>();
            boolean told = eventually(180, () -> {
                untold.clear();
                for (String t : tenants) {
                    for (String id : load.acknowledgedConversations(t)) {
                        if (!notified.contains(t + "/" + id)) {
                            untold.add(t + "/" + id);
                        }
                    }
                }
                return untold.isEmpty();
            });
            assertTrue("the pull worker was told of every acknowledged conversation; not of " + untold + "; " + (told ? "" : unsettledNotifications()), told);
            working.set(false);
            workerThread.join(30_000);
            String heartbeat = lb.expect(200, "GET", "/heartbeat/tenants/" + SMALL.get(1), null);
            for (String job : List.of("helpdesk.reply", "helpdesk.search", "helpdesk.ai-answer")) {
                assertTrue("the heartbeat has the tenant's " + job + " outcomes: " + heartbeat, heartbeat.contains("\"" + job + "\""));
            }
            Path reportDir = Path.of("target", "gameday");
            load.writeReport(reportDir, observed);
            if (Chromium.binary() != null) { // .ci/run installs Debian's; elsewhere the report is only written
                String dom = Chromium.render(reportDir.resolve("report.html").toUri().toString(), reportDir.resolve("report.png"));
                for (var chart : Map.of("latency", 3, "dwell", 1, "burn", 3).entrySet()) {
                    Matcher g = Pattern.compile("<g id=\"" + chart.getKey() + "\">(.*?)</g>", Pattern.DOTALL).matcher(dom);
                    assertTrue("the report has the " + chart.getKey() + " chart", g.find());
                    assertTrue("the " + chart.getKey() + " chart draws at least " + chart.getValue() + " lines with points",
                            Pattern.compile("<polyline[^>]*points=\"[^\"]+\"").matcher(g.group(1)).results().count() >= chart.getValue());
                }
                for (String phase : List.of("calm", "spike", "llm-vendor-down", "llm-vendor-slow", "online-alter", "shard-switchover", "tenant-move",
                        "bad-release", "node-killed")) {
                    assertTrue("the report marks the phase " + phase, dom.contains(">" + phase + "</text>"));
                }
                assertFalse("the report loads nothing from elsewhere", Pattern.compile("(src|href)=['\"]?https?:").matcher(dom).find());
            }
        }
    }

    /**
     * At the end of each phase: the queue's dwell p99 per tenant class (the highest of the class's tenants, as the node
     * that answers counts them) and the heartbeat's alerts fired and resolved during the phase (fleet-wide).
     */
    static final class PlatformFigures implements GameDayLoad.Probe {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
        private final RestClient lb;
        private final GameDayLoad load;
        private final Set<Long> seen = new java.util.HashSet<>();
        private final Set<Long> resolved = new java.util.HashSet<>();

        PlatformFigures(RestClient lb, GameDayLoad load) {
            this.lb = lb;
            this.load = load;
        }

        /** The queue's dwell p99 per tenant class: the highest of the class's tenants, as the node that answers counts them. */
        private Map<String, Double> dwell() throws Exception {
            Map<String, Double> dwell = new TreeMap<>();
            for (var t : JSON.readTree(lb.expect(200, "GET", "/queue/tenants", null))) {
                String tenant = t.path("tenant").asText();
                if (tenant.startsWith("gd-") && !tenant.equals("gd-warmup")) {
                    dwell.merge(load.cls(tenant), t.path("dwellP99Millis").asDouble(), Math::max);
                }
            }
            return dwell;
        }

        @Override
        public Map<String, Map<String, Double>> sample() throws Exception {
            Map<String, Double> burn = new TreeMap<>();
            for (var h : JSON.readTree(lb.expect(200, "GET", "/heartbeat/status", null)).path("platform")) {
                if (h.path("job").asText().startsWith("helpdesk.") && h.path("burn5m").isNumber()) {
                    burn.put(h.path("job").asText(), h.path("burn5m").asDouble());
                }
            }
            return Map.of("dwell", dwell(), "burn", burn);
        }

        @Override
        public String read(String phase) throws Exception {
            Map<String, Long> dwell = new TreeMap<>();
            dwell().forEach((cls, ms) -> dwell.put(cls, Math.round(ms)));
            int fired = 0;
            int resolvedNow = 0;
            List<String> pages = new ArrayList<>();
            for (var a : JSON.readTree(lb.expect(200, "GET", "/heartbeat/alerts?limit=500", null))) {
                long id = a.path("id").asLong();
                if (seen.add(id)) {
                    fired++;
                    pages.add(a.path("severity").asText() + " " + a.path("job").asText() + (a.path("tenant").isNull() ? "" : "/" + a.path("tenant").asText()));
                }
                if (!a.path("resolvedAt").isNull() && resolved.add(id)) {
                    resolvedNow++;
                }
            }
            return "queue dwell p99 ms " + dwell + "; alerts fired " + fired + (pages.isEmpty() ? "" : " " + pages) + ", resolved " + resolvedNow;
        }
    }

    /** What the control schema says of the notification jobs not yet done and of their unsettled leases (for a failure's message). */
    private static String unsettledNotifications() {
        StringBuilder b = new StringBuilder("notification jobs and leases not settled (control schema):");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestFleet.controlDb().jdbcUrl("headroom"), "root", "");
             java.sql.Statement st = c.createStatement()) {
            for (String q : List.of("SELECT id, node, tenant, state, attempts FROM queue_jobs WHERE type = '" + HelpdeskClient.NOTIFY_TYPE
                    + "' AND state <> 'SUCCEEDED'", "SELECT id, node, job_id, state, expires_at FROM queue_leases WHERE type = '"
                    + HelpdeskClient.NOTIFY_TYPE + "' AND done = FALSE")) {
                try (java.sql.ResultSet rs = st.executeQuery(q)) {
                    while (rs.next()) {
                        b.append("\n ");
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            b.append(' ').append(rs.getMetaData().getColumnLabel(i)).append('=').append(rs.getString(i));
                        }
                    }
                }
            }
        } catch (Exception e) {
            b.append(' ').append(e);
        }
        return b.toString();
    }

    private static Map<String, Integer> rows(Answer a) {
        assertTrue(a.body(), a.ok());
        Map<String, Integer> out = new TreeMap<>();
        for (Matcher m = ROW.matcher(a.body()); m.find(); ) {
            assertTrue("conversation " + m.group(1) + " once", out.put(m.group(1), Integer.parseInt(m.group(2))) == null);
        }
        return out;
    }

    private static List<String> ids(Answer a) {
        assertTrue(a.body(), a.ok());
        List<String> out = new ArrayList<>();
        for (Matcher m = Pattern.compile("\\[\"([^\"]+)\"]").matcher(a.body()); m.find(); ) {
            out.add(m.group(1));
        }
        return out;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    static boolean eventually(int seconds, Check check) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (check.ok()) {
                    return true;
                }
            } catch (Exception | AssertionError e) {
                // not yet
            }
            Thread.sleep(250);
        }
        return false;
    }

    /** The helpdesk's jar as the distribution ships it. */
    private static Path helpdeskJar(LocalFleet.Node n) throws java.io.IOException {
        try (var found = Files.walk(n.karaf().home().resolve("system/io/headroom/headroom-helpdesk"))) {
            return found.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
    }

    /**
     * The helpdesk as a release that would pass its unit tests and break in production: the same code at {@code version},
     * its component's default AI route renamed to one no operator declared (every AI answer fails with an unknown route).
     */
    static byte[] brokenHelpdesk(byte[] jar, String version) throws java.io.IOException {
        String component = "OSGI-INF/io.headroom.helpdesk.internal.HelpdeskService.xml";
        String route = "name=\"aiRoute\" type=\"String\" value=\"helpdesk-answer\"";
        var out = new java.io.ByteArrayOutputStream();
        boolean renamed = false;
        try (var in = new java.util.jar.JarInputStream(new java.io.ByteArrayInputStream(jar))) {
            java.util.jar.Manifest manifest = in.getManifest();
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (var copy = new java.util.jar.JarOutputStream(out, manifest)) {
                for (var e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    byte[] bytes = in.readAllBytes();
                    if (e.getName().equals(component)) {
                        String xml = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
                        renamed = xml.contains(route);
                        bytes = xml.replace(route, route.replace("helpdesk-answer", "helpdesk-answer-v2"))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    }
                    copy.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    copy.write(bytes);
                    copy.closeEntry();
                }
            }
        }
        if (!renamed) {
            throw new IllegalStateException("the helpdesk's component no longer declares " + route);
        }
        return out.toByteArray();
    }

    static <T> T until(int seconds, Probe<T> probe) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            try {
                T v = probe.get();
                if (v != null) {
                    return v;
                }
            } catch (Exception | AssertionError e) {
                // not yet
            }
            Thread.sleep(250);
        }
        return null;
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
