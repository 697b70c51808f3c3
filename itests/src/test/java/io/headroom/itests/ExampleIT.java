package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.store.ControlStore;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import io.headroom.heartbeat.api.Heartbeat;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** The example capability, the template: its service, REST and shell in the distribution, state in the control schema. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExampleIT extends HeadroomTestSupport {
    @Inject
    private Greetings greetings;

    @Inject
    private ApiTokens tokens;

    @Inject
    private ControlStore store;

    @Inject
    private Heartbeat heartbeat;

    @Configuration
    public Option[] config() {
        return distribution(TestDatabases.machineOrEmbeddedSchema());
    }

    private static String greeting(String tenant) {
        return "/example/tenants/" + tenant + "/greeting";
    }

    @Test
    public void greetingsLiveInTheControlSchemaAndSurviveARestartOfTheBundle() throws Exception {
        awaitStatus(greeting("initech"), OPERATOR, 200);
        HttpResponse<String> initial = get(greeting("initech"), OPERATOR);
        assertTrue(initial.body(), initial.body().contains("\"message\":\"hello\"") && initial.body().contains("\"updates\":0"));
        assertEquals(200, call("POST", greeting("initech"), OPERATOR, "{\"message\":\"hi\"}").statusCode());
        HttpResponse<String> second = call("POST", greeting("initech"), OPERATOR, "{\"message\":\"hi again\"}");
        assertTrue(second.body(), second.body().contains("\"tenant\":\"initech\"") && second.body().contains("\"updates\":2"));

        // bundles use the same service through the API
        assertEquals(new Greeting(TenantId.of("initech"), "from a bundle", 3), greetings.update(TenantId.of("initech"), "from a bundle"));
        assertEquals(3, greetings.greeting(TenantId.of("initech")).updates());
        assertTrue(eventually(() -> heartbeat.tenant(TenantId.of("initech")).stream()
                .anyMatch(h -> h.job().equals(Greetings.JOB) && h.events1h() == 3)));

        try (Connection c = store.dataSource().getConnection();
             PreparedStatement p = c.prepareStatement("SELECT message, updates FROM example_greetings WHERE tenant = ?")) {
            p.setString(1, "initech");
            try (ResultSet rs = p.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("from a bundle", rs.getString(1));
                assertEquals(3, rs.getLong(2));
            }
        }

        Bundle example = bundle("io.headroom.example");
        example.stop();
        example.start();
        awaitStatus(greeting("initech"), OPERATOR, 200);
        HttpResponse<String> after = get(greeting("initech"), OPERATOR);
        assertTrue("nothing was kept in memory: " + after.body(), after.body().contains("\"message\":\"from a bundle\"")
                && after.body().contains("\"updates\":3"));
    }

    @Test
    public void tenantsAreKeptApartAndBadInputChangesNothing() throws Exception {
        awaitStatus(greeting("acme"), OPERATOR, 200);
        String acme = bearer(tokens.create("acme-example", TenantId.of("acme")).token());
        assertEquals(200, call("POST", greeting("acme"), acme, "{\"message\":\"ours\"}").statusCode());
        assertEquals(403, get(greeting("globex"), acme).statusCode());
        assertEquals(403, call("POST", greeting("globex"), acme, "{\"message\":\"theirs\"}").statusCode());

        for (String bad : new String[] {"{\"message\":\"\"}", "{\"message\":\"   \"}", "{\"message\":\"" + "x".repeat(201) + "\"}", "{}"}) {
            HttpResponse<String> r = call("POST", greeting("acme"), acme, bad);
            assertEquals(r.body(), 400, r.statusCode());
            assertTrue(r.body(), r.body().contains("'message' is required, 1-200 characters"));
        }
        HttpResponse<String> kept = get(greeting("acme"), acme);
        assertTrue(kept.body(), kept.body().contains("\"message\":\"ours\"") && kept.body().contains("\"updates\":1"));
        assertTrue(get(greeting("globex"), OPERATOR).body().contains("\"updates\":0"));
    }

    @Test
    public void operatorsSetAndListGreetingsFromTheShell() throws Exception {
        awaitStatus(greeting("hooli"), OPERATOR, 200);
        String set = shell("example:greet hooli \"good morning\"");
        assertTrue(set, set.contains("hooli: good morning (update 1)"));
        String list = shell("example:greetings");
        assertTrue(list, list.contains("hooli") && list.contains("good morning"));
        assertTrue(get(greeting("hooli"), OPERATOR).body().contains("\"message\":\"good morning\""));
        Exception badTenant = assertThrows(Exception.class, () -> shell("example:greet Bad! x"));
        assertTrue(badTenant.getMessage(), badTenant.getMessage().contains("invalid tenant id"));
    }
}
