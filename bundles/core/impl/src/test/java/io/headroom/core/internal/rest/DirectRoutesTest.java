package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import org.junit.Test;

public class DirectRoutesTest {
    private static final DirectEndpoint SQL = (caller, exchange) -> { };
    private static final DirectEndpoint CHAT = (caller, exchange) -> { };
    private static final DirectEndpoint OTHER = (caller, exchange) -> { };

    private static final Caller ACME = new Caller("acme-app", Caller.TENANT, TenantId.of("acme"));
    private static final Caller PLATFORM = new Caller("billing", Caller.PLATFORM, null);
    private static final Caller OPERATOR = new Caller("karaf", Caller.OPERATOR, null);

    private static DirectRoutes routes() {
        DirectRoutes routes = new DirectRoutes();
        assertTrue(routes.put(DirectRoutes.parse("/sharding/tenants/{tenant}/sql", SQL)));
        assertTrue(routes.put(DirectRoutes.parse("/llm/v1/chat/completions", CHAT)));
        return routes;
    }

    @Test
    public void aTemplateHasOneTenantSegmentAfterAFixedFirstSegment() {
        DirectRoutes.Route r = DirectRoutes.parse("/sharding/tenants/{tenant}/sql", SQL);
        assertEquals("/sharding/tenants/", r.prefix());
        assertEquals("/sql", r.suffix());
        assertTrue(r.template());
        DirectRoutes.Route last = DirectRoutes.parse("/example/tenants/{tenant}", SQL);
        assertEquals("/example/tenants/", last.prefix());
        assertEquals("", last.suffix());
        assertFalse(DirectRoutes.parse("/llm/v1/chat/completions", CHAT).template());
        for (String bad : new String[] {null, "", "/", "sharding/x", "/{tenant}/sql", "/a/{tenant}/{tenant}", "/a/{id}/b",
                "/a/x{tenant}/b", "/a//b", "/a/b/", "/a/{tenant}}/b"}) {
            assertNull(bad, DirectRoutes.parse(bad, SQL));
        }
    }

    @Test
    public void aTemplateMatchesExactlyOneNonEmptySegmentInPlaceOfTheTenant() {
        DirectRoutes routes = routes();
        DirectRoutes.Match m = routes.match("/sharding/tenants/acme/sql");
        assertSame(SQL, m.endpoint());
        assertEquals("acme", m.tenant());
        assertEquals("the metrics label is the template", "/sharding/tenants/{tenant}/sql", m.template());
        assertEquals("an invalid id still matches: the tenant rule refuses it with a 400", "Bad Id!",
                routes.match("/sharding/tenants/Bad Id!/sql").tenant());
        for (String miss : new String[] {"/sharding/tenants//sql", "/sharding/tenants/a/b/sql", "/sharding/tenants/acme/sql/",
                "/sharding/tenants/acme/sqlx", "/sharding/tenants/acme", "/sharding/tenants/sql", "/sharding/tenant/acme/sql",
                "/sharding/tenants/acme/pin", "/other/tenants/acme/sql", "/sharding"}) {
            assertNull(miss, routes.match(miss));
        }
        DirectRoutes.Match chat = routes.match("/llm/v1/chat/completions");
        assertSame(CHAT, chat.endpoint());
        assertNull(chat.tenant());
        assertNull(routes.match("/llm/v1/chat/completions/x"));
        assertNull(routes.match(null));
    }

    @Test
    public void aPathHasOneEndpointUntilItsOwnerGoes() {
        DirectRoutes routes = routes();
        assertFalse(routes.put(DirectRoutes.parse("/sharding/tenants/{tenant}/sql", OTHER)));
        assertFalse(routes.put(DirectRoutes.parse("/llm/v1/chat/completions", OTHER)));
        routes.remove("/sharding/tenants/{tenant}/sql", OTHER); // not its owner: nothing happens
        routes.remove("/llm/v1/chat/completions", OTHER);
        assertSame(SQL, routes.match("/sharding/tenants/acme/sql").endpoint());
        assertSame(CHAT, routes.match("/llm/v1/chat/completions").endpoint());
        routes.remove("/sharding/tenants/{tenant}/sql", SQL);
        routes.remove("/llm/v1/chat/completions", CHAT);
        assertNull("JAX-RS serves it again", routes.match("/sharding/tenants/acme/sql"));
        assertNull(routes.match("/llm/v1/chat/completions"));
        assertTrue(routes.put(DirectRoutes.parse("/sharding/tenants/{tenant}/sql", OTHER)));
        assertSame(OTHER, routes.match("/sharding/tenants/acme/sql").endpoint());
    }

    @Test
    public void aTenantTokenIsConfinedToItsTenantOperatorsAndPlatformTokensReachAll() {
        AuthFilter.Confined own = AuthFilter.confine(ACME, "acme");
        assertFalse(own.refused());
        assertEquals(TenantId.of("acme"), own.tenant());
        AuthFilter.Confined other = AuthFilter.confine(ACME, "globex");
        assertTrue(other.refused());
        assertEquals(403, other.status());
        assertEquals("a token of tenant acme cannot access tenant globex", other.detail());
        for (Caller c : new Caller[] {PLATFORM, OPERATOR}) {
            assertEquals(TenantId.of("globex"), AuthFilter.confine(c, "globex").tenant());
        }
        for (Caller c : new Caller[] {ACME, PLATFORM, OPERATOR}) {
            AuthFilter.Confined bad = AuthFilter.confine(c, "Bad Id!");
            assertEquals(400, bad.status());
            assertTrue(bad.detail(), bad.detail().startsWith("invalid tenant id"));
        }
        // the JAX-RS filter's rule is the same one
        assertEquals(other.detail(), AuthFilter.tenantDenied(ACME, java.util.List.of("acme", "globex")));
        assertNull(AuthFilter.tenantDenied(PLATFORM, java.util.List.of("acme", "globex")));
    }

    @Test
    public void aRequestCountsForTheTokensTenantOrForTheNamedOneButNeverForAnOperator() {
        TenantId globex = TenantId.of("globex");
        assertEquals(TenantId.of("acme"), AuthFilter.accounted(ACME, TenantId.of("acme")));
        assertEquals(globex, AuthFilter.accounted(PLATFORM, globex));
        assertNull(AuthFilter.accounted(PLATFORM, null));
        assertNull("an operator lifting a limit is not held to it", AuthFilter.accounted(OPERATOR, globex));
    }
}
