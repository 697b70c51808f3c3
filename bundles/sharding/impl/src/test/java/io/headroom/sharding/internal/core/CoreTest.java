package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class CoreTest {
    @Test
    public void breakerOpensAfterConsecutiveFailuresFailsFastThenLetsOneTrialThrough() {
        AtomicLong now = new AtomicLong(1000);
        CircuitBreaker b = new CircuitBreaker(3, 500, now::get);
        b.failure("x");
        b.failure("x");
        assertTrue(b.allow());
        b.success();
        b.failure("x");
        b.failure("x");
        assertTrue("failures are counted consecutively", b.allow());
        b.failure("down");
        assertEquals(CircuitBreaker.State.OPEN, b.state());
        assertFalse(b.allow());
        now.addAndGet(499);
        assertFalse(b.allow());
        now.addAndGet(1);
        assertTrue("one trial after the open period", b.allow());
        assertFalse("only one trial at a time", b.allow());
        b.failure("still down");
        assertFalse(b.allow());
        now.addAndGet(500);
        assertTrue(b.allow());
        b.success();
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
        assertTrue(b.allow());
        assertEquals("still down", b.lastFailure());
    }

    @Test
    public void tenantGateCapsOneTenantAndLeavesOthersTheirShare() throws Exception {
        TenantGate g = new TenantGate(TenantGate.share(10, 0.3));
        assertEquals(3, g.perTenant());
        for (int i = 0; i < 3; i++) {
            assertTrue(g.acquire("noisy", 0));
        }
        assertFalse(g.acquire("noisy", 10));
        assertTrue(g.acquire("quiet", 0));
        assertEquals(3, g.inUse("noisy"));
        g.release("noisy");
        assertTrue(g.acquire("noisy", 0));
        assertEquals(1, TenantGate.share(2, 0.1));
        assertEquals(4, TenantGate.share(4, 2.0));
    }

    @Test
    public void topologyRoutesByRangeAndPinsWin() {
        Topology.ShardDef a = new Topology.ShardDef("a", "jdbc:mysql://h/a", KeyRange.parse("-80"));
        Topology.ShardDef b = new Topology.ShardDef("b", "jdbc:mysql://h/b", KeyRange.parse("80-"));
        Topology.ShardDef big = new Topology.ShardDef("big", "jdbc:mysql://h/big", null);
        Topology t = new Topology(7, Map.of("a", a, "b", b, "big", big), Map.of("whale", "big"));
        for (String id : List.of("acme", "globex", "initech", "t1", "t2", "t3")) {
            TenantId tenant = TenantId.of(id);
            String expected = Long.compareUnsigned(Keyspace.idOf(tenant), 0x8000000000000000L) < 0 ? "a" : "b";
            assertEquals(id, expected, t.route(tenant).orElseThrow().name());
        }
        assertEquals("big", t.route(TenantId.of("whale")).orElseThrow().name());
        assertTrue(t.pinned(TenantId.of("whale")));
        assertTrue(new Topology(1, Map.of("a", a), Map.of()).route(TenantId.of("zzz-not-in-a")).isEmpty()
                || KeyRange.parse("-80").contains(Keyspace.idOf(TenantId.of("zzz-not-in-a"))));
    }

    @Test
    public void newShardsAreValidatedBeforeAnythingIsWritten() {
        Topology t = new Topology(1, Map.of("a", new Topology.ShardDef("a", "jdbc:mysql://h/a", KeyRange.parse("-80"))), Map.of());
        t.validateNewShard("b", "jdbc:mysql://h/b", KeyRange.parse("80-"));
        t.validateNewShard("dedicated", "jdbc:mysql://h/d", null);
        assertThrows(IllegalArgumentException.class, () -> t.validateNewShard("b", "jdbc:mysql://h/b", KeyRange.parse("40-")));
        assertThrows(IllegalArgumentException.class, () -> t.validateNewShard("a", "jdbc:mysql://h/b", KeyRange.parse("80-")));
        assertThrows(IllegalArgumentException.class, () -> t.validateNewShard("B!", "jdbc:mysql://h/b", KeyRange.parse("80-")));
        assertThrows(IllegalArgumentException.class, () -> t.validateNewShard("b", "http://h/b", KeyRange.parse("80-")));
        assertThrows(IllegalArgumentException.class, () -> t.validateNewShard("b", "jdbc:mysql://h/b?password=x", KeyRange.parse("80-")));
        t.validateNewShard("c", "jdbc:mysql://127.0.0.1:3317/c?createDatabaseIfNotExist=true&sslMode=DISABLED", null);
        for (String hostile : List.of("jdbc:mysql://h/b?allowLoadLocalInfile=true", "jdbc:mysql://h/b?autoDeserialize=true",
                "jdbc:mysql://h/b?sslMode=DISABLED&allowUrlInLocalInfile=true", "jdbc:mysql://h/b?queryInterceptors=x.Y",
                "jdbc:mysql://(host=h,allowLoadLocalInfile=true)/b", "jdbc:mysql://u:p@h/b", "jdbc:mysql://h1,h2/b")) {
            assertThrows(hostile, IllegalArgumentException.class, () -> t.validateNewShard("b", hostile, KeyRange.parse("80-")));
        }
        assertTrue(Topology.coversKeyspace(List.of(KeyRange.parse("80-"), KeyRange.parse("-40"), KeyRange.parse("40-80"))));
        assertFalse(Topology.coversKeyspace(List.of(KeyRange.parse("80-"), KeyRange.parse("-40"))));
        assertFalse(Topology.coversKeyspace(List.of()));
    }
}
