package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.store.ControlStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The platform in its distribution against the machine's MariaDB (or an embedded one where there is none):
 * bundles, the REST auth matrix, problem+json for bad input, the shell, flags in the control schema.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformIT extends HeadroomTestSupport {

    @Inject
    private ApiTokens tokens;

    @Inject
    private FeatureFlags flags;

    @Inject
    private ControlStore store;

    @Configuration
    public Option[] config() {
        return distribution(TestDatabases.machineOrEmbeddedSchema());
    }

    @Test
    public void everyHeadroomBundleIsActive() throws Exception {
        awaitUp();
        Set<String> seen = new TreeSet<>();
        for (Bundle b : bundleContext.getBundles()) {
            if (b.getSymbolicName().startsWith("io.headroom")) {
                assertEquals(b.getSymbolicName() + " is not active", Bundle.ACTIVE, b.getState());
                seen.add(b.getSymbolicName().substring("io.headroom.".length()));
            }
        }
        // every capability at boot: api + implementation, and one bundle per LLM provider adapter
        assertEquals(new TreeSet<>(List.of("core-api", "core", "example-api", "example", "heartbeat-api", "heartbeat", "queue-api", "queue",
                "llm-api", "llm", "llm-openai", "llm-anthropic", "llm-bedrock", "search-api", "search", "sharding-api", "sharding")), seen);
        assertTrue("every capability ready", eventually(() -> {
            try {
                return get("/health/ready", OPERATOR).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }));
        HttpResponse<String> health = get("/health", OPERATOR);
        assertTrue(health.body(), health.body().contains("\"status\":\"UP\"") && health.body().contains("\"name\":\"example\"")
                && health.body().contains("\"health\":\"UP\""));
        // anonymous callers see the status only: no hosts, versions or endpoints
        assertEquals("{\"status\":\"UP\"}", get("/health", null).body());
        assertEquals("{\"status\":\"UP\"}", get("/health/ready", null).body());
        assertEquals("{\"status\":\"UP\"}", get("/health/live", null).body());
    }

    @Test
    public void restAuthMatrix() throws Exception {
        awaitUp();
        String acme = bearer(tokens.create("acme-svc", TenantId.of("acme")).token());
        String platform = bearer(tokens.create("ops", null).token());
        String greeting = "/example/tenants/acme/greeting";
        String other = "/example/tenants/globex/greeting";

        // no credentials or bad credentials: 401 with a challenge
        for (String path : List.of(greeting, "/tokens", "/flags")) {
            HttpResponse<String> r = get(path, null);
            assertProblem(r, 401);
            assertTrue(r.headers().firstValue("WWW-Authenticate").isPresent());
        }
        assertProblem(get(greeting, bearer("hr_notatoken_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")), 401);
        assertProblem(get(greeting, basic("karaf", "wrong")), 401);

        // a tenant token: its own tenant only, no platform administration
        assertEquals(200, get(greeting, acme).statusCode());
        assertProblem(get(other, acme), 403);
        assertProblem(call("POST", other, acme, "{\"message\":\"hijack\"}"), 403);
        assertProblem(get("/tokens", acme), 403);
        assertProblem(get("/flags", acme), 403);
        assertEquals(200, get("/flags/any.flag/tenants/acme", acme).statusCode());
        assertProblem(get("/flags/any.flag/tenants/globex", acme), 403);
        assertEquals("globex's greeting was not changed", "hello", field(get(other, platform).body(), "message"));

        // platform tokens and operators reach everything
        assertEquals(200, get(other, platform).statusCode());
        assertEquals(200, get("/tokens", platform).statusCode());
        assertEquals(200, get(other, OPERATOR).statusCode());
        assertEquals(200, get("/tokens", OPERATOR).statusCode());

        // revoked: 401 at once on this node
        String id = tokens.list().stream().filter(t -> t.name().equals("acme-svc")).findFirst().orElseThrow().id();
        assertEquals(204, call("DELETE", "/tokens/" + id, OPERATOR, null).statusCode());
        assertProblem(get(greeting, acme), 401);
    }

    @Test
    public void tokensOverRest() throws Exception {
        awaitUp();
        HttpResponse<String> created = call("POST", "/tokens", OPERATOR, "{\"name\":\"billing\",\"tenant\":\"initech\"}");
        assertEquals(created.body(), 201, created.statusCode());
        String token = field(created.body(), "token");
        String id = field(created.body(), "id");
        assertEquals(200, get("/example/tenants/initech/greeting", bearer(token)).statusCode());
        HttpResponse<String> list = get("/tokens", OPERATOR);
        assertTrue(list.body().contains(id));
        assertFalse("the list never shows a secret", list.body().contains(token));
        assertProblem(call("POST", "/tokens", OPERATOR, "{\"name\":\"x\"}"), 400);
        assertProblem(call("POST", "/tokens", OPERATOR, "{\"name\":\"x\",\"tenant\":\"a\",\"platform\":true}"), 400);
        assertProblem(call("DELETE", "/tokens/nosuchtoken", OPERATOR, null), 404);
    }

    @Test
    public void badInputGetsProblemJsonAndChangesNothing() throws Exception {
        awaitUp();
        String path = "/example/tenants/acme/greeting";
        HttpResponse<String> malformed = call("POST", path, OPERATOR, "{\"message\": ");
        assertProblem(malformed, 400);
        assertTrue(malformed.body(), malformed.body().contains("malformed JSON"));
        HttpResponse<String> unknown = call("POST", path, OPERATOR, "{\"message\":\"hi\",\"colour\":\"red\"}");
        assertProblem(unknown, 400);
        assertTrue(unknown.body(), unknown.body().contains("unknown field 'colour'"));
        assertProblem(call("POST", path, OPERATOR, "{\"message\":42.5e999}"), 400);
        assertProblem(call("POST", path, OPERATOR, ""), 400);
        assertProblem(call("POST", path, OPERATOR, null), 415);
        assertProblem(call("POST", path, OPERATOR, "{\"message\":\"\"}"), 400);

        // a 2 MiB body, declared and chunked: the answer is read while the body is written (the server answers and closes
        // before it has all of it; an HTTP client that only reads after writing would see a broken pipe instead)
        for (boolean chunked : new boolean[] {false, true}) {
            String answer = refusedUpload("POST /api" + path + " HTTP/1.1\r\nAuthorization: " + OPERATOR
                    + "\r\nContent-Type: application/json", chunked, 2L << 20, new long[1]);
            assertTrue(answer, answer.startsWith("HTTP/1.1 413") && answer.contains("application/problem+json"));
        }

        HttpResponse<String> badTenant = get("/example/tenants/Not_Valid!/greeting", OPERATOR);
        assertProblem(badTenant, 400);
        assertTrue(badTenant.body(), badTenant.body().contains("invalid tenant id"));
        assertProblem(call("POST", "/tokens", OPERATOR, "{\"name\":\"x\",\"tenant\":\"UPPER\"}"), 400);
        assertProblem(call("PUT", "/flags/ok.flag", OPERATOR, "{\"percentage\":10,\"allow\":[\"good\",\"BAD!\"]}"), 400);
        assertFalse("a rejected flag change writes nothing", flags.get("ok.flag").isPresent());
        assertProblem(call("PUT", "/flags/ok.flag", OPERATOR, "{\"percentage\":150}"), 400);
        assertProblem(call("PUT", "/flags/Bad%20Name", OPERATOR, "{\"percentage\":10}"), 400);
        assertFalse(flags.get("ok.flag").isPresent());

        assertEquals("nothing half-written", "hello", field(get(path, OPERATOR).body(), "message"));
        assertProblem(get("/nosuchapi", null), 404);
        assertProblem(get("/example/nosuchpath", OPERATOR), 404);
        assertProblem(call("DELETE", path, OPERATOR, null), 405);

        HttpResponse<String> echoed = http.send(HttpRequest.newBuilder(URI.create(api("/health")))
                .header("X-Request-Id", "trace-123").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("trace-123", echoed.headers().firstValue("X-Request-Id").orElse(""));
    }

    @Test
    public void flagsAreKeptInTheControlSchema() throws Exception {
        awaitUp();
        HttpResponse<String> r = call("PUT", "/flags/search.v2", OPERATOR,
                "{\"description\":\"new read path\",\"percentage\":25,\"allow\":[\"acme\"],\"deny\":[\"globex\"]}");
        assertEquals(r.body(), 200, r.statusCode());
        try (Connection c = store.dataSource().getConnection();
             PreparedStatement p = c.prepareStatement("SELECT percentage_bp FROM feature_flags WHERE name = ?")) {
            p.setString(1, "search.v2");
            try (ResultSet rs = p.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(2500, rs.getInt(1));
            }
        }
        assertTrue(flags.isEnabled("search.v2", TenantId.of("acme")));
        assertFalse(flags.isEnabled("search.v2", TenantId.of("globex")));
        assertTrue(get("/flags/search.v2/tenants/acme", OPERATOR).body().contains("\"enabled\":true"));
        assertEquals(204, call("DELETE", "/flags/search.v2", OPERATOR, null).statusCode());
        assertProblem(get("/flags/search.v2", OPERATOR), 404);
    }

    @Test
    public void shellCommands() throws Exception {
        awaitUp();
        String status = shell("headroom:status");
        assertTrue(status, status.contains("Platform: UP") && status.contains("io.headroom.example") && status.contains("/api/example"));

        String created = shell("headroom:token-create --tenant hooli reporting");
        String token = created.lines().filter(l -> l.startsWith("token:")).findFirst().orElseThrow().substring(6).trim();
        String id = created.lines().filter(l -> l.startsWith("id:")).findFirst().orElseThrow().substring(3).trim();
        assertEquals(200, get("/example/tenants/hooli/greeting", bearer(token)).statusCode());
        assertTrue(shell("headroom:token-list").contains(id));
        assertTrue(shell("headroom:token-revoke " + id).contains("revoked"));
        assertProblem(get("/example/tenants/hooli/greeting", bearer(token)), 401);

        String set = shell("headroom:flag-set --percent 12.5 --allow hooli,initech --deny umbrella queue.overflow");
        assertTrue(set, set.contains("queue.overflow") && set.contains("12.5"));
        assertTrue(flags.isEnabled("queue.overflow", TenantId.of("initech")));
        assertTrue(shell("headroom:flag-list").contains("umbrella"));

        Exception badTenant = assertThrows(Exception.class, () -> shell("headroom:token-create --tenant Bad! x"));
        assertTrue(badTenant.getMessage(), badTenant.getMessage().contains("invalid tenant id"));
        Exception badPercent = assertThrows(Exception.class, () -> shell("headroom:flag-set --percent 101 queue.overflow"));
        assertTrue(badPercent.getMessage(), badPercent.getMessage().contains("between 0 and 100"));
        Exception both = assertThrows(Exception.class, () -> shell("headroom:token-create --tenant a --platform x"));
        assertTrue(both.getMessage(), both.getMessage().contains("exactly one"));
    }

    @Test
    public void operatorActionsAreAuditedAndRequestsMeasured() throws Exception {
        awaitUp();
        assertEquals(200, call("PUT", "/flags/audit.rest", OPERATOR, "{\"percentage\":10}").statusCode());
        shell("headroom:flag-set --percent 20 audit.shell");
        String token = field(call("POST", "/tokens", OPERATOR, "{\"name\":\"audit-reader\",\"tenant\":\"acme\"}").body(), "token");

        assertTrue("the REST change is in the audit log with who, what and the outcome", eventually(() -> {
            String body = read("/audit?action=audit.rest");
            return body.contains("\"actor\":\"karaf\"") && body.contains("\"via\":\"rest\"")
                    && body.contains("\"action\":\"PUT /flags/{name}\"") && body.contains("\"target\":\"/api/flags/audit.rest\"")
                    && body.contains("\"outcome\":\"200\"");
        }));
        assertTrue("so is the shell command, as typed", eventually(() -> {
            String body = read("/audit?action=audit.shell&actor=karaf");
            return body.contains("\"via\":\"shell\"") && body.contains("\"action\":\"headroom:flag-set\"")
                    && body.contains("\"outcome\":\"ok\"");
        }));
        assertTrue(shell("headroom:audit --action audit.shell").contains("headroom:flag-set"));
        assertEquals("reads are not audited", "[]", read("/audit?action=GET%20"));
        assertProblem(get("/audit?since=yesterday", OPERATOR), 400);
        assertProblem(get("/audit?limit=0", OPERATOR), 400);
        assertProblem(get("/audit", bearer(token)), 403);

        assertEquals(404, get("/nowhere-" + System.nanoTime(), null).statusCode());
        String metrics = read("/metrics");
        assertTrue(metrics, metrics.contains(
                "headroom_rest_request_duration_seconds_count{endpoint=\"/flags/{name}\",method=\"PUT\",status=\"200\"} "));
        assertTrue("a refused request is counted under its endpoint and status", metrics.contains(
                "headroom_rest_request_duration_seconds_count{endpoint=\"/audit\",method=\"GET\",status=\"403\"} "));
        assertTrue("paths nothing was ever published at share one label", metrics.contains(
                "headroom_rest_request_duration_seconds_count{endpoint=\"unknown\",method=\"GET\",status=\"404\"} "));
    }

    /**
     * One operator change per kind the audit must cover (tokens, flags, shards, moves, schema changes, search
     * migrations, LLM routes, queue limits), made over REST whether or not the platform accepts it: each is in the audit
     * log under its endpoint template with the status it got.
     */
    @Test
    public void everyKindOfOperatorChangeIsAudited() throws Exception {
        awaitUp();
        String[][] changes = {
            {"POST", "/tokens", "{\"name\":\"audit-every\",\"tenant\":\"acme\"}", "POST /tokens"},
            {"PUT", "/flags/audit.every", "{\"percentage\":5}", "PUT /flags/{name}"},
            {"POST", "/sharding/shards", "{}", "POST /sharding/shards"},
            {"POST", "/sharding/moves", "{}", "POST /sharding/moves"},
            {"POST", "/sharding/schema", "{}", "POST /sharding/schema"},
            {"POST", "/search/collections/auditnone/migrations", "{}", "POST /search/collections/{collection}/migrations"},
            {"PUT", "/llm/routes/audit-every", "[]", "PUT /llm/routes/{name}"},
            {"PUT", "/queue/tenants/audit-every/limits", "{\"weight\":2,\"cap\":5}", "PUT /queue/tenants/{tenant}/limits"},
        };
        java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
        for (String[] c : changes) {
            HttpResponse<String> r = call(c[0], c[1], OPERATOR, c[2]);
            assertTrue(c[1] + " reached its resource: " + r.statusCode() + " " + r.body(), r.statusCode() != 404 || c[1].contains("auditnone"));
            expected.put(c[3], Integer.toString(r.statusCode()));
        }
        java.util.Map<String, String> missing = new java.util.LinkedHashMap<>(expected);
        eventually(() -> {
            String body = read("/audit?actor=karaf&since=10m&limit=1000");
            for (String entry : body.split("\\},\\{")) {
                missing.entrySet().removeIf(e -> entry.contains("\"action\":\"" + e.getKey() + "\"")
                        && entry.contains("\"outcome\":\"" + e.getValue() + "\"") && entry.contains("\"via\":\"rest\""));
            }
            return missing.isEmpty();
        });
        assertEquals("operator changes with no audit entry (action=status)", java.util.Map.of(), missing);
    }

    /** An operator GET's body, or what went wrong instead (for conditions polled with eventually). */
    private String read(String path) {
        try {
            HttpResponse<String> r = get(path, OPERATOR);
            return r.statusCode() == 200 ? r.body() : "status " + r.statusCode() + ": " + r.body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    public void openApiDescribesTheLiveEndpoints() throws Exception {
        awaitUp();
        HttpResponse<String> doc = get("/openapi.json", null);
        assertEquals(200, doc.statusCode());
        for (String path : List.of("/api/example/tenants/{tenant}/greeting", "/api/tokens", "/api/flags/{name}", "/api/health")) {
            assertTrue(path + " missing", doc.body().contains("\"" + path + "\""));
        }
    }

    private static void assertProblem(HttpResponse<String> r, int status) {
        assertEquals(r.body(), status, r.statusCode());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(r.body(), r.body().contains("\"status\":" + status) && r.body().contains("\"detail\":"));
        assertFalse("no stack traces to clients: " + r.body(), r.body().contains("Exception") || r.body().contains("\tat "));
        assertTrue(r.headers().firstValue("X-Request-Id").isPresent());
    }
}
