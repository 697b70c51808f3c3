package io.headroom.sharding.api;

import java.util.List;

/**
 * A tenant move or shard split as recorded in the control schema: what moves ({@code tenant:acme} or
 * {@code range:40-80}), from where to where, its state (COPYING, CATCHING_UP, CUTTING_OVER, CUT_OVER, REVERSING,
 * DONE, CANCELLED, REVERSED, FAILED), rows copied so far, binlog events applied, the last verification (per table
 * row counts and checksums, source = target), when the source copy is cleaned up, and the last error if any.
 */
public record MoveStatus(long id, String kind, String subject, String source, List<String> targets, String state,
        long copiedRows, long appliedEvents, String verification, String graceUntil, String error, String updatedAt) {
    public MoveStatus {
        targets = List.copyOf(targets);
    }
}
