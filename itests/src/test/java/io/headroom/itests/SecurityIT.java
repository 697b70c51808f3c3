package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.inject.Inject;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Hostile callers against the distribution's defaults, one attack per test, each asserting the refusal: guessed
 * passwords, a realm user who is not an operator, a cross-site form, duplicate JSON keys, a trickled body, a corpus of
 * malformed, forged and cross-tenant requests against every endpoint of the live OpenAPI, and an uninstalled
 * capability's path; scoped tokens; per-tenant heartbeat series; shard URLs and schema changes. One Karaf boot for all.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class SecurityIT extends HeadroomTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA_PROPERTY = "headroom.it.schema";
    private static final String ES_PROPERTY = "headroom.it.es";
    private static final String SHARD_PROPERTY = "headroom.it.shard";
    private static final String LLM_PROPERTY = "headroom.it.llm";
    /** Names only operators may read: a tenant's shard, and the deployment behind the route (model) it calls. */
    private static final String HIDDEN_SHARD = "sechiddenshard";
    private static final String HIDDEN_DEPLOYMENT = "sechiddendeployment";

    @Inject
    private ApiTokens tokens;

    @Configuration
    public Option[] config() {
        String schema = TestDatabases.machineOrEmbeddedSchema();
        return OptionUtils.combine(distribution(schema),
                // what a non-operator must never read (see leak)
                systemProperty(SCHEMA_PROPERTY).value(schema),
                systemProperty(ES_PROPERTY).value(TestDatabases.elasticsearch().endpoint()),
                systemProperty(SHARD_PROPERTY).value(TestDatabases.machineOrEmbeddedSchema()),
                systemProperty(LLM_PROPERTY).value(TestDatabases.openAiEndpoint()),
                // a realm user without the operator role, and an operator whose password a guesser will try
                editConfigurationFilePut("etc/users.properties", "viewer", "viewer-secret,viewer"),
                editConfigurationFilePut("etc/users.properties", "target", "target-secret,_g_:admingroup"),
                editConfigurationFilePut("etc/io.headroom.rest.cfg", "bodyDeadlineMillis", "2000"),
                editConfigurationFilePut("etc/io.headroom.heartbeat.cfg", "maxSeriesPerTenant", "3"));
    }

    @Test
    public void a_theDistributionListensOnLoopbackWithoutSftpOrExec() throws Exception {
        Path etc = Path.of(System.getProperty("karaf.etc"));
        assertEquals("127.0.0.1", load(etc.resolve("org.ops4j.pax.web.cfg")).getProperty("org.ops4j.pax.web.listening.addresses"));
        Properties shell = load(etc.resolve("org.apache.karaf.shell.cfg"));
        assertEquals("127.0.0.1", shell.getProperty("sshHost"));
        assertEquals("false", shell.getProperty("sftpEnabled"));
        assertEquals("exec-disabled", load(etc.resolve("org.apache.karaf.command.acl.shell.cfg")).getProperty("exec"));
    }

    @Test
    public void b_guessingAnOperatorPasswordIsThrottled() throws Exception {
        awaitUp();
        for (int i = 0; i < 5; i++) {
            assertEquals(401, get("/tokens", basic("target", "guess-" + i)).statusCode());
        }
        assertEquals(401, get("/tokens", basic("target", "guess-5")).statusCode()); // this failure sets the lock
        HttpResponse<String> locked = get("/tokens", basic("target", "target-secret"));
        assertEquals("even the right password waits while locked: " + locked.body(), 429, locked.statusCode());
        assertTrue(locked.headers().firstValue("Retry-After").isPresent());
        assertEquals("other accounts from this address are not locked", 200, get("/tokens", OPERATOR).statusCode());
    }

    @Test
    public void c_aRealmUserWhoIsNotAnOperatorGetsTheSameAnswerAsAWrongPassword() throws Exception {
        awaitUp();
        HttpResponse<String> right = get("/tokens", basic("viewer", "viewer-secret"));
        HttpResponse<String> wrong = get("/tokens", basic("viewer", "not-it"));
        assertEquals(401, right.statusCode());
        assertEquals(401, wrong.statusCode());
        assertEquals(withoutRequestId(wrong.body()), withoutRequestId(right.body()));
        assertEquals(wrong.headers().allValues("WWW-Authenticate"), right.headers().allValues("WWW-Authenticate"));
    }

    @Test
    public void d_aCrossSiteFormCannotPostWithCachedOperatorCredentials() throws Exception {
        awaitUp();
        for (String type : new String[] {null, "application/x-www-form-urlencoded", "text/plain"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api("/tokens"))).header("Authorization", OPERATOR)
                    .POST(HttpRequest.BodyPublishers.ofString(type == null ? "" : "{\"name\":\"csrf\",\"platform\":true}"));
            if (type != null) {
                b.header("Content-Type", type);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(type + ": " + r.body(), 403, r.statusCode());
            assertTrue(r.body(), r.body().contains("X-Requested-By"));
        }
        assertTrue("nothing was created", tokens.list().stream().noneMatch(t -> t.name().equals("csrf")));
        // a script says so, and gets past the rule (here to the missing body's 415)
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(api("/tokens"))).header("Authorization", OPERATOR)
                .header("X-Requested-By", "cli").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertNotEquals(403, script.statusCode());
    }

    @Test
    public void e_duplicateJsonKeysAreRefused() throws Exception {
        awaitUp();
        HttpResponse<String> r = call("PUT", "/flags/sec.duplicate", OPERATOR, "{\"percentage\":1,\"percentage\":100}");
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("percentage"));
        assertEquals(404, get("/flags/sec.duplicate", OPERATOR).statusCode());
    }

    @Test
    public void f_aTrickledBodyIsCutOffAtTheDeadline() throws Exception {
        awaitUp();
        String answer = trickle("PUT", "/api/flags/sec.slow", OPERATOR, "{\"percentage\":1" + " ".repeat(200) + "}");
        assertTrue(answer, answer.startsWith("HTTP/1.1 408"));
        assertEquals(404, get("/flags/sec.slow", OPERATOR).statusCode());
    }

    /**
     * The same slow client against every endpoint that takes a body, as a tenant: each answers with a refusal (the
     * deadline's 408, or the tenant's 401/403/404 at once), none waits for the whole body, none answers 5xx or 2xx.
     */
    @Test
    public void fg_aTrickledBodyToEveryEndpointIsRefusedWithoutWaitingForIt() throws Exception {
        awaitUp();
        String acme = "Bearer " + tokens.create("sec-acme-slow", TenantId.of("acme")).token();
        JsonNode paths = JSON.readTree(get("/openapi.json", null).body()).path("paths");
        List<String[]> writes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(java.util.Locale.ROOT);
                if (List.of("POST", "PUT", "PATCH").contains(method)) {
                    writes.add(new String[] {method, "/api" + path.getKey().replace("{tenant}", "acme").replaceAll("\\{[^}]+}", "x")});
                }
            }
        }
        assertTrue("endpoints with a body: " + writes.size(), writes.size() > 20);
        java.util.concurrent.ExecutorService slow = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (String[] w : writes) {
                answers.add(slow.submit(() -> w[0] + " " + w[1] + " -> " + trickle(w[0], w[1], acme, "{\"a\":1" + " ".repeat(200) + "}")));
            }
            List<String> wrong = new ArrayList<>();
            for (java.util.concurrent.Future<String> a : answers) {
                String answer = a.get();
                if (!answer.matches("(?s).* -> HTTP/1\\.1 4\\d\\d.*")) {
                    wrong.add(abbreviate(answer));
                }
            }
            assertTrue(String.join("\n", wrong), wrong.isEmpty());
        } finally {
            slow.shutdownNow();
        }
    }

    /**
     * Sends {@code body} one byte every 300 ms after the request's head, as a slow client does; the server's first
     * answer bytes (its status line) as soon as they come, or what there is when it closed the connection. The whole
     * body would take a minute: the platform's deadline (2 s here) must cut it off long before.
     */
    private static String trickle(String method, String path, String authorization, String body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", Integer.parseInt(System.getProperty(HTTP_PORT_PROPERTY)))) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            for (int i = 0; i < body.length(); i++) {
                try {
                    out.write(body.charAt(i));
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(300);
                if (in.available() > 0) {
                    return new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
                }
            }
            return new String(in.readNBytes(Math.max(1, in.available())), StandardCharsets.US_ASCII);
        }
    }

    /**
     * A refused body is never read beyond a small bound, whatever refuses it: a 64 MiB upload, with its length declared
     * or chunked, refused for its size, for its missing credentials or for its path, gets its answer and then its
     * connection closed. The client counts what it could write before the server stopped taking bytes: only what the
     * kernel's socket buffers and the body limit hold (Jetty used to read and discard such a body to its end, the
     * whole 64 MiB, after a {@code Connection: close} answer).
     */
    @Test
    public void ff_aRefusedBodyIsNotReadBeyondASmallBound() throws Exception {
        awaitUp();
        long upload = 64L << 20;
        String json = "\r\nContent-Type: application/json";
        String[][] cases = { // request head (without the body's framing), the answer expected
            {"PUT /api/flags/sec.big HTTP/1.1\r\nAuthorization: " + OPERATOR + json, "declared", "413"},
            {"PUT /api/flags/sec.big HTTP/1.1\r\nAuthorization: " + OPERATOR + json, "chunked", "413"},
            {"POST /api/tokens HTTP/1.1" + json, "chunked", "401"},
            {"POST /api/llm/v1/chat/completions HTTP/1.1" + json, "chunked", "401"},
            {"POST /api/no-such-api/x HTTP/1.1" + json, "declared", "404"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            String what = c[0].substring(0, c[0].indexOf(" HTTP/")) + " (" + c[1] + ")";
            long[] accepted = new long[1];
            String answer = refusedUpload(c[0], c[1].equals("chunked"), upload, accepted);
            if (!answer.startsWith("HTTP/1.1 " + c[2])) {
                failures.add(what + ": expected " + c[2] + ", got " + abbreviate(answer));
            }
            // the limit (1 MiB, read before a chunked body is refused) and socket buffers: a few MiB at most
            if (accepted[0] > 8L << 20) {
                failures.add(what + ": the server took " + accepted[0] + " bytes of a refused " + upload + "-byte body");
            }
        }
        assertTrue(String.join("\n", failures), failures.isEmpty());
        assertEquals(404, get("/flags/sec.big", OPERATOR).statusCode());
        assertEquals(200, get("/health", null).statusCode());
    }

    /**
     * Every operation of the live OpenAPI, with path parameters filled in, called anonymously, with a forged token,
     * with a tenant token for another tenant and for its own, and with malformed and oversized bodies: never a 5xx,
     * never a 2xx for another tenant, and never an internal name (database, schema, hosts, the tenant's shard, the
     * deployment behind its model, Java internals) in what a non-operator reads. The tenant has a shard and a model
     * (route) of its own, so its own reads have something to leak.
     */
    @Test
    public void g_aHostileCorpusAgainstEveryEndpointOfTheOpenApi() throws Exception {
        awaitUp();
        String acme = "Bearer " + tokens.create("sec-acme", TenantId.of("acme")).token();
        HttpResponse<String> setup = call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"" + HIDDEN_SHARD + "\",\"url\":\""
                + System.getProperty(SHARD_PROPERTY).replace("&", "\\u0026") + "\",\"keyRange\":null}");
        assertEquals(setup.body(), 201, setup.statusCode());
        setup = call("PUT", "/sharding/tenants/acme/pin", OPERATOR, "{\"shard\":\"" + HIDDEN_SHARD + "\"}");
        assertEquals(setup.body(), 200, setup.statusCode());
        setup = call("PUT", "/llm/deployments/" + HIDDEN_DEPLOYMENT, OPERATOR, "{\"provider\":\"openai\",\"model\":\"sim\","
                + "\"endpoint\":\"" + System.getProperty(LLM_PROPERTY) + "/\",\"apiKey\":\"sk-sec-simulated\"}");
        assertEquals(setup.body(), 200, setup.statusCode());
        setup = call("PUT", "/llm/routes/sec-model", OPERATOR, "{\"strategy\":\"ordered\",\"deployments\":[\"" + HIDDEN_DEPLOYMENT + "\"]}");
        assertEquals(setup.body(), 200, setup.statusCode());
        // what the tenant reads of its own location and model: no shard or deployment name (an operator sees them)
        assertTrue(get("/sharding/tenants/acme", OPERATOR).body(), get("/sharding/tenants/acme", OPERATOR).body().contains(HIDDEN_SHARD));
        HttpResponse<String> location = get("/sharding/tenants/acme", acme);
        assertEquals(location.body(), 200, location.statusCode());
        assertEquals(location.body(), null, leak(location.body()));
        String chat = "{\"model\":\"sec-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        HttpResponse<String> answered = call("POST", "/llm/v1/chat/completions", acme, chat);
        for (int i = 0; i < 40 && answered.statusCode() != 200; i++) { // until this node has read the new route
            Thread.sleep(250);
            answered = call("POST", "/llm/v1/chat/completions", acme, chat);
        }
        assertEquals(answered.body(), 200, answered.statusCode());
        assertEquals(answered.body(), null, leak(answered.body()));
        JsonNode paths = JSON.readTree(get("/openapi.json", null).body()).path("paths");
        assertTrue(paths.size() > 20);
        List<String> leaks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int calls = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(java.util.Locale.ROOT);
                if (!List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                    continue;
                }
                String template = path.getKey();
                boolean tenantPath = template.contains("{tenant}");
                String url = template.replace("{tenant}", "globex").replaceAll("\\{[^}]+}", "x");
                String ownUrl = template.replace("{tenant}", "acme").replaceAll("\\{[^}]+}", "x");
                boolean write = !method.equals("GET");
                String[][] attempts = {
                    {"anonymous", null, write ? "{}" : null},
                    {"forged", "Bearer hr_aaaaaaaaaaaa_" + "A".repeat(43), write ? "{}" : null},
                    {"basic-garbage", "Basic !!!", write ? "{}" : null},
                    {"acme", acme, write ? "{\"tenant\":\"globex\"}" : null},
                    {"acme-malformed", acme, write ? "{\"a\":" : null},
                    {"acme-oversized", acme, write ? "{\"a\":\"" + "x".repeat(1_100_000) + "\"}" : null},
                    {"operator-malformed", OPERATOR, write ? "{\"a\":1,\"a\":2" : null},
                    // its own data: reads, and writes refused as malformed (nothing deleted or changed)
                    {"acme-own", acme, write ? "{\"a\":" : null},
                };
                for (String[] a : attempts) {
                    if (a[0].startsWith("operator") && !write) {
                        continue; // an operator's reads are not an attack
                    }
                    boolean own = a[0].equals("acme-own");
                    if (own && (!tenantPath || method.equals("DELETE"))) {
                        continue;
                    }
                    String target = own ? ownUrl : url;
                    HttpResponse<String> r;
                    try {
                        r = call(method, target, a[1], a[2]);
                    } catch (java.io.IOException e) {
                        if (a[0].endsWith("oversized")) {
                            continue; // the server closed the connection on a refused body: a refusal
                        }
                        // a refusal before it closes the connection ("Connection: close") can race the client's reuse
                        // of that pooled connection for the next request: that request is sent once more, afresh
                        r = call(method, target, a[1], a[2]);
                    }
                    calls++;
                    String what = a[0] + " " + method + " " + target + " -> " + r.statusCode() + " " + abbreviate(r.body());
                    if (r.statusCode() >= 500) {
                        failures.add("5xx: " + what);
                    }
                    if (a[1] == null || a[1].startsWith("Bearer hr_a") || a[1].startsWith("Basic !")) {
                        if (r.statusCode() < 400 && !template.startsWith("/health") && !template.equals("/openapi.json")) {
                            failures.add("unauthenticated success: " + what);
                        }
                    }
                    if (a[0].startsWith("acme") && !own && tenantPath && r.statusCode() < 300) {
                        failures.add("cross-tenant success: " + what);
                    }
                    if (!a[0].startsWith("operator")) {
                        String leak = leak(r.body());
                        if (leak != null) {
                            leaks.add(leak + " in " + what);
                        }
                    }
                }
            }
        }
        assertTrue("the corpus ran: " + calls, calls > 100);
        assertTrue(String.join("\n", failures), failures.isEmpty());
        assertTrue(String.join("\n", leaks), leaks.isEmpty());
    }

    @Test
    public void h_scopedPlatformTokensStayInTheirScopeAndCannotMintBroaderOnes() throws Exception {
        awaitUp();
        String reader = "Bearer " + RestClient.string(call("POST", "/tokens", OPERATOR,
                "{\"name\":\"sec-reader\",\"platform\":true,\"readOnly\":true,\"capabilities\":[\"flags\"]}").body(), "token");
        assertEquals(200, get("/flags", reader).statusCode());
        assertEquals("not its capability", 403, get("/tokens", reader).statusCode());
        assertEquals("read only", 403, call("PUT", "/flags/sec.scoped", reader, "{\"percentage\":5}").statusCode());
        String minter = "Bearer " + RestClient.string(call("POST", "/tokens", OPERATOR,
                "{\"name\":\"sec-minter\",\"platform\":true,\"capabilities\":[\"tokens\",\"flags\"]}").body(), "token");
        assertEquals(201, call("POST", "/tokens", minter,
                "{\"name\":\"sec-narrower\",\"platform\":true,\"capabilities\":[\"flags\"]}").statusCode());
        for (String broader : List.of("{\"name\":\"sec-broader\",\"platform\":true}",
                "{\"name\":\"sec-broader\",\"tenant\":\"acme\"}",
                "{\"name\":\"sec-broader\",\"platform\":true,\"capabilities\":[\"flags\",\"queue\"]}")) {
            HttpResponse<String> r = call("POST", "/tokens", minter, broader);
            assertEquals(broader + ": " + r.body(), 403, r.statusCode());
        }
        assertTrue(tokens.list().stream().noneMatch(t -> t.name().equals("sec-broader")));
    }

    @Test
    public void i_aTenantCannotMakeUnboundedHeartbeatSeries() throws Exception {
        awaitUp();
        String noisy = "Bearer " + tokens.create("sec-noisy", TenantId.of("noisy")).token();
        for (int j = 0; j < 3; j++) {
            HttpResponse<String> r = call("POST", "/heartbeat/tenants/noisy/events", noisy,
                    "[{\"job\":\"made.up." + j + "\",\"success\":true,\"latencyMillis\":1}]");
            assertEquals(r.body(), 202, r.statusCode());
        }
        HttpResponse<String> more = call("POST", "/heartbeat/tenants/noisy/events", noisy,
                "[{\"job\":\"made.up.3\",\"success\":true,\"latencyMillis\":1}]");
        assertEquals(more.body(), 429, more.statusCode());
        assertTrue(more.body(), more.body().contains("maxSeriesPerTenant"));
        assertEquals("its known jobs still count", 202, call("POST", "/heartbeat/tenants/noisy/events", noisy,
                "[{\"job\":\"made.up.1\",\"success\":false,\"latencyMillis\":1}]").statusCode());
        String calm = "Bearer " + tokens.create("sec-calm", TenantId.of("calm")).token();
        assertEquals("another tenant is not limited by it", 202, call("POST", "/heartbeat/tenants/calm/events", calm,
                "[{\"job\":\"made.up.3\",\"success\":true,\"latencyMillis\":1}]").statusCode());
    }

    @Test
    public void j_shardUrlsAndSchemaChangesCannotSmuggleAnything() throws Exception {
        awaitUp();
        for (String url : List.of("jdbc:mysql://127.0.0.1:3306/evil?allowLoadLocalInfile=true",
                "jdbc:mysql://127.0.0.1:3306/evil?autoDeserialize=true", "jdbc:mysql://(host=127.0.0.1,allowUrlInLocalInfile=true)/evil")) {
            HttpResponse<String> r = call("POST", "/sharding/shards", OPERATOR, "{\"name\":\"evil\",\"url\":\"" + url + "\"}");
            assertEquals(url + ": " + r.body(), 400, r.statusCode());
        }
        assertTrue(get("/sharding/shards", OPERATOR).body(), !get("/sharding/shards", OPERATOR).body().contains("evil"));
        HttpResponse<String> hidden = call("POST", "/sharding/schema", OPERATOR,
                "{\"version\":900,\"ddl\":\"CREATE TABLE notes (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
                        + " PRIMARY KEY (tenant_id, id)) /*!50000 , DROP TABLE other */\"}");
        assertEquals(hidden.body(), 400, hidden.statusCode());
        assertTrue(hidden.body(), hidden.body().contains("comment"));
    }

    /**
     * A tenant naming collections that do not exist (a typo, or a flood of made-up names, here from 25 clients at once)
     * gets 404s that cost no control-schema query each: the node reloads its collections at most once per 250 ms for all
     * of them together, counted by the node's own meters.
     */
    @Test
    public void k_unknownCollectionsDoNotEachReloadTheCollections() throws Exception {
        awaitUp();
        String acme = "Bearer " + tokens.create("sec-acme-search", TenantId.of("acme")).token();
        double misses = metric("headroom_search_collection_misses_total");
        double reloads = metric("headroom_search_collection_miss_reloads_total");
        int requests = 500;
        long started = System.nanoTime();
        // 25 clients at once (a miss waits for the next reload, up to 250 ms, so one client alone would take minutes)
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(25);
        try {
            List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String path = "/search/collections/no-such-" + i + "/tenants/acme/search?q=x";
                answers.add(clients.submit(() -> get(path, acme)));
            }
            for (java.util.concurrent.Future<HttpResponse<String>> a : answers) {
                assertEquals(a.get().body(), 404, a.get().statusCode());
            }
        } finally {
            clients.shutdown();
        }
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals("every request was a miss", requests, metric("headroom_search_collection_misses_total") - misses, 0.5);
        double caused = metric("headroom_search_collection_miss_reloads_total") - reloads;
        assertTrue(caused + " reloads for " + requests + " misses in " + elapsedMillis + " ms",
                caused >= 1 && caused <= elapsedMillis / 250 + 2);
    }

    @Test
    public void z_anUninstalledCapabilitysPathAnswers404AtOnce() throws Exception {
        awaitUp();
        assertEquals(200, get("/example/tenants/acme/greeting", OPERATOR).statusCode());
        Bundle example = null;
        for (Bundle b : bundleContext.getBundles()) {
            if ("io.headroom.example".equals(b.getSymbolicName())) {
                example = b;
            }
        }
        example.uninstall();
        HttpResponse<String> r = get("/example/tenants/acme/greeting", OPERATOR);
        assertEquals("not held for holdMillis, then 503: " + r.body(), 404, r.statusCode());
    }

    /** What a non-operator must never read: the database, its schema, hosts and ports, Java internals. */
    private static String leak(String body) {
        String url = System.getProperty(SCHEMA_PROPERTY);
        String schema = url.replaceAll("^jdbc:[a-z]+://[^/]+/", "").replaceAll("\\?.*", "");
        String dbHost = url.replaceAll("^jdbc:[a-z]+://", "").replaceAll("/.*", "");
        String es = System.getProperty(ES_PROPERTY).replaceAll("^https?://", "");
        String shardSchema = System.getProperty(SHARD_PROPERTY).replaceAll("^jdbc:[a-z]+://[^/]+/", "").replaceAll("\\?.*", "");
        String llm = System.getProperty(LLM_PROPERTY).replaceAll("^https?://", "").replaceAll("/.*", "");
        for (String secret : new String[] {"jdbc:", schema, dbHost, es, shardSchema, llm, HIDDEN_SHARD, HIDDEN_DEPLOYMENT,
                "Exception", "\tat ", "java.", "SQLState", "Communications link"}) {
            if (!secret.isEmpty() && body.contains(secret)) {
                return "'" + secret + "'";
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String withoutRequestId(String body) {
        return body.replaceAll("\"requestId\"\\s*:\\s*\"[^\"]*\"", "");
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        }
        return p;
    }
}
