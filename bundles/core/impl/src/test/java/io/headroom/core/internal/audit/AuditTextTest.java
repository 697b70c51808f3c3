package io.headroom.core.internal.audit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import org.junit.Test;

public class AuditTextTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    public void sinceTakesAnInstantOrAnAge() {
        assertNull(Since.parse(" ", NOW));
        assertEquals(Instant.parse("2026-12-06T11:30:00Z"), Since.parse("30m", NOW));
        assertEquals(Instant.parse("2026-11-29T12:00:00Z"), Since.parse("7d", NOW));
        assertEquals(Instant.parse("2026-01-31T12:00:00Z"), Since.parse("2026-01-31T12:00:00Z", NOW));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Since.parse("yesterday", NOW));
        assertTrue(e.getMessage(), e.getMessage().contains("30m"));
        assertThrows(IllegalArgumentException.class, () -> Since.parse("5w", NOW));
    }

    @Test
    public void shellLinesKeepTheirShapeButNotTheirSecrets() {
        assertEquals("llm:deployment-set --api-key *** --url http://x openai",
                ShellAudit.mask("llm:deployment-set --api-key sk-123 --url http://x openai"));
        assertEquals("queue:type-set --secret=*** --password *** jobs",
                ShellAudit.mask("queue:type-set --secret=abc --password \"a b\" jobs"));
        assertEquals("shard:move acme shard-2", ShellAudit.mask("shard:move acme shard-2"));
    }
}
