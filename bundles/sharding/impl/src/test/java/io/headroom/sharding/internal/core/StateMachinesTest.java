package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/** The transition tables of moves, schema changes and shards in a schema change, edge by edge. */
public class StateMachinesTest {
    @Test
    public void moveTransitionsAreExactlyTheTable() {
        Map<MoveState, Set<MoveState>> want = new EnumMap<>(MoveState.class);
        want.put(MoveState.COPYING, EnumSet.of(MoveState.CATCHING_UP, MoveState.CANCELLED, MoveState.FAILED));
        want.put(MoveState.CATCHING_UP, EnumSet.of(MoveState.CUTTING_OVER, MoveState.CANCELLED, MoveState.FAILED));
        want.put(MoveState.CUTTING_OVER, EnumSet.of(MoveState.CUT_OVER, MoveState.CATCHING_UP, MoveState.CANCELLED, MoveState.FAILED));
        want.put(MoveState.CUT_OVER, EnumSet.of(MoveState.DONE, MoveState.REVERSING));
        want.put(MoveState.REVERSING, EnumSet.of(MoveState.REVERSED, MoveState.CUT_OVER));
        want.put(MoveState.FAILED, EnumSet.of(MoveState.CANCELLED));
        for (MoveState from : MoveState.values()) {
            Set<MoveState> allowed = want.getOrDefault(from, EnumSet.noneOf(MoveState.class));
            assertEquals(from.toString(), allowed, from.next());
            for (MoveState to : MoveState.values()) {
                if (allowed.contains(to)) {
                    assertEquals(to, from.to(to));
                } else {
                    assertThrows(from + " -> " + to, IllegalStateException.class, () -> from.to(to));
                }
            }
        }
        assertThrows(UnsupportedOperationException.class, () -> MoveState.COPYING.next().add(MoveState.DONE));
    }

    @Test
    public void aMoveThatCutOverNeverFailsAndEveryMoveCanEnd() {
        // after cut-over the target holds the live rows: FAILED (whose cancel deletes the targets' copies) is unreachable
        assertFalse(reachable(MoveState.CUT_OVER).contains(MoveState.FAILED));
        assertFalse(reachable(MoveState.CUT_OVER).contains(MoveState.CANCELLED));
        assertEquals(EnumSet.allOf(MoveState.class), reachable(MoveState.COPYING));
        for (MoveState s : MoveState.values()) {
            assertTrue(s + " can end", reachable(s).stream().anyMatch(MoveState::terminal));
        }
        assertEquals(EnumSet.of(MoveState.COPYING, MoveState.CATCHING_UP, MoveState.CUTTING_OVER, MoveState.CUT_OVER, MoveState.REVERSING),
                MoveState.ACTIVE);
        for (MoveState s : MoveState.values()) {
            assertEquals(s + " holds copies", !s.terminal(), s.holdsCopies());
            assertEquals(s + " answers a request", s == MoveState.REVERSING || s.terminal(), s.answersRequest());
        }
        assertEquals(EnumSet.of(MoveState.CUT_OVER, MoveState.DONE, MoveState.CANCELLED, MoveState.REVERSED, MoveState.FAILED),
                EnumSet.copyOf(List.of(MoveState.values()).stream().filter(MoveState::settled).toList()));
    }

    private static Set<MoveState> reachable(MoveState from) {
        Set<MoveState> seen = EnumSet.of(from);
        Deque<MoveState> todo = new ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            for (MoveState n : todo.pop().next()) {
                if (seen.add(n)) {
                    todo.push(n);
                }
            }
        }
        return seen;
    }

    @Test
    public void requestsAreTakenOnlyWhereTheyMeanSomething() {
        MoveRequest.CANCEL.check(7, MoveState.COPYING);
        MoveRequest.CANCEL.check(7, MoveState.CUT_OVER);
        MoveRequest.CANCEL.check(7, MoveState.FAILED);
        MoveRequest.CLEANUP.check(7, MoveState.CUT_OVER);
        assertEquals("move 7 is already being reversed",
                assertThrows(IllegalStateException.class, () -> MoveRequest.CANCEL.check(7, MoveState.REVERSING)).getMessage());
        assertEquals("move 7 is COPYING: only a cut-over move has a source copy to clean up",
                assertThrows(IllegalStateException.class, () -> MoveRequest.CLEANUP.check(7, MoveState.COPYING)).getMessage());
        for (MoveState s : List.of(MoveState.DONE, MoveState.CANCELLED, MoveState.REVERSED)) {
            for (MoveRequest r : MoveRequest.values()) {
                assertEquals("move 7 is already " + s, assertThrows(IllegalStateException.class, () -> r.check(7, s)).getMessage());
            }
        }
        for (MoveRequest r : MoveRequest.values()) {
            assertEquals(r, MoveRequest.parse(r.stored()));
        }
        assertEquals("cancel", MoveRequest.CANCEL.stored());
        assertNull(MoveRequest.parse(null));
    }

    @Test
    public void schemaChangeTransitionsAreExactlyTheTable() {
        Map<SchemaChangeState, Set<SchemaChangeState>> want = new EnumMap<>(SchemaChangeState.class);
        want.put(SchemaChangeState.RUNNING, EnumSet.of(SchemaChangeState.PAUSED, SchemaChangeState.CANCELLED, SchemaChangeState.DONE,
                SchemaChangeState.FAILED));
        want.put(SchemaChangeState.PAUSED, EnumSet.of(SchemaChangeState.RUNNING, SchemaChangeState.CANCELLED));
        for (SchemaChangeState from : SchemaChangeState.values()) {
            Set<SchemaChangeState> allowed = want.getOrDefault(from, EnumSet.noneOf(SchemaChangeState.class));
            assertEquals(from.toString(), allowed, from.next());
            assertEquals(from.toString(), allowed.isEmpty(), from.terminal());
            assertEquals(from.toString(), from != SchemaChangeState.RUNNING, from.settled());
            for (SchemaChangeState to : SchemaChangeState.values()) {
                if (allowed.contains(to)) {
                    assertEquals(to, from.to(to, 3));
                } else {
                    assertThrows(from + " -> " + to, IllegalStateException.class, () -> from.to(to, 3));
                }
            }
        }
        assertEquals("schema change 3 is DONE: it cannot become PAUSED",
                assertThrows(IllegalStateException.class, () -> SchemaChangeState.DONE.to(SchemaChangeState.PAUSED, 3)).getMessage());
    }

    @Test
    public void aShardsEntrySaysItsStateAndOnlyUnfinishedShardsRunAgain() {
        assertEquals(ShardChangeState.PENDING, ShardChangeState.of(null));
        for (String applied : List.of("INSTANT", "INPLACE", "ALREADY",
                "COPY-SHADOW (10000 rows copied, verified 10000 rows, crc 1f/2, cut-over blocked writes 12 ms, attempt 1)")) {
            assertEquals(applied, ShardChangeState.APPLIED, ShardChangeState.of(applied));
        }
        String running = ShardChangeState.running("COPY-SHADOW copy 200/10000 rows");
        assertEquals("RUNNING COPY-SHADOW copy 200/10000 rows", running);
        assertEquals(ShardChangeState.RUNNING, ShardChangeState.of(running));
        assertEquals("FAILED: shadow copy: gone", ShardChangeState.failed("shadow copy: gone"));
        assertEquals(ShardChangeState.FAILED, ShardChangeState.of(ShardChangeState.failed("x")));
        assertEquals(ShardChangeState.CANCELLED, ShardChangeState.of(ShardChangeState.cancelled("the shadow copy stopped")));

        Set<ShardChangeState> onward = EnumSet.of(ShardChangeState.RUNNING, ShardChangeState.APPLIED, ShardChangeState.FAILED, ShardChangeState.CANCELLED);
        for (ShardChangeState from : ShardChangeState.values()) {
            boolean open = from.needsRun();
            assertEquals(from.toString(), open ? onward : EnumSet.noneOf(ShardChangeState.class), from.next());
            assertEquals(from.toString(), from != ShardChangeState.PENDING && from != ShardChangeState.RUNNING, from.done());
            for (ShardChangeState to : ShardChangeState.values()) {
                if (from.next().contains(to)) {
                    assertEquals(to, from.to(to, "s1"));
                } else {
                    assertThrows(from + " -> " + to, IllegalStateException.class, () -> from.to(to, "s1"));
                }
            }
        }
        assertEquals(EnumSet.of(ShardChangeState.PENDING, ShardChangeState.RUNNING, ShardChangeState.FAILED),
                EnumSet.copyOf(List.of(ShardChangeState.values()).stream().filter(ShardChangeState::needsRun).toList()));
    }
}
