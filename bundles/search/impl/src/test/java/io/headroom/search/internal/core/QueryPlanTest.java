package io.headroom.search.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The compiled bodies: the tenant filter is always a top-level conjunct, whatever the request. */
public class QueryPlanTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Schema SCHEMA = Schema.parse("{\"properties\":{\"title\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},"
            + "\"v\":{\"type\":\"dense_vector\",\"dims\":2}}}");
    static final TenantId T = TenantId.of("acme");

    static QueryPlan plan(String json) throws Exception {
        return QueryPlan.compile(JSON.readTree(json.replace('\'', '"')), SCHEMA, T, "_hr_tenant", "_hr_id", (route, text) -> new float[] {1, 0});
    }

    static void assertTenantFirst(JsonNode filters) {
        assertEquals("acme", filters.get(0).path("term").path("_hr_tenant").asText());
    }

    @Test
    public void theTenantFilterIsAlwaysThere() throws Exception {
        for (String q : List.of("{}", "{'query':{'bool':{'should':[{'all':{}}]}}}", "{'filter':{'bool':{'must_not':{'term':{'tag':'x'}}}}}",
                "{'query':{'match':{'text':'x'}},'sort':['tag'],'search_after':['a','b']}")) {
            QueryPlan p = plan(q);
            assertTenantFirst(p.body().path("query").path("bool").path("filter"));
            assertEquals(1, p.body().path("query").size());
            assertNull(p.knn());
        }
        QueryPlan knn = plan("{'knn':{'field':'v','vector':[1,2],'filter':{'term':{'tag':'x'}}}}");
        assertTenantFirst(knn.body().path("knn").path("filter"));
        assertTrue(knn.body().path("query").isMissingNode());
        QueryPlan hybrid = plan("{'query':{'match':{'text':'x'}},'knn':{'field':'v','text':'hello','embed':'r'},'size':5,'from':5}");
        assertTenantFirst(hybrid.body().path("query").path("bool").path("filter"));
        assertTenantFirst(hybrid.knn().path("knn").path("filter"));
        assertEquals(10, hybrid.knn().path("knn").path("k").asInt());
        assertEquals(10, hybrid.body().path("size").asInt());
    }

    @Test
    public void sortEndsOnTheIdAndSearchAfterMatchesIt() throws Exception {
        JsonNode sort = plan("{'sort':['-tag']}").body().get("sort");
        assertEquals("desc", sort.get(0).path("tag").path("order").asText());
        assertEquals("asc", sort.get(1).path("_hr_id").path("order").asText());
        assertThrows(IllegalArgumentException.class, () -> plan("{'sort':['tag'],'search_after':['a']}"));
        assertThrows(IllegalArgumentException.class, () -> plan("{'sort':['title']}"));
    }

    @Test
    public void reciprocalRankFusion() {
        var fused = QueryPlan.fuse(List.of(List.of("a", "b", "c"), List.of("c", "a", "d")), 60);
        assertEquals(List.of("a", "c", "b", "d"), fused.stream().map(Map.Entry::getKey).toList());
        assertEquals(1.0 / 61 + 1.0 / 62, fused.get(0).getValue(), 1e-12);
    }
}
