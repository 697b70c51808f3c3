package io.headroom.sharding.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;

import io.headroom.sharding.api.TenantLocation;
import org.junit.Test;

/** What GET /api/sharding/tenants/{tenant} shows each kind of caller. */
public class ShardingResourceTest {
    private static final TenantLocation ACME = new TenantLocation("acme", "8c1f", "shard-eu-2", "80-c0", true, 42);

    @Test
    public void aTenantTokenReadsItsLocationWithoutTheShardName() {
        TenantLocation seen = ShardingResource.forCaller(ACME, true);
        assertNull(seen.shard());
        assertEquals(new TenantLocation("acme", "8c1f", null, "80-c0", true, 42), seen);
    }

    @Test
    public void operatorsAndPlatformTokensReadTheShard() {
        assertSame(ACME, ShardingResource.forCaller(ACME, false));
    }
}
