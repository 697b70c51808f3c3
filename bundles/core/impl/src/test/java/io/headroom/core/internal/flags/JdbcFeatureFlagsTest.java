package io.headroom.core.internal.flags;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.flags.InvalidFlagException;
import io.headroom.core.internal.store.TwoNodes;
import java.lang.annotation.Annotation;
import java.util.Set;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class JdbcFeatureFlagsTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");

    private TwoNodes<JdbcFeatureFlags> nodes;
    private JdbcFeatureFlags nodeA;
    private JdbcFeatureFlags nodeB;

    static JdbcFeatureFlags.Config refreshEvery(long millis) {
        return new JdbcFeatureFlags.Config() {
            public long refreshMillis() {
                return millis;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcFeatureFlags.Config.class;
            }
        };
    }

    @Before
    public void setUp() throws Exception {
        nodes = new TwoNodes<>(store -> new JdbcFeatureFlags(store, refreshEvery(100)), JdbcFeatureFlags::deactivate);
        nodeA = nodes.a();
        nodeB = nodes.b();
    }

    @After
    public void tearDown() {
        nodes.close();
    }

    @Test
    public void aChangeOnOneNodeIsSeenByAnotherWithinSeconds() throws Exception {
        assertFalse(nodeB.isEnabled("search.v2", ACME));
        nodeA.allow("search.v2", Set.of(ACME));
        assertTrue("local node sees its own change at once", nodeA.isEnabled("search.v2", ACME));
        long deadline = System.currentTimeMillis() + 5000;
        while (!nodeB.isEnabled("search.v2", ACME) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue("the other node saw the change within 5 s", nodeB.isEnabled("search.v2", ACME));
    }

    @Test
    public void aChangeIsAppliedWholeAndBumpsTheVersion() {
        FlagDefinition f = nodeA.apply("search.v2", new FlagChange("new read path", 25.0, Set.of(ACME), Set.of(GLOBEX), null));
        assertEquals(25.0, f.percentage(), 0);
        assertEquals(Set.of(ACME), f.allowed());
        assertEquals(Set.of(GLOBEX), f.denied());
        assertEquals("new read path", f.description());
        FlagDefinition g = nodeA.deny("search.v2", Set.of(ACME));
        assertTrue(g.version() > f.version());
        assertEquals(Set.of(), g.allowed());
        assertEquals(Set.of(ACME, GLOBEX), g.denied());
        FlagDefinition h = nodeA.clear("search.v2", Set.of(ACME, GLOBEX));
        assertEquals(Set.of(), h.denied());
    }

    @Test
    public void badInputIsRejectedAndNothingIsWritten() {
        assertThrows(InvalidFlagException.class, () -> nodeA.apply("Bad Name", FlagChange.percentage(10)));
        assertThrows(InvalidFlagException.class, () -> FlagChange.percentage(101));
        assertThrows(InvalidFlagException.class, () -> new FlagChange(null, null, Set.of(ACME), Set.of(ACME), null));
        assertEquals(0, nodeA.list().size());
    }

    @Test
    public void flagsSurviveANodeRestart() throws Exception {
        nodeA.apply("queue.overflow", new FlagChange(null, 40.0, Set.of(ACME), null, null));
        nodeA = nodes.restartA();
        FlagDefinition f = nodeA.get("queue.overflow").orElseThrow();
        assertEquals(40.0, f.percentage(), 0);
        assertTrue(nodeA.isEnabled("queue.overflow", ACME));
    }

    @Test
    public void deleteRemovesTheFlagEverywhere() throws Exception {
        nodeA.setPercentage("tmp", 100);
        assertTrue(nodeA.delete("tmp"));
        assertFalse(nodeA.delete("tmp"));
        assertFalse(nodeA.isEnabled("tmp", ACME));
    }
}
