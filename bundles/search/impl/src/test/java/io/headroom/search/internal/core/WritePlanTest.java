package io.headroom.search.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.search.internal.core.WritePlan.Action;
import io.headroom.search.internal.core.WritePlan.Answer;
import java.util.List;
import org.junit.Test;

public class WritePlanTest {

    @Test
    public void writesGoToBothLayoutsExactlyWhileDualWriteIsOn() {
        assertEquals("no migration", List.of(1), WritePlan.layouts(1, null, 0));
        assertEquals(List.of(1), WritePlan.layouts(1, MigrationState.CREATED, 2));
        assertEquals(List.of(1, 2), WritePlan.layouts(1, MigrationState.DUAL_WRITE, 2));
        assertEquals(List.of(1, 2), WritePlan.layouts(1, MigrationState.BACKFILLING, 2));
        assertEquals(List.of(1, 2), WritePlan.layouts(1, MigrationState.BACKFILLED, 2));
        // after finish the target is the current layout: one layout again
        assertEquals(List.of(2), WritePlan.layouts(2, MigrationState.FINISHED, 2));
        assertEquals(List.of(2), WritePlan.layouts(2, MigrationState.OLD_DELETED, 2));
        assertEquals("a cancelled target is never written", List.of(1), WritePlan.layouts(1, MigrationState.CANCELLED, 2));
        for (MigrationState s : MigrationState.values()) {
            List<Integer> plan = WritePlan.layouts(1, s, 2);
            assertEquals(s + ": the current layout first", Integer.valueOf(1), plan.get(0));
            assertEquals(s.toString(), s.dualWrite() ? 2 : 1, plan.size());
        }
    }

    @Test
    public void theCurrentLayoutDecidesWhetherARequestIsRefused() {
        assertTrue(WritePlan.refusedByCurrent(List.of(Answer.REJECTED, Answer.REJECTED)));
        assertFalse("one good document: accepted, the refused one waits as dead", WritePlan.refusedByCurrent(List.of(Answer.REJECTED, Answer.APPLIED)));
        assertFalse("unreachable is not a refusal: kept for retry", WritePlan.refusedByCurrent(List.of(Answer.RETRY)));
        assertFalse(WritePlan.refusedByCurrent(List.of()));
        assertEquals(Action.DONE, WritePlan.action(Answer.APPLIED));
        assertEquals(Action.OUTBOX, WritePlan.action(Answer.RETRY));
        assertEquals(Action.OUTBOX, WritePlan.action(Answer.REJECTED));
    }

    @Test
    public void queuedWritesForDeletedLayoutsAreDroppedAndRetriesBackOff() {
        assertTrue(WritePlan.keepQueued("ACTIVE"));
        assertTrue(WritePlan.keepQueued("TARGET"));
        assertTrue(WritePlan.keepQueued("RETIRED"));
        assertFalse(WritePlan.keepQueued("DELETED"));
        assertFalse("unknown layout", WritePlan.keepQueued(null));
        assertEquals(250, WritePlan.retryDelayMillis(0));
        assertEquals(500, WritePlan.retryDelayMillis(1));
        assertEquals(30_000, WritePlan.retryDelayMillis(7));
        assertEquals(30_000, WritePlan.retryDelayMillis(1000));
    }
}
