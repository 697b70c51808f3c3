package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Heartbeat;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.inject.Inject;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/** The heartbeat capability in the distribution: signals in, ingestion, SLOs, alerts out, Prometheus, status page. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HeartbeatIT extends HeadroomTestSupport {
    @Inject
    private ApiTokens tokens;

    @Inject
    private Heartbeat heartbeat;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut("etc/io.headroom.heartbeat.cfg", "evaluateSeconds", "1"),
                editConfigurationFilePut("etc/io.headroom.heartbeat.cfg", "flushSeconds", "1"));
    }

    private long events(String tenant, String job) {
        return heartbeat.tenant(TenantId.of(tenant)).stream().filter(h -> h.job().equals(job)).mapToLong(h -> h.events1h()).sum();
    }

    @Test
    public void theShellCompletesTenantsFlagsAndJobsWhereCommandsNameThem() throws Exception {
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        shell("llm:quota --rpm 7 completion-tenant");
        shell("headroom:flag-set --percent 0 completion.flag");
        shell("heartbeat:slo-set completion.job 0.99");
        List<String> quota = completions("llm:quota ");
        assertTrue(quota.toString(), quota.contains("completion-tenant"));
        List<String> usage = completions("llm:usage --tenant ");
        assertTrue(usage.toString(), usage.contains("completion-tenant"));
        List<String> flags = completions("release:kill-switch ");
        assertTrue(flags.toString(), flags.contains("completion.flag"));
        assertTrue("only flags are offered for the flag: " + flags, !flags.contains("completion.job"));
        List<String> jobs = completions("release:kill-switch completion.flag ");
        assertTrue(jobs.toString(), jobs.contains("completion.job"));
        List<String> prefixed = completions("release:kill-switch completion.f");
        assertEquals(List.of("completion.flag"), prefixed);
    }

    @Test
    public void outcomesSignalledByACapabilityReachTheHeartbeat() throws Exception {
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        // the example capability can be published a moment after the heartbeat
        awaitStatus("/example/tenants/signals/greeting", OPERATOR, 200);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, call("POST", "/example/tenants/signals/greeting", OPERATOR, "{\"message\":\"hi " + i + "\"}").statusCode());
        }
        assertEquals(3, events("signals", "example.greet"));
        String body = get("/heartbeat/tenants/signals", OPERATOR).body();
        assertTrue(body, body.contains("\"job\":\"example.greet\"") && body.contains("\"events1h\":3"));
    }

    @Test
    public void badBatchesAreRefusedWholeAndTenantsStayApart() throws Exception {
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        String ok = "{\"tenant\":\"batch\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10}";
        List<String> bad = List.of(
                "{\"tenant\":\"Bad!\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10}",
                "{\"tenant\":\"batch\",\"job\":\"Report Run\",\"success\":true,\"latencyMillis\":10}",
                "{\"tenant\":\"batch\",\"job\":\"report.run\",\"latencyMillis\":10}",
                "{\"tenant\":\"batch\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":-1}",
                "{\"tenant\":\"batch\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10,\"at\":\"yesterday\"}",
                "{\"tenant\":\"batch\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10,\"at\":\"2020-01-01T00:00:00Z\"}",
                "{\"tenant\":\"batch\",\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10,\"extra\":1}");
        for (String b : bad) {
            HttpResponse<String> r = call("POST", "/heartbeat/events", OPERATOR, "[" + ok + "," + b + "]");
            assertEquals(b + " -> " + r.body(), 400, r.statusCode());
        }
        assertEquals(400, call("POST", "/heartbeat/events", OPERATOR, "[]").statusCode());
        assertEquals(400, call("POST", "/heartbeat/events", OPERATOR, "[" + (ok + ",").repeat(1000) + ok + "]").statusCode());
        assertEquals("nothing of a refused batch was recorded", 0, events("batch", "report.run"));
        assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, "[" + ok + "," + ok + "]").statusCode());
        assertEquals(2, events("batch", "report.run"));

        String acme = bearer(tokens.create("acme-hb", TenantId.of("acme")).token());
        String own = "[{\"job\":\"report.run\",\"success\":true,\"latencyMillis\":10}]";
        assertEquals(202, call("POST", "/heartbeat/tenants/acme/events", acme, own).statusCode());
        assertEquals(403, call("POST", "/heartbeat/tenants/batch/events", acme, own).statusCode());
        assertEquals(403, call("POST", "/heartbeat/events", acme, "[" + ok + "]").statusCode());
        assertEquals(403, get("/heartbeat/tenants/batch", acme).statusCode());
        assertEquals(200, get("/heartbeat/tenants/acme", acme).statusCode());
        assertEquals(403, get("/heartbeat/status", acme).statusCode());
        assertEquals(2, events("batch", "report.run"));
    }

    @Test
    public void aFailingTenantPagesAndResolvesAndAlertsReachEventAdmin() throws Exception {
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        List<Event> seen = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, "io/headroom/heartbeat/alert/*");
        var registration = bundleContext.registerService(EventHandler.class, seen::add, props);
        try {
            assertEquals(200, call("PUT", "/heartbeat/slos/checkout.pay", OPERATOR, "{\"target\":0.999,\"latencyThresholdMillis\":2000}").statusCode());
            assertEquals(400, call("PUT", "/heartbeat/slos/checkout.pay", OPERATOR, "{\"target\":1.5}").statusCode());
            String failing = "{\"tenant\":\"initech\",\"job\":\"checkout.pay\",\"success\":false,\"latencyMillis\":10}";
            assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, "[" + (failing + ",").repeat(199) + failing + "]").statusCode());

            assertTrue("a page fired for initech", eventually(() -> firing("initech").isPresent()));
            assertTrue(eventually(() -> seen.stream().anyMatch(e -> e.getTopic().endsWith("FIRED") && "initech".equals(e.getProperty("tenant")))));
            String page = get("/heartbeat/page", OPERATOR).body();
            assertTrue(page, page.contains("id=\"tenant-pages\"") && page.contains("initech"));
            String metrics = get("/metrics", OPERATOR).body();
            assertTrue(metrics, metrics.contains("headroom_heartbeat_alerts_firing{severity=\"page\"} ")
                    && metrics.contains("tenant=\"initech\"") && !metrics.contains("severity=\"page\"} 0"));

            // recovery: enough good events that every page rule's bad share falls under its threshold
            // (200 bad in 40,200 is 0.5%: a burn of 5, under both 14.4 and 6)
            String good = "{\"tenant\":\"initech\",\"job\":\"checkout.pay\",\"success\":true,\"latencyMillis\":10}";
            String batch = "[" + (good + ",").repeat(999) + good + "]";
            for (int i = 0; i < 40; i++) {
                assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, batch).statusCode());
            }
            assertTrue("the page resolved", eventually(() -> firing("initech").isEmpty()));
            assertTrue(eventually(() -> seen.stream().anyMatch(e -> e.getTopic().endsWith("RESOLVED"))));
            assertTrue(heartbeat.alerts(50).stream().anyMatch(a -> "initech".equals(a.tenant()) && a.resolvedAt() != null));
        } finally {
            registration.unregister();
        }
    }

    @Test
    public void oneTenantFailingPagesItsTenantAndThreeTenantsPageThePlatform() throws Exception {
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        assertEquals(200, call("PUT", "/heartbeat/slos/quorum.pay", OPERATOR, "{\"target\":0.999}").statusCode());
        // every tenant healthy first, so the platform-wide sums burn only through the failing tenants
        for (String t : List.of("qa", "qb", "qc", "qd", "qe")) {
            assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, batch(t, true, 200)).statusCode());
        }
        assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, batch("qa", false, 100)).statusCode());
        assertTrue("qa's own page fires", eventually(() -> firing("qa", "quorum.pay").isPresent()));
        // the platform's sums burn over 14.4x (100 bad in 1,100 with a 0.1% budget) yet one tenant is not a spread
        assertTrue(heartbeat.platform().stream().anyMatch(h -> h.job().equals("quorum.pay") && h.burn5m() > 14.4));
        Thread.sleep(3000); // three evaluation cycles
        assertTrue("no platform-wide page for one tenant", platformPage("quorum.pay").isEmpty());

        assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, batch("qb", false, 100)).statusCode());
        assertEquals(202, call("POST", "/heartbeat/events", OPERATOR, batch("qc", false, 100)).statusCode());
        assertTrue("three failing tenants page the platform", eventually(() -> platformPage("quorum.pay").isPresent()));
        // recorded one after the other by the same evaluation: the platform's may be written first
        assertTrue(eventually(() -> firing("qb", "quorum.pay").isPresent() && firing("qc", "quorum.pay").isPresent()));
        assertTrue(firing("qd", "quorum.pay").isEmpty());
    }

    private static String batch(String tenant, boolean success, int n) {
        String one = "{\"tenant\":\"" + tenant + "\",\"job\":\"quorum.pay\",\"success\":" + success + ",\"latencyMillis\":10}";
        return "[" + String.join(",", java.util.Collections.nCopies(n, one)) + "]";
    }

    private Optional<Alert> firing(String tenant, String job) {
        return heartbeat.alerts(200).stream().filter(a -> tenant.equals(a.tenant()) && job.equals(a.job()) && a.firing()
                && a.severity().equals(Alert.PAGE)).findFirst();
    }

    private Optional<Alert> platformPage(String job) {
        return heartbeat.alerts(200).stream().filter(a -> a.tenant() == null && job.equals(a.job()) && a.firing()
                && a.severity().equals(Alert.PAGE)).findFirst();
    }

    private Optional<Alert> firing(String tenant) {
        return heartbeat.alerts(100).stream().filter(a -> tenant.equals(a.tenant()) && a.firing() && a.severity().equals(Alert.PAGE)).findFirst();
    }

    @Test
    public void theStatusPageRendersInHeadlessChromium() throws Exception {
        Assume.assumeTrue("chromium is not on the PATH (.ci/run installs Debian's)", Chromium.binary() != null);
        awaitStatus("/heartbeat/slos", OPERATOR, 200);
        heartbeat.record(new OutcomeEvent(TenantId.of("hooli"), "search.query", true, 12, Instant.now()));
        String dom = Chromium.render(api("/heartbeat/page").replace("http://", "http://karaf:karaf@"), null);
        assertTrue(dom, dom.contains("<title>Headroom heartbeat</title>"));
        assertTrue(dom, dom.contains("id=\"platform\"") && dom.contains("search.query") && dom.contains("id=\"worst\""));
        assertTrue(dom, dom.contains("id=\"overall\""));
    }
}
