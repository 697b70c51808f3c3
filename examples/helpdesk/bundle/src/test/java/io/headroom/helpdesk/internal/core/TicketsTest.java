package io.headroom.helpdesk.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class TicketsTest {
    @Test
    public void idsAndTextsAreCheckedBeforeAnythingIsWritten() {
        assertEquals("c-1_A", Tickets.id("c-1_A", "id"));
        for (String bad : new String[] {null, "", "a b", "x".repeat(41), "é", "a;b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tickets.id(bad, "id"));
            assertTrue(e.getMessage(), e.getMessage().contains("'id' is required"));
        }
        assertThrows(IllegalArgumentException.class, () -> Tickets.text("  ", "body", 10));
        assertThrows(IllegalArgumentException.class, () -> Tickets.text("x".repeat(11), "body", 10));
        assertEquals("ok", Tickets.text("ok", "body", 10));
    }

    @Test
    public void theSearchDocumentHoldsOnlyDeclaredFieldsAndCountsMessages() {
        Map<String, Object> doc = Tickets.document("Login fails", "open", List.of("I cannot log in", "still broken"));
        @SuppressWarnings("unchecked")
        Map<String, Object> declared = (Map<String, Object>) Tickets.MAPPINGS.get("properties");
        assertTrue(declared.keySet().containsAll(doc.keySet()));
        assertEquals(2, doc.get("messages"));
        assertEquals("I cannot log in\nstill broken", doc.get("text"));
    }

    @Test
    public void summariesAreBounded() {
        String s = Tickets.summary("subject", List.of("x".repeat(1000), "y".repeat(1000), "z".repeat(1000), "w".repeat(1000),
                "v".repeat(1000), "u".repeat(1000), "t".repeat(1000)));
        assertEquals(500, s.length());
        assertTrue(s.endsWith("..."));
        assertEquals("a | b", Tickets.summary("a", List.of("b")));
    }
}
