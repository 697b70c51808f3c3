package io.headroom.core.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class JobNameTest {
    @Test
    public void acceptsTheDocumentedFormat() {
        for (String ok : new String[] {"a", "llm.answer", "queue.invoice-render_2", "0job", "x".repeat(JobName.MAX_LENGTH)}) {
            assertEquals(ok, JobName.of(ok).value());
            assertTrue(JobName.isValid(ok));
        }
    }

    @Test
    public void rejectsEverythingElseWithAMessageThatSaysWhatAndWhy() {
        for (String bad : new String[] {"", "Job", ".job", "-job", "_job", "a job", "a/b", "a;b", "ä", "x".repeat(JobName.MAX_LENGTH + 1)}) {
            InvalidJobNameException e = assertThrows(InvalidJobNameException.class, () -> JobName.of(bad));
            assertTrue(e.getMessage(), e.getMessage().contains("job name"));
            assertFalse(JobName.isValid(bad));
        }
        assertThrows(InvalidJobNameException.class, () -> JobName.of(null));
        String message = assertThrows(InvalidJobNameException.class, () -> JobName.of("Bad", "flag name", 40)).getMessage();
        assertEquals("invalid flag name 'Bad': use 1-40 characters of a-z, 0-9, '.', '-' or '_', starting with a letter or digit", message);
    }

    @Test
    public void aShorterBoundIsEnforcedAndCannotExceedTheLongest() {
        assertEquals("x".repeat(40), JobName.of("x".repeat(40), "job type", 40).value());
        assertThrows(InvalidJobNameException.class, () -> JobName.of("x".repeat(41), "job type", 40));
        assertFalse(JobName.isValid("x".repeat(41), 40));
        assertThrows(IllegalArgumentException.class, () -> JobName.of("x", "job type", JobName.MAX_LENGTH + 1));
    }

    @Test
    public void longInputIsNotEchoedWhole() {
        String message = assertThrows(InvalidJobNameException.class, () -> JobName.of("A".repeat(10_000))).getMessage();
        assertTrue(message, message.length() < 300);
    }

    @Test
    public void valueSemantics() {
        assertEquals(JobName.of("a.job"), JobName.valueOf("a.job"));
        assertEquals(JobName.of("a.job").hashCode(), JobName.of("a.job").hashCode());
        assertTrue(JobName.of("a").compareTo(JobName.of("b")) < 0);
        assertEquals("a.job", JobName.of("a.job").toString());
    }
}
