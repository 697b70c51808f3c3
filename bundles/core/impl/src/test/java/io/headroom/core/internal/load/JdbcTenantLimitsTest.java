package io.headroom.core.internal.load;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.internal.store.TwoNodes;
import java.lang.annotation.Annotation;
import java.time.Instant;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class JdbcTenantLimitsTest {
    private static final TenantId HOOLI = TenantId.of("hooli");

    private TwoNodes<JdbcTenantLimits> nodes;

    static JdbcTenantLimits.Config refreshEvery(long millis) {
        return new JdbcTenantLimits.Config() {
            public long limitRefreshMillis() {
                return millis;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcTenantLimits.Config.class;
            }
        };
    }

    @Before
    public void setUp() throws Exception {
        nodes = new TwoNodes<>(store -> new JdbcTenantLimits(store, refreshEvery(100)), JdbcTenantLimits::deactivate);
    }

    @After
    public void tearDown() {
        nodes.close();
    }

    @Test
    public void aLimitSetOnOneNodeAppliesOnTheOtherWithinASecondAndEndsAtItsExpiry() throws Exception {
        Instant expiry = Instant.now().plusSeconds(2);
        nodes.a().set(new TenantLimit(HOOLI, 3, 4, 0.25, 2, expiry));
        assertEquals(Integer.valueOf(3), nodes.a().limit(HOOLI).orElseThrow().queueCap());
        long deadline = System.currentTimeMillis() + 1000;
        while (nodes.b().limit(HOOLI).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        TenantLimit seen = nodes.b().limit(HOOLI).orElseThrow();
        assertEquals(Integer.valueOf(4), seen.llmRpm());
        assertEquals(0.25, seen.shardShare(), 1e-9);
        assertEquals(Integer.valueOf(2), seen.restRps());
        assertEquals("kept to the second", expiry.getEpochSecond(), seen.expiresAt().getEpochSecond());
        while (Instant.now().isBefore(expiry.plusMillis(1050))) {
            Thread.sleep(50);
        }
        assertTrue("expired on both nodes without a write", nodes.a().limit(HOOLI).isEmpty() && nodes.b().list().isEmpty());
    }

    @Test
    public void aLimitReplacesTheOldOneAndIsCleared() {
        nodes.a().set(new TenantLimit(HOOLI, 3, null, null, null, null));
        nodes.a().set(new TenantLimit(HOOLI, null, 10, null, null, null));
        TenantLimit l = nodes.a().limit(HOOLI).orElseThrow();
        assertEquals(null, l.queueCap());
        assertEquals(Integer.valueOf(10), l.llmRpm());
        assertTrue(nodes.a().clear(HOOLI));
        assertFalse(nodes.a().clear(HOOLI));
        assertTrue(nodes.a().list().isEmpty());
    }

    @Test
    public void badLimitsAreRefusedBeforeAnythingIsWritten() {
        assertThrows(IllegalArgumentException.class, () -> new TenantLimit(HOOLI, -1, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new TenantLimit(HOOLI, null, null, 1.5, null, null));
        assertThrows(IllegalArgumentException.class, () -> new TenantLimit(HOOLI, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> nodes.a().set(new TenantLimit(HOOLI, 1, null, null, null, Instant.now().minusSeconds(1))));
        assertThrows(IllegalArgumentException.class, () -> TenantReport.expiry("soon", Instant.now()));
        assertEquals(Instant.EPOCH.plusSeconds(900), TenantReport.expiry("15m", Instant.EPOCH));
        assertTrue(nodes.a().list().isEmpty());
    }
}
