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

    @Inject
    private ApiTokens tokens;

    @Configuration
    public Option[] config() {
        String schema = TestDatabases.machineOrEmbeddedSchema();
        return OptionUtils.combine(distribution(schema),
                // what a non-operator must never read (see leak)
                systemProperty(SCHEMA_PROPERTY).value(schema),
                systemProperty(ES_PROPERTY).value(TestDatabases.elasticsearch().endpoint()),
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
        String body = "{\"percentage\":1" + " ".repeat(200) + "}";
        try (Socket s = new Socket("127.0.0.1", Integer.parseInt(System.getProperty(HTTP_PORT_PROPERTY)))) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT /api/flags/sec.slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + OPERATOR
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = null;
            // one byte every 300 ms: the whole body would take a minute; the deadline is 2 s
            for (int i = 0; i < body.length() && answer == null; i++) {
                try {
                    out.write(body.charAt(i));
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(300);
                if (in.available() > 0) {
                    answer = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
                }
            }
            if (answer == null) {
                answer = new String(in.readNBytes(Math.max(1, in.available())), StandardCharsets.US_ASCII);
            }
            assertTrue(answer, answer.startsWith("HTTP/1.1 408"));
        }
        assertEquals(404, get("/flags/sec.slow", OPERATOR).statusCode());
    }

    /**
     * Every operation of the live OpenAPI, with path parameters filled in, called anonymously, with a forged token,
     * with a tenant token for another tenant, and with malformed and oversized bodies: never a 5xx, never a 2xx for
     * another tenant, and never an internal name (database, schema, hosts, Java internals) in what a non-operator reads.
     */
    @Test
    public void g_aHostileCorpusAgainstEveryEndpointOfTheOpenApi() throws Exception {
        awaitUp();
        String acme = "Bearer " + tokens.create("sec-acme", TenantId.of("acme")).token();
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
                boolean write = !method.equals("GET");
                String[][] attempts = {
                    {"anonymous", null, write ? "{}" : null},
                    {"forged", "Bearer hr_aaaaaaaaaaaa_" + "A".repeat(43), write ? "{}" : null},
                    {"basic-garbage", "Basic !!!", write ? "{}" : null},
                    {"acme", acme, write ? "{\"tenant\":\"globex\"}" : null},
                    {"acme-malformed", acme, write ? "{\"a\":" : null},
                    {"acme-oversized", acme, write ? "{\"a\":\"" + "x".repeat(1_100_000) + "\"}" : null},
                    {"operator-malformed", OPERATOR, write ? "{\"a\":1,\"a\":2" : null},
                };
                for (String[] a : attempts) {
                    if (a[0].startsWith("operator") && !write) {
                        continue; // an operator's reads are not an attack
                    }
                    HttpResponse<String> r;
                    try {
                        r = call(method, url, a[1], a[2]);
                    } catch (java.io.IOException e) {
                        if (a[0].endsWith("oversized")) {
                            continue; // the server closed the connection on a refused body: a refusal
                        }
                        // a refusal before it closes the connection ("Connection: close") can race the client's reuse
                        // of that pooled connection for the next request: that request is sent once more, afresh
                        r = call(method, url, a[1], a[2]);
                    }
                    calls++;
                    String what = a[0] + " " + method + " " + url + " -> " + r.statusCode() + " " + abbreviate(r.body());
                    if (r.statusCode() >= 500) {
                        failures.add("5xx: " + what);
                    }
                    if (a[1] == null || a[1].startsWith("Bearer hr_a") || a[1].startsWith("Basic !")) {
                        if (r.statusCode() < 400 && !template.startsWith("/health") && !template.equals("/openapi.json")) {
                            failures.add("unauthenticated success: " + what);
                        }
                    }
                    if (a[0].startsWith("acme") && tenantPath && r.statusCode() < 300) {
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
        for (String secret : new String[] {"jdbc:", schema, dbHost, es, "Exception", "\tat ", "java.", "SQLState", "Communications link"}) {
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
