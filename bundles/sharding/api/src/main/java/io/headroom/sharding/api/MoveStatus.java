package io.headroom.sharding.api;

import java.util.List;

/**
 * A tenant move or shard split as recorded in the control schema: what moves ({@code tenant:acme} or
 * {@code range:40-80}), from where to where, its state (COPYING, CATCHING_UP, CUTTING_OVER, CUT_OVER, REVERSING,
 * DONE, CANCELLED, REVERSED, FAILED), rows copied so far, binlog events applied, the last verification (per table
 * row counts and checksums, source = target), when the source copy is cleaned up, and the last error if any.
 *
 * <p>{@code replayLagBytes} and {@code replayLagMillis}: how far the move's change replay is behind, as last measured
 * by the node running it (about once a second): the bytes of binary log between where the replay has read and the
 * server's position (while copying: written since the move's start position, which the replay will read next), and an
 * upper bound on the age of the oldest change not yet replayed (0 when caught up). Null when unknown or not running
 * (before the first measure, while copying for the age, and once the move is finished or failed).
 */
public record MoveStatus(long id, String kind, String subject, String source, List<String> targets, String state,
        long copiedRows, long appliedEvents, String verification, String graceUntil, String error, String updatedAt,
        Long replayLagBytes, Long replayLagMillis) {
    public MoveStatus {
        targets = List.copyOf(targets);
    }

    /** A status without a replay lag (the record before the lag was measured). */
    public MoveStatus(long id, String kind, String subject, String source, List<String> targets, String state,
            long copiedRows, long appliedEvents, String verification, String graceUntil, String error, String updatedAt) {
        this(id, kind, subject, source, targets, state, copiedRows, appliedEvents, verification, graceUntil, error, updatedAt, null, null);
    }
}
