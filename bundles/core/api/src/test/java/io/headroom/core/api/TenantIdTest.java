package io.headroom.core.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class TenantIdTest {
    @Test
    public void acceptsTheDocumentedFormat() {
        for (String ok : new String[] {"a", "acme", "acme-corp_2", "0tenant", "x".repeat(63)}) {
            assertEquals(ok, TenantId.of(ok).value());
            assertTrue(TenantId.isValid(ok));
        }
    }

    @Test
    public void rejectsEverythingElseWithAMessageThatSaysWhy() {
        for (String bad : new String[] {"", "Acme", "-acme", "_acme", "acme corp", "acme;drop", "a'b", "ä", "x".repeat(64)}) {
            InvalidTenantIdException e = assertThrows(InvalidTenantIdException.class, () -> TenantId.of(bad));
            assertTrue(e.getMessage(), e.getMessage().contains("tenant id"));
            assertFalse(TenantId.isValid(bad));
        }
        assertThrows(InvalidTenantIdException.class, () -> TenantId.of(null));
    }

    @Test
    public void longInputIsNotEchoedWhole() {
        String huge = "A".repeat(10_000);
        String message = assertThrows(InvalidTenantIdException.class, () -> TenantId.of(huge)).getMessage();
        assertTrue(message.length() < 300);
    }

    @Test
    public void valueSemantics() {
        assertEquals(TenantId.of("acme"), TenantId.valueOf("acme"));
        assertEquals(TenantId.of("acme").hashCode(), TenantId.of("acme").hashCode());
        assertTrue(TenantId.of("a").compareTo(TenantId.of("b")) < 0);
        assertEquals("acme", TenantId.of("acme").toString());
    }
}
