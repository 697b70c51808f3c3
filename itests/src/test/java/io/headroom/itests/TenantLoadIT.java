package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.QueueFullException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * One customer's workload across layers: three tenants load the queue, the LLM gateway and the REST host; one spikes in
 * all three at once. The ledger shows its shares, the spike is named as its own, and one {@code headroom:limit} brings
 * its admitted counts in each layer down to the limit while the others' are unchanged; the limit expires; bad input
 * changes nothing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TenantLoadIT extends HeadroomTestSupport {
    private static final String ANTHROPIC = "headroom.it.anthropic";
    private static final String LOAD_CFG = "etc/io.headroom.load.cfg";
    private static final List<String> TENANTS = List.of("acme", "hooli", "initech");
    private static final ChatRequest HI = new ChatRequest(List.of(new ChatMessage("user", "hi")), 20, null);

    @Inject
    private FairQueue queue;

    @Inject
    private LlmRouter llm;

    @Inject
    private TenantLoad load;

    @Inject
    private TenantLimits limits;

    @Inject
    private ApiTokens tokens;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                systemProperty(ANTHROPIC).value(TestDatabases.anthropicEndpoint()),
                // short windows so the test's seconds are a baseline and a spike; with only 8 s of history the
                // baseline takes in much of the spike, hence a low factor
                editConfigurationFilePut(LOAD_CFG, "flushMillis", "500"),
                editConfigurationFilePut(LOAD_CFG, "rateHalfLifeSeconds", "0.75"),
                editConfigurationFilePut(LOAD_CFG, "baselineHalfLifeSeconds", "120"),
                editConfigurationFilePut(LOAD_CFG, "spikeFactor", "1.8"),
                editConfigurationFilePut(LOAD_CFG, "spikeMinShare", "0.5"),
                editConfigurationFilePut(LOAD_CFG, "spikeMinRate", "2"),
                editConfigurationFilePut(LOAD_CFG, "limitRefreshMillis", "200"));
    }

    private void factory(String pid, String... kv) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        configAdmin.createFactoryConfiguration(pid, "?").update(props);
    }

    private <T> ServiceRegistration<T> register(Class<T> type, T service, String key, Object value) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(key, value);
        return bundleContext.registerService(type, service, props);
    }

    /** One round of a tenant's work: {@code n} REST requests, queue jobs and LLM calls. */
    private void work(String tenant, String token, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertEquals(200, get("/load/tenants/" + tenant, token).statusCode());
            queue.submit(job(tenant, "it.load.fast"));
            llm.complete(TenantId.of(tenant), Priority.INTERACTIVE, "load-chat", HI, Duration.ofSeconds(5));
        }
    }

    private static JobRequest job(String tenant, String type) {
        return new JobRequest(TenantId.of(tenant), type, "x", io.headroom.queue.api.Priority.NORMAL, null);
    }

    /** The tenant's report as an operator reads it over REST; empty when the call failed. */
    private String tenantReport(String tenant) {
        try {
            return get("/load/tenants/" + tenant, OPERATOR).body();
        } catch (Exception e) {
            return "";
        }
    }

    private void assertShellRefuses(String command, String because) throws Exception {
        String out;
        try {
            out = shell(command);
        } catch (Exception e) {
            String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            assertTrue(command + ": " + message, message.contains(because));
            return;
        }
        fail(command + " was accepted: " + out);
    }

    private int admittedJobs(String tenant, int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            try {
                queue.submit(job(tenant, "it.load.hold"));
                admitted++;
            } catch (QueueFullException e) {
                // refused at the cap
            }
        }
        return admitted;
    }

    private int admittedCalls(String tenant, int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            try {
                llm.complete(TenantId.of(tenant), Priority.INTERACTIVE, "load-chat", HI, Duration.ofSeconds(5));
                admitted++;
            } catch (ProviderException e) {
                assertEquals(e.getMessage(), 429, e.status());
            }
        }
        return admitted;
    }

    private int admittedRequests(String tenant, String token, int tries) throws Exception {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            HttpResponse<String> r = get("/load/tenants/" + tenant, token);
            if (r.statusCode() == 200) {
                admitted++;
            } else {
                assertEquals(r.body(), 429, r.statusCode());
                assertTrue("429 says when to retry", r.headers().firstValue("Retry-After").isPresent());
            }
        }
        return admitted;
    }

    private TenantLayerLoad top(String layer) {
        List<TenantLayerLoad> t = load.top(layer, 3);
        return t.isEmpty() ? null : t.get(0);
    }

    @Test
    public void oneTenantsSpikeIsSeenAttributedAndLimitedInEveryLayer() throws Exception {
        factory("io.headroom.llm.deployment", "name", "load-claude", "provider", "anthropic", "model", "claude-test",
                "endpoint", System.getProperty(ANTHROPIC), "apiKey", "sk-ant-never-shown");
        factory("io.headroom.llm.route", "name", "load-chat", "strategy", "ordered", "deployments", "load-claude");
        List<Event> spikes = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        List<ServiceRegistration<?>> regs = List.of(
                register(EventHandler.class, spikes::add, EventConstants.EVENT_TOPIC, "io/headroom/load/*"),
                register(JobHandler.class, job -> { }, JobHandler.TYPE, "it.load.fast"),
                register(JobHandler.class, job -> release.await(), JobHandler.TYPE, "it.load.hold"));
        try {
            awaitStatus("/load/limits", OPERATOR, 200);
            assertTrue(eventually(() -> llm.routes().stream().anyMatch(r -> r.name().equals("load-chat"))));
            Map<String, String> token = new ConcurrentHashMap<>();
            for (String t : TENANTS) {
                token.put(t, bearer(tokens.create(t + "-load", TenantId.of(t)).token()));
            }

            // a baseline: every tenant alike; then hooli spikes in every layer at once
            long until = System.currentTimeMillis() + 8_000;
            while (System.currentTimeMillis() < until) {
                for (String t : TENANTS) {
                    work(t, token.get(t), 1);
                }
                Thread.sleep(200);
            }
            until = System.currentTimeMillis() + 3_000;
            while (System.currentTimeMillis() < until) {
                for (String t : TENANTS) {
                    work(t, token.get(t), t.equals("hooli") ? 8 : 1);
                }
                Thread.sleep(200);
            }

            for (String layer : List.of("queue.jobs", "llm.requests", "rest.requests")) {
                assertTrue(layer + ": " + load.top(layer, 5), eventually(() -> {
                    TenantLayerLoad first = top(layer);
                    return first != null && first.tenant().equals("hooli") && first.share() > 0.5;
                }));
                assertTrue("the spike event names the tenant and the layer: " + spikes, eventually(() -> spikes.stream().anyMatch(
                        e -> e.getTopic().endsWith("/SPIKE") && "hooli".equals(e.getProperty("tenant")) && layer.equals(e.getProperty("layer"))
                                && (double) e.getProperty("rate") > 1.8 * (double) e.getProperty("baseline"))));
            }
            assertTrue("only the spiking tenant is named: " + spikes, spikes.stream().allMatch(e -> "hooli".equals(e.getProperty("tenant"))));
            String report = shell("headroom:tenant hooli");
            assertTrue(report, report.contains("queue.jobs") && report.contains("llm.requests") && report.contains("rest.requests")
                    && report.contains("Limits: none"));
            // each layer broken down by resource: the LLM route, the REST service, the queue backend
            assertTrue(report, report.contains("llm.requests/load-chat") && report.contains("rest.requests/load"));
            assertTrue(load.layers().toString(), load.layers().contains("llm.requests/load-chat"));
            TenantLayerLoad route = load.tenant(TenantId.of("hooli")).stream().filter(l -> l.layer().equals("llm.requests/load-chat"))
                    .findFirst().orElseThrow();
            assertEquals("llm", route.capability());
            assertEquals("requests", route.measure());
            assertEquals("load-chat", route.resource());
            assertTrue(tenantReport("hooli").contains("\"layer\":\"rest.requests/load\""));
            // its health as the heartbeat judges it: the tenant's jobs with their events, bad events and burn
            assertTrue("the heartbeat's view of hooli's jobs", eventually(() -> tenantReport("hooli")
                    .matches("(?s).*\"slos\":\\[.*\"job\":\"queue\\.it\\.load\\.fast\",\"events1h\":[1-9].*")));
            assertTrue(shell("headroom:tenant hooli").contains("queue.it.load.fast"));
            String topOut = shell("headroom:top --iterations 1 --sort llm.requests/load-chat");
            assertTrue(topOut, topOut.contains("hooli") && topOut.contains("acme") && topOut.contains("initech"));
            HttpResponse<String> rest = get("/load/top?layer=queue.jobs&n=2", OPERATOR);
            assertTrue(rest.body(), rest.statusCode() == 200 && rest.body().contains("\"tenant\":\"hooli\""));
            assertTrue(metric("headroom_tenant_load_spikes_total", "tenant=\"hooli\"") >= 3);
            String console = get("/console", OPERATOR).body();
            assertTrue("the console's tenant load panel shows the tenants", console.contains("panel-tenant-load") && console.contains("hooli"));

            // bad input changes nothing
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"searchQps\":5}").statusCode());
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"queueCap\":-1}").statusCode());
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"restRps\":5,\"expires\":\"soon\"}").statusCode());
            // in the shell the options come before the tenant (Karaf's parser), as the README says: after it they are refused
            assertShellRefuses("headroom:limit hooli --queue-cap 3", "too many arguments");
            assertShellRefuses("headroom:limit --queue-cap -1 hooli", "");
            assertFalse(shell("headroom:limits").contains("hooli"));
            assertTrue(limits.list().isEmpty());

            assertTrue("hooli's jobs are done", eventually(() -> queue.stats(TenantId.of("hooli"))
                    .map(st -> st.backlog() + st.overflowBacklog() + st.inFlight() == 0).orElse(true)));
            // without limits, each tenant gets all it asks for: the counts to compare with
            for (String t : TENANTS) {
                assertEquals(t, 10, admittedRequests(t, token.get(t), 10));
            }

            // one command limits hooli in every layer, for a while
            String set = shell("headroom:limit --queue-cap 3 --llm-rpm 4 --rest-rps 2 --expires 25s hooli");
            assertTrue(set, set.contains("hooli"));
            assertTrue(shell("headroom:limits").contains("hooli"));
            // bad input on a tenant that has a limit changes nothing: the limit keeps its figures and its expiry
            TenantLimit before = limits.limit(TenantId.of("hooli")).orElseThrow();
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"searchQps\":5}").statusCode());
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"queueCap\":-1,\"expires\":\"1h\"}").statusCode());
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"restRps\":-5}").statusCode());
            assertEquals(400, call("PUT", "/load/limits/hooli", OPERATOR, "{\"llmRpm\":1,\"expires\":\"soon\"}").statusCode());
            assertShellRefuses("headroom:limit --rest-rps -1 --expires 1h hooli", "");
            assertEquals(before, limits.limit(TenantId.of("hooli")).orElseThrow());
            assertEquals(List.of(before), limits.list());
            assertTrue(get("/load/limits", OPERATOR).body().contains("\"restRps\":2"));
            assertEquals(3, admittedJobs("hooli", 10));
            assertEquals("others' queue admissions are unchanged", 10, admittedJobs("acme", 10));
            assertEquals(10, admittedJobs("initech", 10));
            long minute = System.currentTimeMillis() / 60_000;
            int calls = admittedCalls("hooli", 10);
            int minutes = (int) (System.currentTimeMillis() / 60_000 - minute) + 1; // a new minute brings a new allowance
            assertTrue("LLM calls admitted: " + calls, calls >= 1 && calls <= 4 * minutes && calls < 10);
            assertEquals(10, admittedCalls("acme", 10));
            assertEquals(10, admittedCalls("initech", 10));
            long started = System.nanoTime();
            int requests = admittedRequests("hooli", token.get("hooli"), 10);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue("REST requests admitted: " + requests + " in " + seconds + " s",
                    requests >= 1 && requests <= 2 + Math.ceil(seconds * 2) && requests < 10);
            assertEquals(10, admittedRequests("acme", token.get("acme"), 10));
            assertEquals(10, admittedRequests("initech", token.get("initech"), 10));
            String report2 = shell("headroom:tenant hooli");
            assertTrue(report2, report2.contains("queue cap 3") && report2.contains("LLM 4 rpm") && report2.contains("REST 2 rps"));

            // the limits end by themselves
            assertTrue(eventually(() -> limits.list().isEmpty()));
            assertEquals(10, admittedRequests("hooli", token.get("hooli"), 10));
            assertFalse(shell("headroom:limits").contains("hooli"));
        } finally {
            release.countDown();
            regs.forEach(ServiceRegistration::unregister);
        }
    }
}
