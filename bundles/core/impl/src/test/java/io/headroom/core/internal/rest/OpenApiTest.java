package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Map;
import javax.annotation.security.PermitAll;
import javax.ws.rs.Consumes;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import org.junit.Test;

public class OpenApiTest {
    public record Item(String name, int count, List<String> tags) {
    }

    @Path("/")
    @Produces("application/json")
    @Consumes("application/json")
    public static class Items {
        @GET
        @Path("tenants/{tenant}/items")
        public List<Item> list(@PathParam("tenant") TenantId tenant, @QueryParam("limit") int limit) {
            return List.of();
        }

        @POST
        @Path("tenants/{tenant}/items")
        public Item add(@PathParam("tenant") TenantId tenant, Item item) {
            return item;
        }

        @GET
        @Path("ping")
        @PermitAll
        public String ping() {
            return "pong";
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void describesPathsParametersBodiesAndOpenEndpoints() {
        Map<String, Object> doc = OpenApi.document("1", Map.of("/api/items", Items.class));
        Map<String, Map<String, Map<String, Object>>> paths = (Map<String, Map<String, Map<String, Object>>>) doc.get("paths");
        assertEquals(List.of("/api/items/ping", "/api/items/tenants/{tenant}/items"), List.copyOf(paths.keySet()));
        Map<String, Object> post = paths.get("/api/items/tenants/{tenant}/items").get("post");
        Map<String, Object> body = (Map<String, Object>) post.get("requestBody");
        Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) body.get("content"))
                .get("application/json")).get("schema");
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        assertEquals(Map.of("type", "integer"), props.get("count"));
        assertEquals(Map.of("type", "array", "items", Map.of("type", "string")), props.get("tags"));
        List<Map<String, Object>> params = (List<Map<String, Object>>) paths.get("/api/items/tenants/{tenant}/items").get("get").get("parameters");
        assertEquals("tenant", params.get(0).get("name"));
        assertEquals("path", params.get(0).get("in"));
        assertEquals("query", params.get(1).get("in"));
        assertEquals(List.of(), paths.get("/api/items/ping").get("get").get("security"));
        assertNull(post.get("security"));
        assertNotNull(doc.get("components"));
        assertTrue(((String) doc.get("openapi")).startsWith("3."));
    }
}
