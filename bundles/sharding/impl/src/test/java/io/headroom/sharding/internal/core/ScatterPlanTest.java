package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.UnsafeStatementException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

public class ScatterPlanTest {
    private static final java.util.Set<String> TABLES = java.util.Set.of("orders", "items");
    private static QueryResult rows(List<String> cols, Object[]... rows) {
        List<List<Object>> r = new ArrayList<>();
        for (Object[] row : rows) {
            r.add(Arrays.asList(row));
        }
        return new QueryResult(cols, r);
    }

    @Test
    public void orderByAndLimitMergeAcrossShardsWithTheOffsetWidened() {
        ScatterPlan p = ScatterPlan.of("SELECT id, total FROM orders ORDER BY total DESC, id LIMIT 3 OFFSET 1", TABLES);
        assertTrue(p.shardSql(), p.shardSql().contains("LIMIT 4"));
        assertTrue(p.shardSql(), !p.shardSql().contains("OFFSET"));
        List<String> c = List.of("id", "total");
        QueryResult merged = p.merge(List.of(
                rows(c, new Object[] {1L, 50}, new Object[] {2L, 40}, new Object[] {7L, 10}),
                rows(c, new Object[] {3L, 50}, new Object[] {4L, 45}, new Object[] {5L, null})));
        // all by total desc, id: 1(50) 3(50) 4(45) 2(40) 7(10) 5(null); offset 1, 3 rows
        assertEquals(List.of(List.of(3L, 50), List.of(4L, 45), List.of(2L, 40)), merged.rows());
    }

    @Test
    public void aggregatesCombinePerGroupAndLimitAppliesAfterMerging() {
        ScatterPlan p = ScatterPlan.of("SELECT status, COUNT(*) AS n, SUM(total), MIN(total), MAX(total) FROM orders GROUP BY status ORDER BY n DESC LIMIT 2", TABLES);
        assertTrue(p.shardSql(), !p.shardSql().contains("LIMIT"));
        List<String> c = List.of("status", "n", "sum", "min", "max");
        QueryResult merged = p.merge(List.of(
                rows(c, new Object[] {"open", 2L, new BigDecimal("30"), 10, 20}, new Object[] {"paid", 1L, new BigDecimal("5"), 5, 5}),
                rows(c, new Object[] {"open", 1L, new BigDecimal("1"), 1, 1}, new Object[] {"void", 5L, new BigDecimal("50"), 2, 30}),
                rows(c, new Object[] {"paid", 1L, null, null, null})));
        assertEquals(List.of(Arrays.asList("void", 5L, new BigDecimal("50"), 2, 30), Arrays.asList("open", 3L, new BigDecimal("31"), 1, 20)), merged.rows());
    }

    @Test
    public void plainCountSumsOverShardsIncludingEmptyOnes() {
        ScatterPlan p = ScatterPlan.of("SELECT COUNT(*), MAX(id) FROM orders", TABLES);
        QueryResult merged = p.merge(List.of(rows(List.of("c", "m"), new Object[] {4L, 9L}), rows(List.of("c", "m"), new Object[] {0L, null}),
                rows(List.of("c", "m"), new Object[] {6L, 12L})));
        assertEquals(List.of(List.of(10L, 12L)), merged.rows());
    }

    @Test
    public void distinctRemovesDuplicatesAcrossShards() {
        ScatterPlan p = ScatterPlan.of("SELECT DISTINCT status FROM orders ORDER BY 1", TABLES);
        QueryResult merged = p.merge(List.of(rows(List.of("s"), new Object[] {"b"}, new Object[] {"a"}), rows(List.of("s"), new Object[] {"a"})));
        assertEquals(List.of(List.of("a"), List.of("b")), merged.rows());
    }

    @Test
    public void ownershipConditionsAreAddedToTheFromTableOnly() {
        ScatterPlan p = ScatterPlan.of("SELECT o.status, COUNT(*) FROM orders o WHERE o.total > 5 OR o.id = 1 GROUP BY o.status", TABLES);
        String sql = p.shardSql(q -> q + ".tenant_id IN ('a', 'b')");
        assertTrue(sql, sql.contains("WHERE (o.total > 5 OR o.id = 1) AND (o.tenant_id IN ('a', 'b'))"));
        String bare = ScatterPlan.of("SELECT COUNT(*) FROM orders", TABLES).shardSql(q -> q + ".tenant_id = 'a'");
        assertTrue(bare, bare.endsWith("WHERE (orders.tenant_id = 'a')"));
    }

    @Test
    public void unmergeableQueriesAreRefused() {
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT AVG(total) FROM orders", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT COUNT(DISTINCT status) FROM orders", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT status, COUNT(*) FROM orders GROUP BY status HAVING COUNT(*) > 1", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT id FROM orders ORDER BY total", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT status, total, COUNT(*) FROM orders GROUP BY status", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("DELETE FROM orders", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT id FROM orders LIMIT ?", TABLES));
        assertThrows(UnsafeStatementException.class, () -> ScatterPlan.of("SELECT id FROM orders FOR UPDATE", TABLES));
    }
}
