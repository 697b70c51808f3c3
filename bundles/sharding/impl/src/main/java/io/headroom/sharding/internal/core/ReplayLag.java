package io.headroom.sharding.internal.core;

import java.util.List;

/**
 * How far a move's change replay is behind the server it reads: the bytes of binary log between where the replay has
 * read and the server's current position, and an upper bound on the age of the oldest change not yet replayed.
 *
 * <p>The age bound: 0 when the replay has read up to the server's position; otherwise the time since the later of the
 * last event it read (the oldest unread change was written after it; binlog timestamps have whole seconds) and the last
 * time it was found caught up (every change written before then had been read). So a replay that was idle and then
 * meets a burst shows the burst's age, not the idle time.
 */
public final class ReplayLag {
    /** One binary log file and its size, as {@code SHOW BINARY LOGS} lists them (oldest first). */
    public record LogFile(String name, long size) {
    }

    /**
     * A replay's lag: bytes behind (-1: unknown) and the age bound in milliseconds (-1: unknown). Several replays of one
     * move (a split's way back has one per target) add their bytes and keep the largest age.
     */
    public record Lag(long bytes, long millis) {
        public Lag plus(Lag o) {
            return new Lag(bytes < 0 || o.bytes < 0 ? -1 : bytes + o.bytes, millis < 0 || o.millis < 0 ? -1 : Math.max(millis, o.millis));
        }
    }

    private ReplayLag() {
    }

    /**
     * The bytes between the read position and the head: the rest of the read file, every file after it before the
     * head's, and the head's file up to its position; -1 when the read file is no longer listed (purged: unknown).
     */
    public static long bytesBehind(String readFile, long readPos, String headFile, long headPos, List<LogFile> logs) {
        int c = readFile.compareTo(headFile);
        if (c > 0 || c == 0 && readPos >= headPos) {
            return 0;
        }
        if (c == 0) {
            return headPos - readPos;
        }
        long behind = -1;
        for (LogFile f : logs) {
            if (f.name().equals(readFile)) {
                behind = Math.max(0, f.size() - readPos);
            } else if (behind >= 0 && f.name().compareTo(readFile) > 0 && f.name().compareTo(headFile) < 0) {
                behind += f.size();
            }
        }
        return behind < 0 ? -1 : behind + headPos;
    }

    /**
     * The age bound in milliseconds (see the class comment); {@code lastEventMillis} and {@code lastCaughtUpMillis}
     * are 0 when there was none, and -1 is returned when neither is known and the replay is behind.
     */
    public static long millisBehind(boolean caughtUp, long nowMillis, long lastEventMillis, long lastCaughtUpMillis) {
        if (caughtUp) {
            return 0;
        }
        long since = Math.max(lastEventMillis, lastCaughtUpMillis);
        return since <= 0 ? -1 : Math.max(0, nowMillis - since);
    }
}
