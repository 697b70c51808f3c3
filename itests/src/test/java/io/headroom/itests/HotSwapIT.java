package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.flags.FeatureFlags;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import javax.inject.Inject;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.RestResource;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.annotation.security.PermitAll;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.container.AsyncResponse;
import javax.ws.rs.container.Suspended;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.junit.Test;
import org.ops4j.pax.exam.OptionUtils;
import org.osgi.framework.ServiceRegistration;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Capabilities are updated, stopped and started in a running platform while clients keep calling them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapIT extends HeadroomTestSupport {
    private static final String GREETING = "/example/tenants/acme/greeting";

    @Inject
    private ApiTokens tokens;

    /** Fewer server threads than the requests a test holds, so holding must not take a thread each. */
    private static final int SERVER_THREADS = 24;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.ops4j.pax.web.server.maxThreads", String.valueOf(SERVER_THREADS)));
    }

    /** A resource of the test: /api/asyncprobe/held suspends each request until the test resumes it; /now answers at once. */
    @Path("/")
    public static final class AsyncProbe implements RestResource {
        final Queue<AsyncResponse> suspended = new ConcurrentLinkedQueue<>();

        @GET
        @Path("held")
        @PermitAll
        public void held(@Suspended AsyncResponse response) {
            suspended.add(response);
        }

        @GET
        @Path("now")
        @PermitAll
        @Produces(MediaType.TEXT_PLAIN)
        public String now() {
            return "ok";
        }
    }

    @Test
    public void requestsHeldByAResourceOrAtTheGateOccupyNoServerThread() throws Exception {
        awaitUp();
        AsyncProbe probe = new AsyncProbe();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RestResource.PATH, "/asyncprobe");
        ServiceRegistration<RestResource> reg = bundleContext.registerService(RestResource.class, probe, props);
        awaitStatus("/asyncprobe/now", null, 200);
        int held = SERVER_THREADS * 4;

        // suspended by the resource (JAX-RS AsyncResponse), as a write held at a fence is
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < held; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(api("/asyncprobe/held"))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        assertTrue("every request reached the resource", eventually(() -> probe.suspended.size() == held));
        assertEquals("with " + held + " requests held on " + SERVER_THREADS + " threads, the server still answers",
                200, get("/asyncprobe/now", null).statusCode());
        probe.suspended.forEach(r -> r.resume(Response.ok("resumed", MediaType.TEXT_PLAIN).build()));
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            assertEquals("resumed", a.get(30, TimeUnit.SECONDS).body());
        }

        // held at the gate while the resource is away, as during a bundle update
        reg.unregister();
        answers.clear();
        for (int i = 0; i < held; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(api("/asyncprobe/now"))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(500);
        assertTrue("held, not answered", answers.stream().noneMatch(CompletableFuture::isDone));
        assertEquals("the rest of the API answers meanwhile", 200, get("/health", null).statusCode());
        reg = bundleContext.registerService(RestResource.class, probe, props);
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get(30, TimeUnit.SECONDS);
            assertEquals(r.body(), 200, r.statusCode());
        }
        reg.unregister();
    }

    /**
     * A direct endpoint at a path with a tenant segment: a tenant token naming another tenant is refused before the
     * endpoint runs; requests the endpoint suspends hold no server thread, and count for the drain of the path until
     * they are complete; they are measured under the path template.
     */
    @Test
    public void aDirectEndpointAtATenantPathConfinesTenantsAndSuspendsWithoutAThread() throws Exception {
        awaitUp();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RestResource.PATH, "/directprobe");
        ServiceRegistration<RestResource> resource = bundleContext.registerService(RestResource.class, new AsyncProbe(), props);
        Queue<DirectEndpoint.Exchange> suspended = new ConcurrentLinkedQueue<>();
        Queue<String> reached = new ConcurrentLinkedQueue<>();
        DirectEndpoint held = (caller, exchange) -> {
            reached.add(exchange.tenant().value());
            exchange.readJson(java.util.Map.class);
            exchange.suspend(java.time.Duration.ofSeconds(60));
            suspended.add(exchange);
        };
        Hashtable<String, Object> directProps = new Hashtable<>();
        directProps.put(DirectEndpoint.PATH, "/directprobe/tenants/{tenant}/held");
        ServiceRegistration<DirectEndpoint> direct = bundleContext.registerService(DirectEndpoint.class, held, directProps);
        awaitStatus("/directprobe/now", null, 200);
        String acme = bearer(tokens.create("direct-probe", TenantId.of("acme")).token());
        try {
            // another tenant: 403 from the host (JAX-RS, which has no such POST, would say 404), never the endpoint
            assertTrue(eventually(() -> status("/directprobe/tenants/globex/held", acme, "{}") == 403));
            assertEquals(400, status("/directprobe/tenants/Not%20An%20Id/held", acme, "{}"));
            assertEquals(401, status("/directprobe/tenants/acme/held", null, "{}"));
            assertEquals("the host's strict JSON", 400, status("/directprobe/tenants/acme/held", acme, "{\"a\":1,\"a\":2}"));
            assertEquals("a platform caller reaches any tenant", 400, status("/directprobe/tenants/globex/held", OPERATOR, "{\"a\":"));
            assertEquals(List.of("acme", "globex"), new ArrayList<>(reached));
            reached.clear();

            int count = SERVER_THREADS * 4;
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(api("/directprobe/tenants/acme/held")))
                        .header("Authorization", acme).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue("every request reached the endpoint", eventually(() -> suspended.size() == count));
            assertEquals("with " + count + " requests suspended on " + SERVER_THREADS + " threads, the server still answers",
                    200, get("/directprobe/now", null).statusCode());
            // the path is removed meanwhile: its drain waits for the suspended requests
            Thread removal = new Thread(resource::unregister);
            removal.start();
            Thread.sleep(500);
            assertTrue("the drain waits for suspended direct requests", removal.isAlive());
            for (DirectEndpoint.Exchange e : suspended) {
                e.writeJson(200, java.util.Map.of("tenant", e.tenant().value()));
            }
            removal.join(30_000);
            assertFalse(removal.isAlive());
            for (CompletableFuture<HttpResponse<String>> a : answers) {
                HttpResponse<String> r = a.get(30, TimeUnit.SECONDS);
                assertEquals(r.body(), 200, r.statusCode());
                assertEquals("{\"tenant\":\"acme\"}", r.body());
            }
            String label = "headroom_rest_request_duration_seconds_count{endpoint=\"/directprobe/tenants/{tenant}/held\","
                    + "method=\"POST\",status=\"200\"} ";
            assertTrue("measured under the template", eventually(() -> metrics().contains(label)));
        } finally {
            direct.unregister();
            try {
                resource.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered above
            }
        }
    }

    private String metrics() {
        try {
            return get("/metrics", OPERATOR).body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private int status(String path, String authorization, String body) {
        try {
            return call("POST", path, authorization, body).statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    public void updateStopAndStartUnderLoadFailNoRequest() throws Exception {
        awaitStatus(GREETING, OPERATOR, 200);
        LoadDriver load = new LoadDriver(api(GREETING), bearer(tokens.create("load", TenantId.of("acme")).token()), 150);
        Bundle example = bundle("io.headroom.example");
        load.start();
        Thread.sleep(1000);
        example.update();
        Thread.sleep(1500);
        long stoppedAt = System.nanoTime();
        example.stop();

        // while it is stopped, the other endpoints serve as usual and the OpenAPI no longer lists it
        assertEquals(200, get("/tokens", OPERATOR).statusCode());
        assertFalse(get("/openapi.json", null).body().contains("/api/example"));
        Thread.sleep(1500);
        long startedAt = System.nanoTime();
        example.start();
        Thread.sleep(1500);
        List<LoadDriver.Outcome> outcomes = load.stop();

        System.out.println("hot swap under load: " + outcomes.size() + " requests " + LoadDriver.summary(outcomes));
        assertTrue("at least 100 requests/s for 5.5 s, sent " + outcomes.size(), outcomes.size() >= 550);
        for (LoadDriver.Outcome o : outcomes) {
            assertTrue("a request failed: " + o, o.error() == null);
            assertTrue("a request got " + o.status(), o.status() == 200 || (o.status() == 503 && o.retryAfter()));
        }
        long heldAcrossTheStop = outcomes.stream().filter(o -> o.sentNanos() > stoppedAt && o.sentNanos() < startedAt
                && o.status() == 200).count();
        assertTrue("requests sent while the bundle was stopped are served once it is back", heldAcrossTheStop > 0);
        assertTrue(outcomes.stream().anyMatch(o -> o.sentNanos() > startedAt && o.status() == 200));
    }

    @Test
    public void aRemovedCapabilityAnswers404AtOnceAndComesBackWhenReinstalled() throws Exception {
        // the whole node first: this test can run first, and the example may serve before the health endpoint is published
        awaitUp();
        awaitStatus(GREETING, OPERATOR, 200);
        shell("feature:uninstall headroom-example");
        try {
            // uninstalled, not restarting: nothing to hold the request for
            HttpResponse<String> gone = get(GREETING, OPERATOR);
            assertEquals(gone.body(), 404, gone.statusCode());
            assertEquals("the rest of the platform keeps serving", 200, get("/tokens", OPERATOR).statusCode());
            HttpResponse<String> health = get("/health", OPERATOR);
            assertEquals(health.body(), 200, health.statusCode());
            assertFalse(health.body().contains("io.headroom.example"));
            assertEquals("the load balancer's liveness check is unaffected", 200, get("/health/live", null).statusCode());
        } finally {
            shell("feature:install headroom-example"); // the other tests of this class need it back, whatever happened
        }
        awaitStatus(GREETING, OPERATOR, 200);
        assertTrue(get("/openapi.json", null).body().contains("/api/example/tenants/{tenant}/greeting"));
    }

    @Test
    public void restartingTheCoreKeepsFlagsAndTokens() throws Exception {
        awaitUp();
        String token = tokens.create("survivor", TenantId.of("acme")).token();
        FeatureFlags flags = service(FeatureFlags.class);
        flags.allow("core.restart", Set.of(TenantId.of("acme")));

        Bundle core = bundle("io.headroom.core");
        core.stop();
        core.start();
        awaitUp(); // everything on the core starts again once the control store answered
        awaitStatus(GREETING, bearer(token), 200);
        assertTrue(service(FeatureFlags.class).isEnabled("core.restart", TenantId.of("acme")));
        assertTrue(get("/flags/core.restart/tenants/acme", bearer(token)).body().contains("\"enabled\":true"));
    }

    private <T> T service(Class<T> type) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<T> ref = bundleContext.getServiceReference(type);
            if (ref != null) {
                return bundleContext.getService(ref);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + type.getName() + " service");
    }
}
