package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.List;
import java.util.Set;
import org.junit.Test;

/** CREATE and DROP TABLE as schema changes, and the sharded tables that follow from the applied changes. */
public class SchemaCatalogTest {
    private static final Set<String> TABLES = Set.of("orders");

    @Test
    public void createNeedsTheTenantColumnAndAPrimaryKey() {
        assertEquals(new DdlCheck.Change(DdlCheck.Kind.CREATE, "invoices"), DdlCheck.classify(
                "CREATE TABLE invoices (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, total DECIMAL(12,2), PRIMARY KEY (tenant_id, id))", TABLES, "tenant_id"));
        assertEquals(DdlCheck.Kind.CREATE, DdlCheck.classify("CREATE TABLE `notes` (id BIGINT PRIMARY KEY, tenant_id VARCHAR(63) NOT NULL)", TABLES, "tenant_id").kind());
        assertTrue(assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify(
                "CREATE TABLE invoices (id BIGINT PRIMARY KEY, total INT)", TABLES, "tenant_id")).getMessage().contains("tenant column"));
        assertTrue(assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify(
                "CREATE TABLE invoices (id BIGINT, tenant_id VARCHAR(63))", TABLES, "tenant_id")).getMessage().contains("primary key"));
        assertThrows(IllegalStateException.class, () -> DdlCheck.classify(
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, tenant_id VARCHAR(63))", TABLES, "tenant_id"));
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify("CREATE TABLE other.x (id BIGINT PRIMARY KEY, tenant_id INT)", TABLES, "tenant_id"));
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify("CREATE TABLE x LIKE orders", TABLES, "tenant_id"));
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify(
                "CREATE TABLE x (id BIGINT PRIMARY KEY, tenant_id INT) /*! , DROP TABLE orders */", TABLES, "tenant_id"));
    }

    @Test
    public void dropNamesASharedTable() {
        assertEquals(new DdlCheck.Change(DdlCheck.Kind.DROP, "orders"), DdlCheck.classify("DROP TABLE orders", TABLES, "tenant_id"));
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify("DROP TABLE users", TABLES, "tenant_id"));
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify("DROP DATABASE shard0", TABLES, "tenant_id"));
        assertEquals(List.of("DROP TABLE orders"), DdlCheck.attempts("DROP TABLE orders;"));
        assertEquals(2, DdlCheck.attempts("ALTER TABLE orders ADD COLUMN x INT").size());
        assertEquals(DdlCheck.Kind.ALTER, DdlCheck.classify("ALTER TABLE orders ADD COLUMN x INT;", TABLES, "tenant_id").kind());
        assertThrows(UnsafeStatementException.class, () -> DdlCheck.classify("ALTER TABLE orders ADD COLUMN x INT /*! , DROP COLUMN id */", TABLES, "tenant_id"));
    }

    @Test
    public void theShardedTablesFollowTheAppliedChangesInOrder() {
        String create = "CREATE TABLE invoices (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))";
        assertEquals(Set.of("orders"), DdlCheck.shardedTables(List.of("orders"), List.<String[]>of(new String[] {create, "RUNNING"})));
        assertEquals(Set.of("orders", "invoices"), DdlCheck.shardedTables(List.of("Orders"), List.<String[]>of(new String[] {create, "DONE"})));
        assertEquals(Set.of("orders"), DdlCheck.shardedTables(List.of("orders"), List.of(new String[] {create, "DONE"},
                new String[] {"ALTER TABLE invoices ADD COLUMN x INT", "DONE"}, new String[] {"DROP TABLE invoices", "RUNNING"})));
        assertEquals(Set.of("orders", "invoices"), DdlCheck.shardedTables(List.of("orders"), List.of(new String[] {create, "DONE"},
                new String[] {"DROP TABLE invoices", "CANCELLED"})));
    }
}
