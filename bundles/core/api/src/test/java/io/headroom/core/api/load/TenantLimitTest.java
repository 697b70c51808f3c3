package io.headroom.core.api.load;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.headroom.core.api.TenantId;
import org.junit.Test;

public class TenantLimitTest {
    private static final TenantId T = TenantId.of("acme");

    @Test
    public void anLlmLimitOfZeroIsRefusedNotReadAsOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TenantLimit(T, null, 0, null, null, null));
        assertEquals("an LLM limit is at least 1 request a minute (the gateway has no quota of none a minute)", e.getMessage());
        assertEquals(Integer.valueOf(1), new TenantLimit(T, null, 1, null, null, null).llmRpm());
    }

    @Test
    public void aQueueCapOfZeroIsALimitAndNegativesAreRefused() {
        assertEquals(Integer.valueOf(0), new TenantLimit(T, 0, null, null, null, null).queueCap());
        assertThrows(IllegalArgumentException.class, () -> new TenantLimit(T, -1, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new TenantLimit(T, null, null, 0.0, null, null));
    }
}
