package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class DdlCheckTest {
    private static final Set<String> TABLES = Set.of("orders");

    @Test
    public void oneAlterOfAShardedTablePassesAndGetsTheNativeOnlineForms() {
        assertEquals("orders", DdlCheck.check("ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL", TABLES));
        assertEquals("orders", DdlCheck.check("ALTER TABLE `orders` ADD INDEX by_status (status);", TABLES));
        assertEquals(List.of("ALTER TABLE orders ADD COLUMN n INT, ALGORITHM=INSTANT", "ALTER TABLE orders ADD COLUMN n INT, ALGORITHM=INPLACE, LOCK=NONE"),
                DdlCheck.attempts("ALTER TABLE orders ADD COLUMN n INT;"));
    }

    @Test
    public void anythingElseIsRefusedBeforeItRuns() {
        for (String bad : List.of("DROP TABLE orders", "ALTER TABLE users ADD COLUMN x INT", "ALTER TABLE other.orders ADD COLUMN x INT",
                "ALTER TABLE orders ADD COLUMN x INT; DROP TABLE orders", "ALTER TABLE orders RENAME TO o2", "ALTER TABLE orders ENGINE = MyISAM",
                "ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=COPY", "not sql", "", "SELECT 1")) {
            assertThrows(bad, UnsafeStatementException.class, () -> DdlCheck.check(bad, TABLES));
        }
    }

    @Test
    public void aShadowCopyAltersItsOwnTableWithTheSameChange() {
        assertEquals("ALTER TABLE `_orders_gho` MODIFY total DECIMAL (14, 2) NOT NULL",
                DdlCheck.retarget("ALTER TABLE orders MODIFY total DECIMAL(14,2) NOT NULL;", "_orders_gho"));
        assertEquals("ALTER TABLE `_orders_gho` ADD COLUMN note VARCHAR (40) NULL, DROP COLUMN status",
                DdlCheck.retarget("ALTER TABLE `orders` ADD COLUMN note VARCHAR(40) NULL, DROP COLUMN status", "_orders_gho"));
    }

    @Test
    public void commentsAreRefusedSoTheCheckSeesWhatTheServerRuns() {
        for (String hidden : List.of("ALTER TABLE orders ADD COLUMN note INT /*!50000 , DROP COLUMN status */",
                "ALTER TABLE orders ADD COLUMN note INT -- , DROP COLUMN status", "ALTER TABLE orders ADD COLUMN note INT # x",
                "ALTER TABLE orders /* a */ ADD COLUMN note INT")) {
            assertThrows(hidden, UnsafeStatementException.class, () -> DdlCheck.check(hidden, TABLES));
        }
        assertEquals("orders", DdlCheck.check("ALTER TABLE orders ADD COLUMN note VARCHAR(40) DEFAULT '#-- /*'", TABLES));
    }
}
