package io.headroom.sharding.internal.engine;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

public class ShadowCopyTest {
    private static final TableShape ORDERS = new TableShape("orders", List.of("tenant_id", "id", "status", "total"),
            List.of("varchar", "bigint", "varchar", "decimal"), List.of("tenant_id", "id"), 0);

    @Test
    public void binlogRowsMapToTheShadowByColumnName() {
        // the change drops status, retypes total, adds note; the shadow's columns are in another order and case
        TableShape gho = new TableShape("_orders_gho", List.of("TENANT_ID", "id", "note", "total"), List.of("varchar", "bigint", "varchar", "bigint"),
                List.of("TENANT_ID", "id"), 0);
        TableShape.Mapping m = ORDERS.mapTo(gho);
        assertEquals(List.of("TENANT_ID", "id", "total"), m.columns());
        assertArrayEquals(new int[] {0, 1, 3}, m.valueIndexes()); // positions in the binlog row of the old table
        assertArrayEquals(new int[] {0, 1}, m.keyIndexes());
        assertEquals("REPLACE INTO `_orders_gho` (`TENANT_ID`, `id`, `total`) VALUES (?, ?, ?)", m.replaceSql());
        assertEquals("DELETE FROM `_orders_gho` WHERE `TENANT_ID` = ? AND `id` = ?", m.deleteSql());
    }

    @Test
    public void aMoveStillWritesTheSameTableWithEveryColumn() {
        TableShape.Mapping m = ORDERS.mapTo(ORDERS);
        assertEquals(ORDERS.replaceSql(), m.replaceSql());
        assertEquals(ORDERS.deleteByPkSql(), m.deleteSql());
        assertArrayEquals(new int[] {0, 1, 2, 3}, m.valueIndexes());
    }

    @Test
    public void aChangedPrimaryKeyCannotBeShadowCopied() {
        TableShape gho = new TableShape("_orders_gho", ORDERS.columns(), ORDERS.types(), List.of("id"), 0);
        assertThrows(IllegalStateException.class, () -> ORDERS.mapTo(gho));
    }

    @Test
    public void chunksAreKeyRangesOpenOnlyAtTheEnds() {
        TableShape gho = new TableShape("_orders_gho", ORDERS.columns(), ORDERS.types(), ORDERS.primaryKey(), 0);
        TableShape.Mapping m = ORDERS.mapTo(gho);
        assertEquals("SELECT `tenant_id`, `id` FROM `orders` ORDER BY `tenant_id`, `id` LIMIT 1 OFFSET 499", ShadowCopy.chunkEndSql(ORDERS, false, 500));
        assertEquals("SELECT `tenant_id`, `id` FROM `orders` WHERE (`tenant_id`, `id`) > (?, ?) ORDER BY `tenant_id`, `id` LIMIT 1 OFFSET 999",
                ShadowCopy.chunkEndSql(ORDERS, true, 1000));
        String cols = "`tenant_id`, `id`, `status`, `total`";
        assertEquals("INSERT IGNORE INTO `_orders_gho` (" + cols + ") SELECT " + cols + " FROM `orders` WHERE (`tenant_id`, `id`) <= (?, ?)",
                ShadowCopy.copySql(ORDERS, m, "_orders_gho", false, true));
        assertEquals("INSERT IGNORE INTO `_orders_gho` (" + cols + ") SELECT " + cols + " FROM `orders` WHERE (`tenant_id`, `id`) > (?, ?)"
                + " AND (`tenant_id`, `id`) <= (?, ?)", ShadowCopy.copySql(ORDERS, m, "_orders_gho", true, true));
        assertEquals("INSERT IGNORE INTO `_orders_gho` (" + cols + ") SELECT " + cols + " FROM `orders` WHERE (`tenant_id`, `id`) > (?, ?)",
                ShadowCopy.copySql(ORDERS, m, "_orders_gho", true, false));
        assertEquals("INSERT IGNORE INTO `_orders_gho` (" + cols + ") SELECT " + cols + " FROM `orders`", ShadowCopy.copySql(ORDERS, m, "_orders_gho", false, false));
    }

    @Test
    public void theChecksumCoversOnlyTheUnchangedColumns() {
        assertEquals("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', IFNULL(`id`, '\\\\N'), IFNULL(`status`, '\\\\N')))), 0),"
                + " COALESCE(SUM(CRC32(CONCAT_WS('|', IFNULL(`id`, '\\\\N'), IFNULL(`status`, '\\\\N')))), 0) FROM `orders`",
                ShadowCopy.checksumSql("orders", List.of("id", "status")));
        assertEquals("SELECT COUNT(*), COALESCE(BIT_XOR(0), 0), COALESCE(SUM(0), 0) FROM `t`", ShadowCopy.checksumSql("t", List.of()));
        assertEquals("_orders_gho", ShadowCopy.shadowName("orders"));
        assertEquals("_orders_del", ShadowCopy.oldName("orders"));
    }
}
