package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class SafePathTest {
    private final SafePath safe = new SafePath(Set.of("orders", "items"), Set.of("orders"), "tenant_id");

    private SafePath.Checked ok(String sql, Object... params) {
        SafePath.Checked c = safe.check(sql);
        c.verify("acme", params);
        return c;
    }

    private String refused(String sql, Object... params) {
        return assertThrows(UnsafeStatementException.class, () -> safe.check(sql).verify("acme", params)).getMessage();
    }

    @Test
    public void constrainedStatementsPassAndNameTheirTenantSlots() {
        SafePath.Checked c = ok("SELECT id, total FROM orders WHERE tenant_id = ? AND id = ?", "acme", 5);
        assertEquals(List.of(1), c.tenantParams());
        assertTrue(c.query());
        assertEquals(List.of(2), ok("SELECT * FROM orders WHERE id = ? AND (tenant_id = ?)", 5, "acme").tenantParams());
        ok("SELECT o.id FROM orders o JOIN items i ON i.order_id = o.id AND i.tenant_id = ? WHERE o.tenant_id = ?", "acme", "acme");
        ok("SELECT count(*) FROM `orders` WHERE `tenant_id` = 'acme'");
        ok("UPDATE orders SET total = total + ? WHERE tenant_id = ? AND id = ?", 1, "acme", 3);
        ok("DELETE FROM orders WHERE tenant_id = ? AND id = ?", "acme", 3);
        assertEquals(List.of(2, 5), ok("INSERT INTO orders (id, tenant_id, total) VALUES (?, ?, ?), (?, ?, ?)", 1, "acme", 2, 3, "acme", 4).tenantParams());
        ok("INSERT INTO orders (tenant_id, id) VALUES ('acme', 1) ON DUPLICATE KEY UPDATE id = id");
        ok("INSERT INTO orders SET tenant_id = ?, id = ?", "acme", 9);
        ok("SELECT id FROM orders WHERE ? = tenant_id", "acme");
    }

    @Test
    public void anotherTenantsValueIsRefusedPerCall() {
        SafePath.Checked c = safe.check("SELECT id FROM orders WHERE tenant_id = ?");
        c.verify("acme", new Object[] {"acme"});
        assertThrows(UnsafeStatementException.class, () -> c.verify("acme", new Object[] {"globex"}));
        assertThrows(UnsafeStatementException.class, () -> c.verify("acme", new Object[] {}));
        refused("SELECT id FROM orders WHERE tenant_id = 'globex'");
        refused("INSERT INTO orders (id, tenant_id) VALUES (1, 'acme'), (2, 'globex')");
        refused("INSERT INTO orders (id, tenant_id) VALUES (?, ?), (?, ?)", 1, "acme", 2, "globex");
    }

    @Test
    public void unconstrainedOrEscapingStatementsAreRefused() {
        assertTrue(refused("SELECT id FROM orders").contains("not constrained"));
        refused("SELECT id FROM orders WHERE tenant_id = ? OR 1 = 1", "acme");
        refused("SELECT id FROM orders WHERE NOT (tenant_id <> ?)", "acme");
        refused("SELECT id FROM orders WHERE tenant_id IN (?, ?)", "acme", "globex");
        refused("SELECT id FROM orders WHERE tenant_id LIKE ?", "acme");
        refused("SELECT o.id FROM orders o JOIN items i ON i.order_id = o.id WHERE o.tenant_id = ?", "acme");
        refused("SELECT id FROM orders WHERE tenant_id = ? AND id IN (SELECT order_id FROM items)", "acme");
        refused("SELECT id FROM orders WHERE tenant_id = ? AND EXISTS (SELECT 1 FROM items WHERE tenant_id = 'globex')", "acme");
        refused("SELECT (SELECT count(*) FROM items) FROM orders WHERE tenant_id = ?", "acme");
        refused("SELECT id FROM orders WHERE tenant_id = ? UNION SELECT id FROM orders", "acme");
        refused("SELECT id FROM (SELECT * FROM orders) x WHERE tenant_id = ?", "acme");
        refused("UPDATE orders SET total = 0");
        refused("UPDATE orders SET tenant_id = 'globex' WHERE tenant_id = ?", "acme");
        refused("DELETE FROM orders WHERE id = 1");
        refused("INSERT INTO orders (id, total) VALUES (1, 2)");
        refused("INSERT INTO orders VALUES (1, 'acme', 2)");
        refused("INSERT INTO orders (id, tenant_id) SELECT id, tenant_id FROM items");
        refused("INSERT INTO orders (tenant_id, id) VALUES ('acme', 1) ON DUPLICATE KEY UPDATE tenant_id = 'globex'");
        refused("INSERT INTO orders (id, tenant_id) VALUES (1, lower('ACME'))");
    }

    @Test
    public void otherTablesSchemasAndStatementKindsAreRefused() {
        assertTrue(refused("SELECT * FROM users WHERE tenant_id = ?", "acme").contains("not a sharded table"));
        refused("SELECT * FROM other.orders WHERE tenant_id = ?", "acme");
        refused("DROP TABLE orders");
        refused("TRUNCATE TABLE orders");
        refused("ALTER TABLE orders ADD COLUMN x INT");
        refused("SET @a = 1");
        assertTrue(refused("SELECT id FROM orders WHERE tenant_id = ?; DROP TABLE orders", "acme").contains("without ';'"));
        refused("this is not sql");
        refused("SELECT id FROM orders WHERE tenant_id = ? INTO OUTFILE '/tmp/x'", "acme");
    }
}
