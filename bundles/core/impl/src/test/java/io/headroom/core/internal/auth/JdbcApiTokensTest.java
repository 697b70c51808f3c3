package io.headroom.core.internal.auth;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.IssuedToken;
import io.headroom.core.api.auth.TokenScope;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.internal.store.TwoNodes;
import java.lang.annotation.Annotation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.function.BooleanSupplier;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class JdbcApiTokensTest {
    private TwoNodes<JdbcApiTokens> nodes;
    private JdbcApiTokens nodeA;
    private JdbcApiTokens nodeB;

    static JdbcApiTokens.Config refreshEvery(long millis) {
        return config(millis, 900_000);
    }

    static JdbcApiTokens.Config config(long millis, long graceMillis) {
        return new JdbcApiTokens.Config() {
            public long refreshMillis() {
                return millis;
            }

            public long offlineGraceMillis() {
                return graceMillis;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcApiTokens.Config.class;
            }
        };
    }

    @Before
    public void setUp() throws Exception {
        nodes = new TwoNodes<>(store -> new JdbcApiTokens(store, refreshEvery(100)), JdbcApiTokens::deactivate);
        nodeA = nodes.a();
        nodeB = nodes.b();
    }

    @After
    public void tearDown() {
        nodes.close();
    }

    @Test
    public void aTenantTokenAuthenticatesAsThatTenantOnEveryNode() {
        IssuedToken t = nodeA.create("billing", TenantId.of("acme"));
        Caller c = nodeA.authenticate(t.token()).orElseThrow();
        assertEquals(Caller.TENANT, c.role());
        assertEquals(TenantId.of("acme"), c.tenant());
        assertTrue("the other node accepts it within 5 s", eventually(() -> nodeB.authenticate(t.token()).isPresent()));
        assertEquals(c, nodeB.authenticate(t.token()).orElseThrow());
        assertEquals("tenant", t.info().scope());
    }

    @Test
    public void platformTokensReachEveryTenant() {
        Caller c = nodeA.authenticate(nodeA.create("ops", null).token()).orElseThrow();
        assertEquals(Caller.PLATFORM, c.role());
        assertTrue(c.canAccess(TenantId.of("anyone")));
    }

    @Test
    public void onlyAHashIsStored() throws Exception {
        IssuedToken t = nodeA.create("billing", TenantId.of("acme"));
        String secret = t.token().substring(t.token().lastIndexOf('_') + 1);
        try (Connection c = nodes.storeA().dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM api_tokens")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    String v = rs.getString(i);
                    assertFalse("column " + i + " holds the secret", v != null && v.contains(secret));
                }
            }
        }
        assertTrue(nodeA.list().stream().noneMatch(i -> i.toString().contains(secret)));
    }

    @Test
    public void revokedTokensStopWorkingEverywhere() {
        IssuedToken t = nodeA.create("billing", TenantId.of("acme"));
        assertTrue(eventually(() -> nodeB.authenticate(t.token()).isPresent()));
        assertTrue(nodeA.revoke(t.info().id()));
        assertFalse(nodeA.revoke(t.info().id()));
        assertFalse("revoked on the node that revoked it at once", nodeA.authenticate(t.token()).isPresent());
        assertTrue("revoked on the other node within 5 s", eventually(() -> nodeB.authenticate(t.token()).isEmpty()));
        assertTrue(nodeA.list().stream().anyMatch(i -> i.id().equals(t.info().id()) && i.revokedAt() != null));
    }

    static boolean eventually(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        return true;
    }

    @Test
    public void aTokenUnknownAMomentAgoIsAcceptedOnceTheOtherNodeCreatedIt() {
        // the negative cache must not hide a token created on another node for longer than the refresh interval
        String early = "hr_aaaaaaaaaaaa_" + "b".repeat(43);
        for (int i = 0; i < 1000; i++) {
            assertFalse(nodeA.authenticate("hr_x" + i).isPresent());
        }
        IssuedToken t = nodeB.create("billing", TenantId.of("acme"));
        assertFalse(nodeA.authenticate(early).isPresent());
        assertTrue(eventually(() -> nodeA.authenticate(t.token()).isPresent()));
        assertTrue(nodeA.unknownTokens() <= 10_000);
    }

    @Test
    public void scopedTokensKeepTheirScopeOnEveryNodeAndCannotMintBroaderOnes() {
        TokenScope readLlm = new TokenScope(true, java.util.Set.of("llm"));
        IssuedToken t = nodeA.create("llm-reader", null, readLlm);
        assertEquals(readLlm, t.info().limits());
        assertTrue(eventually(() -> readLlm.equals(nodeB.scope(t.token()))));
        assertTrue(readLlm.allows("GET", "llm"));
        assertTrue(readLlm.allows("GET", "health"));
        assertFalse(readLlm.allows("POST", "llm"));
        assertFalse(readLlm.allows("GET", "queue"));
        assertEquals(TokenScope.ALL, nodeA.scope(nodeA.create("full", null).token()));
        assertEquals(readLlm, TokenScope.parse(readLlm.text()));
        TokenScope llm = new TokenScope(false, java.util.Set.of("llm", "queue"));
        assertTrue(llm.covers(new TokenScope(true, java.util.Set.of("llm"))));
        assertFalse("no broader capabilities", llm.covers(new TokenScope(false, java.util.Set.of("llm", "tokens"))));
        assertFalse("no unlimited token", llm.covers(TokenScope.ALL));
        assertFalse("a read-only token cannot make a writing one", readLlm.covers(new TokenScope(false, java.util.Set.of("llm"))));
        assertTrue(TokenScope.ALL.covers(llm));
    }

    @Test
    public void aNodeCutOffFromTheControlSchemaKeepsTheTokensItConfirmedForTheGraceOnly() throws Exception {
        long grace = 3000;
        try (TwoNodes<JdbcApiTokens> cut = new TwoNodes<>(store -> new JdbcApiTokens(store, config(100, grace)),
                JdbcApiTokens::deactivate)) {
            IssuedToken confirmed = cut.b().create("billing", TenantId.of("acme"));
            assertTrue(eventually(() -> cut.a().authenticate(confirmed.token()).isPresent()));
            // node A's control schema goes away: its pool is closed, every query of A fails from now on
            cut.storeA().dataSource().unwrap(com.zaxxer.hikari.HikariDataSource.class).close();
            long away = System.currentTimeMillis();
            IssuedToken unseen = cut.b().create("made.during.the.outage", TenantId.of("acme"));
            assertEquals("a confirmed token keeps working", TenantId.of("acme"),
                    cut.a().authenticate(confirmed.token()).orElseThrow().tenant());
            assertFalse("a token A never confirmed is refused", cut.a().authenticate(unseen.token()).isPresent());
            assertFalse(cut.a().authenticate("hr_aaaaaaaaaaaa_" + "c".repeat(43)).isPresent());
            while (cut.a().authenticate(confirmed.token()).isPresent() && System.currentTimeMillis() - away < 20_000) {
                Thread.sleep(50);
            }
            long refusedAfter = System.currentTimeMillis() - away;
            assertTrue("refused once the grace ran out (after " + refusedAfter + " ms)",
                    cut.a().authenticate(confirmed.token()).isEmpty() && refusedAfter >= grace - 500);
            assertTrue("node B, which reaches the schema, still accepts both",
                    cut.b().authenticate(confirmed.token()).isPresent() && cut.b().authenticate(unseen.token()).isPresent());
        }
    }

    @Test
    public void garbageIsNotAToken() {
        assertFalse(nodeA.authenticate(null).isPresent());
        assertFalse(nodeA.authenticate("").isPresent());
        assertFalse(nodeA.authenticate("hr_nothing_here").isPresent());
        assertFalse(nodeA.authenticate("x".repeat(500)).isPresent());
        IssuedToken t = nodeA.create("billing", TenantId.of("acme"));
        assertFalse(nodeA.authenticate(t.token() + "x").isPresent());
        assertNull(t.info().revokedAt());
    }
}
