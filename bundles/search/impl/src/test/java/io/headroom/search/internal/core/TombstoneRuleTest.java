package io.headroom.search.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.search.internal.core.TombstoneRule.Copy;
import io.headroom.search.internal.core.TombstoneRule.Redelete;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class TombstoneRuleTest {

    @Test
    public void aCopyAtOrBelowARecordedDeleteIsNotSent() {
        assertTrue("no delete recorded", TombstoneRule.send(new Copy("a", 5, true), null));
        assertTrue("deleted before this version was written", TombstoneRule.send(new Copy("a", 5, true), 4L));
        assertFalse("the delete's own version", TombstoneRule.send(new Copy("a", 5, true), 5L));
        assertFalse(TombstoneRule.send(new Copy("a", 5, true), 9L));
        assertTrue("deletes are always sent", TombstoneRule.send(new Copy("a", 5, false), 9L));
        List<Copy> copies = List.of(new Copy("a", 1, true), new Copy("b", 3, true), new Copy("c", 2, false), new Copy("d", 8, true));
        assertEquals(List.of(0, 2, 3), TombstoneRule.toSend(copies, Map.of("b", 3L, "c", 7L, "d", 2L)));
    }

    @Test
    public void aDeleteRecordedDuringTheCopyIsAppliedAgainAtItsVersion() {
        List<Copy> copies = List.of(new Copy("a", 1, true), new Copy("b", 3, true), new Copy("c", 2, false), new Copy("d", 8, true));
        List<Integer> sent = List.of(0, 2, 3);
        // b was not sent; c is a delete itself; d's delete is older than the copy
        assertEquals(List.of(new Redelete(0, "a", 4)), TombstoneRule.redeletes(copies, sent, Map.of("a", 4L, "b", 9L, "c", 9L, "d", 7L)));
        assertEquals("same version as the copy counts", List.of(new Redelete(3, "d", 8)),
                TombstoneRule.redeletes(copies, sent, Map.of("d", 8L)));
        assertEquals(List.of(), TombstoneRule.redeletes(copies, sent, Map.of()));
    }
}
