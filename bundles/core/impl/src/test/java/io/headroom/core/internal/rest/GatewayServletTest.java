package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class GatewayServletTest {
    @Test
    public void theFirstPathSegmentNamesTheEndpoint() {
        assertEquals("example", GatewayServlet.firstSegment("/example/tenants/a/greeting"));
        assertEquals("health", GatewayServlet.firstSegment("/health"));
        assertNull(GatewayServlet.firstSegment("/"));
        assertNull(GatewayServlet.firstSegment(null));
    }

    @Test
    public void requestIdsAre128RandomBitsInHex() {
        String a = GatewayServlet.newRequestId();
        assertTrue(a, a.matches("[0-9a-f]{32}"));
        assertNotEquals(a, GatewayServlet.newRequestId());
    }

    @Test
    public void onlyAFormLikePostWithBasicCredentialsIsForgeable() {
        String basic = "Basic a2FyYWY6eA==";
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, null, null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "text/plain; charset=utf-8", null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "application/x-www-form-urlencoded", null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "multipart/form-data; boundary=x", null));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", basic, "application/json", null));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", basic, null, "cli"));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", "Bearer hr_x", null, null));
        assertTrue(!GatewayServlet.crossSiteForgeable("DELETE", basic, null, null)); // a browser preflights it
    }
}
