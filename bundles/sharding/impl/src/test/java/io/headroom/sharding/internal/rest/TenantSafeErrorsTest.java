package io.headroom.sharding.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantFencedException;
import io.headroom.sharding.api.TenantOverLimitException;
import org.junit.Test;

/** The Data API's errors name no shard, host, schema or database user; they keep their type (and so their status). */
public class TenantSafeErrorsTest {
    private static final TenantId ACME = TenantId.of("acme");

    @Test
    public void aRefusedStatementKeepsMySqlsWordsWithoutTheShardOrSchema() {
        RuntimeException e = TenantSafeErrors.of(ACME, new ShardQueryException(
                "shard shard-eu-2: Table 'hr_shard_eu_2.orders' doesn't exist", "42S02", null));
        assertTrue(e instanceof ShardQueryException);
        assertEquals("Table 'orders' doesn't exist", e.getMessage());
        assertEquals("42S02", ((ShardQueryException) e).sqlState());
        assertEquals("SELECT command denied to user the platform's database user for table 'orders'",
                TenantSafeErrors.queryMessage("shard s1: SELECT command denied to user 'app'@'10.0.3.7' for table 'orders'"));
        assertEquals("Access denied for user the platform's database user to the tenant's database",
                TenantSafeErrors.queryMessage("shard s1: Access denied for user 'app'@'%' to database 'hr_s1'"));
    }

    @Test
    public void anUnreachableShardSaysSoWithoutItsHost() {
        RuntimeException e = TenantSafeErrors.of(ACME, new ShardUnavailableException("shard-eu-2",
                "shard shard-eu-2 is unreachable: Communications link failure to db-eu-2.internal:3306", null));
        assertTrue(e instanceof ShardUnavailableException);
        assertFalse(e.getMessage(), e.getMessage().contains("eu-2") || e.getMessage().contains("3306"));
        assertTrue(e.getMessage(), e.getMessage().contains("acme"));
    }

    @Test
    public void overItsShareAndFencedStayClearWithoutShardNames() {
        RuntimeException over = TenantSafeErrors.of(ACME, new TenantOverLimitException("shard-eu-2",
                "tenant acme already holds its 4 connection(s) on shard shard-eu-2; retry shortly"));
        assertTrue(over instanceof TenantOverLimitException);
        assertEquals("tenant acme already holds its 4 connection(s) on its shard; retry shortly", over.getMessage());
        TenantFencedException fenced = new TenantFencedException("shard-eu-2", "tenant acme is being moved: retry in a moment");
        assertSame(fenced, TenantSafeErrors.of(ACME, fenced));
    }
}
