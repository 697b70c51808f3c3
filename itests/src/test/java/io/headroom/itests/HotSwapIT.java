package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.flags.FeatureFlags;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import javax.inject.Inject;
import org.junit.Test;
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

    @Configuration
    public Option[] config() {
        return distribution(TestDatabases.machineOrEmbeddedSchema());
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
    public void aRemovedCapabilityAnswers503AndComesBackWhenReinstalled() throws Exception {
        awaitStatus(GREETING, OPERATOR, 200);
        shell("feature:uninstall headroom-example");
        HttpResponse<String> gone = get(GREETING, OPERATOR);
        assertEquals(gone.body(), 503, gone.statusCode());
        assertTrue(gone.headers().firstValue("Retry-After").isPresent());
        assertEquals("the rest of the platform keeps serving", 200, get("/tokens", OPERATOR).statusCode());
        HttpResponse<String> health = get("/health", null);
        assertEquals(200, health.statusCode());
        assertFalse(health.body().contains("io.headroom.example"));

        shell("feature:install headroom-example");
        awaitStatus(GREETING, OPERATOR, 200);
        assertTrue(get("/openapi.json", null).body().contains("/api/example/tenants/{tenant}/greeting"));
    }

    @Test
    public void restartingTheCoreKeepsFlagsAndTokens() throws Exception {
        awaitStatus("/health", null, 200);
        String token = tokens.create("survivor", TenantId.of("acme")).token();
        FeatureFlags flags = service(FeatureFlags.class);
        flags.allow("core.restart", Set.of(TenantId.of("acme")));

        Bundle core = bundle("io.headroom.core");
        core.stop();
        core.start();
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
