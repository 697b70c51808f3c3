package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.itests.broken.BrokenActivator;
import io.headroom.itests.broken.BrokenGreetingResource;
import java.io.ByteArrayInputStream;
import java.util.Map;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** A bad release of a capability is rolled back by the deploy guard once its job pages; the good one keeps serving. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployGuardIT extends HeadroomTestSupport {
    private static final String GREETING = "/example/tenants/guarded/greeting";

    @Inject
    private DeployGuard guard;

    @Configuration
    public Option[] config() {
        return OptionUtils.combine(distribution(TestDatabases.machineOrEmbeddedSchema()),
                editConfigurationFilePut("etc/io.headroom.heartbeat.cfg", "evaluateSeconds", "1"),
                editConfigurationFilePut("etc/io.headroom.heartbeat.guard.cfg", "checkSeconds", "1"),
                editConfigurationFilePut("etc/io.headroom.heartbeat.guard.cfg", "watchSeconds", "300"));
    }

    @Test
    public void aBadUpdateIsRolledBackWithinAMinuteOfItsJobPaging() throws Exception {
        awaitStatus(GREETING, OPERATOR, 200);
        var slo = call("PUT", "/heartbeat/slos/example.greet", OPERATOR, "{\"target\":0.99}");
        assertEquals(slo.body(), 200, slo.statusCode());
        Bundle example = bundle("io.headroom.example");
        String goodVersion = example.getVersion().toString();

        example.update(new ByteArrayInputStream(brokenRelease()));
        assertEquals("0.1.1.broken", example.getVersion().toString());
        awaitStatus(GREETING, OPERATOR, 500);
        long updatedAt = System.currentTimeMillis();
        // three tenants fail: one tenant's failures alone page only that tenant and never roll a release back
        for (int i = 0; i < 30; i++) {
            call("POST", GREETING.replace("guarded", "guarded" + (i % 3)), OPERATOR, "{\"message\":\"hi\"}");
        }

        long deadline = System.currentTimeMillis() + 60_000;
        while (!example.getVersion().toString().equals(goodVersion) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertEquals("rolled back to the good release", goodVersion, example.getVersion().toString());
        System.out.println("deploy guard rolled back " + (System.currentTimeMillis() - updatedAt) + " ms after the bad update went live");
        awaitStatus(GREETING, OPERATOR, 200);
        assertEquals(200, call("POST", GREETING, OPERATOR, "{\"message\":\"back\"}").statusCode());

        Deploy d = guard.deploys(10).get(0);
        assertEquals("io.headroom.example", d.bundle());
        assertEquals("0.1.1.broken", d.toVersion());
        assertEquals(goodVersion, d.fromVersion());
        assertEquals(Deploy.ROLLED_BACK, d.state());
        assertTrue(d.reason(), d.reason().contains("example.greet") && d.reason().contains("rolled back to " + goodVersion));
        assertEquals("the rollback itself is not a new deploy to watch", 1, guard.deploys(10).size());
        assertTrue(get("/heartbeat/deploys", OPERATOR).body().contains("rolled_back"));
        assertEquals("an ended deploy cannot be accepted", 409, call("POST", "/heartbeat/deploys/" + d.id() + "/accept", OPERATOR, null).statusCode());
        assertTrue(shell("heartbeat:deploys").contains("rolled_back"));
    }

    /** The example capability's symbolic name with a release whose every greeting fails. */
    private static byte[] brokenRelease() throws Exception {
        return bundleJar(Map.of("Bundle-SymbolicName", "io.headroom.example", "Bundle-Version", "0.1.1.broken",
                "Bundle-Activator", BrokenActivator.class.getName(),
                "Import-Package", "io.headroom.core.api,io.headroom.core.api.rest,io.headroom.core.api.signal,"
                        + "javax.ws.rs,javax.ws.rs.core,org.osgi.framework",
                "Headroom-Capability", "example", "Headroom-Jobs", "example.greet"),
                BrokenActivator.class, BrokenGreetingResource.class);
    }
}
