package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.store.ControlStore;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.JobHealth;
import java.time.Instant;
import java.util.Set;
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
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The control schema on an embedded MariaDB (as the run command uses on a machine without one), and platform state
 * that outlives the node (flags, tokens, heartbeat counters): each test method runs in a freshly started Karaf
 * against the same schema.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class EmbeddedStoreRestartIT extends HeadroomTestSupport {
    private static String jdbcUrl;

    @Inject
    private FeatureFlags flags;

    @Inject
    private ApiTokens tokens;

    @Inject
    private ControlStore store;

    @Inject
    private Heartbeat heartbeat;

    @Configuration
    public Option[] config() {
        synchronized (EmbeddedStoreRestartIT.class) {
            if (jdbcUrl == null) {
                jdbcUrl = TestDatabases.embeddedSchema();
            }
        }
        return OptionUtils.combine(distribution(jdbcUrl),
                editConfigurationFilePut("etc/io.headroom.heartbeat.cfg", "flushSeconds", "1"));
    }

    @Test
    public void a_firstNodeWritesState() throws Exception {
        awaitUp();
        assertTrue("the embedded server, not the machine's", !store.describe().contains(":3306/"));
        flags.apply("restart.check", new FlagChange("survives restarts", 40.0, Set.of(TenantId.of("acme")), Set.of(TenantId.of("globex")), null));
        tokens.create("restart-check", TenantId.of("acme"));
        for (int i = 0; i < 7; i++) {
            heartbeat.record(new OutcomeEvent(TenantId.of("persisted"), "report.run", i != 0, 20, Instant.now()));
        }
        Thread.sleep(2500); // two flush intervals: the counters are in the control schema before the node goes
    }

    @Test
    public void b_aRestartedNodeSeesIt() throws Exception {
        awaitUp();
        FlagDefinition f = flags.get("restart.check").orElseThrow(() -> new AssertionError("flag lost across the restart"));
        assertEquals(40.0, f.percentage(), 0);
        assertEquals(Set.of(TenantId.of("acme")), f.allowed());
        assertEquals(Set.of(TenantId.of("globex")), f.denied());
        assertTrue(tokens.list().stream().anyMatch(t -> t.name().equals("restart-check") && "acme".equals(t.tenant())));
        assertTrue(get("/flags/restart.check", OPERATOR).body().contains("\"percentage\":40.0"));
        JobHealth h = heartbeat.tenant(TenantId.of("persisted")).stream().findFirst()
                .orElseThrow(() -> new AssertionError("heartbeat counters lost across the restart"));
        assertEquals(7, h.events1h());
        assertEquals(1, h.bad1h());
    }
}
