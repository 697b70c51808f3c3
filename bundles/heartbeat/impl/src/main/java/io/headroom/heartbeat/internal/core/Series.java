package io.headroom.heartbeat.internal.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Event counts of one (tenant, job) or one platform-wide job, in fixed memory: the last 60 minutes by minute and the
 * last 72 hours by hour (about 1 KiB). Windows up to an hour are exact to the minute; longer ones to the hour.
 */
public final class Series {
    public static final int MINUTES = 60;
    public static final int HOURS = 72;

    private final long[] minuteStamp = new long[MINUTES];
    private final int[] minuteTotal = new int[MINUTES];
    private final int[] minuteBad = new int[MINUTES];
    private final long[] hourStamp = new long[HOURS];
    private final int[] hourTotal = new int[HOURS];
    private final int[] hourBad = new int[HOURS];
    private final BitSet dirtyMinutes = new BitSet(MINUTES);
    private final BitSet dirtyHours = new BitSet(HOURS);

    Series() {
        Arrays.fill(minuteStamp, -1);
        Arrays.fill(hourStamp, -1);
    }

    /** Counts events in the minute {@code minute} (minutes since the epoch). */
    synchronized void add(long minute, int total, int bad) {
        int m = (int) (minute % MINUTES);
        if (minuteStamp[m] != minute) {
            if (minuteStamp[m] > minute) {
                return; // older than the ring: only the hour ring can still take it
            }
            minuteStamp[m] = minute;
            minuteTotal[m] = 0;
            minuteBad[m] = 0;
        }
        minuteTotal[m] += total;
        minuteBad[m] += bad;
        dirtyMinutes.set(m);
        addHour(minute / 60, total, bad);
    }

    /** Counts events of an hour too old for the minute ring (replay, late batches). */
    synchronized void addHourOnly(long hour, int total, int bad) {
        addHour(hour, total, bad);
    }

    private void addHour(long hour, int total, int bad) {
        int h = (int) (hour % HOURS);
        if (hourStamp[h] != hour) {
            if (hourStamp[h] > hour) {
                return;
            }
            hourStamp[h] = hour;
            hourTotal[h] = 0;
            hourBad[h] = 0;
        }
        hourTotal[h] += total;
        hourBad[h] += bad;
        dirtyHours.set(h);
    }

    /**
     * Totals and bad counts over the last {@code minutes} minutes up to and including {@code now} (a minute), from the
     * minute ring; {@code minEvents} extends the window back, minute by minute up to the hour, until it holds that
     * many events, so that a low-traffic series has a meaningful short window.
     */
    synchronized long[] lastMinutes(long now, int minutes, int minEvents) {
        long total = 0;
        long bad = 0;
        for (int i = 0; i < MINUTES; i++) {
            if (i >= minutes && total >= minEvents) {
                break;
            }
            long minute = now - i;
            int m = (int) (minute % MINUTES);
            if (minute >= 0 && minuteStamp[m] == minute) {
                total += minuteTotal[m];
                bad += minuteBad[m];
            }
        }
        return new long[] {total, bad};
    }

    /** Totals and bad counts over the last {@code hours} hours up to and including the hour of {@code now}. */
    synchronized long[] lastHours(long now, int hours, int minEvents) {
        long currentHour = now / 60;
        long total = 0;
        long bad = 0;
        for (int i = 0; i < HOURS; i++) {
            if (i >= hours && total >= minEvents) {
                break;
            }
            long hour = currentHour - i;
            int h = (int) (hour % HOURS);
            if (hour >= 0 && hourStamp[h] == hour) {
                total += hourTotal[h];
                bad += hourBad[h];
            }
        }
        return new long[] {total, bad};
    }

    /**
     * The slots changed since the last call, as {minute or hour, total, bad}: what a flush must write. Clears the
     * record, so a failed flush must {@link #markDirty} them again.
     */
    public synchronized List<long[]> drainDirtyMinutes() {
        return drain(dirtyMinutes, minuteStamp, minuteTotal, minuteBad);
    }

    public synchronized List<long[]> drainDirtyHours() {
        return drain(dirtyHours, hourStamp, hourTotal, hourBad);
    }

    private static List<long[]> drain(BitSet dirty, long[] stamp, int[] total, int[] bad) {
        List<long[]> out = new ArrayList<>();
        for (int i = dirty.nextSetBit(0); i >= 0; i = dirty.nextSetBit(i + 1)) {
            out.add(new long[] {stamp[i], total[i], bad[i]});
        }
        dirty.clear();
        return out;
    }

    public synchronized void markDirty(List<long[]> minutes, List<long[]> hours) {
        minutes.forEach(m -> dirtyMinutes.set((int) (m[0] % MINUTES)));
        hours.forEach(h -> dirtyHours.set((int) (h[0] % HOURS)));
    }

    /** {total, bad} of one minute, zeros when the ring holds another minute there. */
    public synchronized long[] minuteCounts(long minute) {
        int m = (int) (minute % MINUTES);
        return minuteStamp[m] == minute ? new long[] {minuteTotal[m], minuteBad[m]} : new long[2];
    }

    /** {total, bad} of one hour, zeros when the ring holds another hour there. */
    public synchronized long[] hourCounts(long hour) {
        int h = (int) (hour % HOURS);
        return hourStamp[h] == hour ? new long[] {hourTotal[h], hourBad[h]} : new long[2];
    }

    /** Restores one persisted minute slot (its hour is restored from the hour slots). */
    public synchronized void restoreMinute(long minute, int total, int bad) {
        int m = (int) (minute % MINUTES);
        if (minuteStamp[m] <= minute) {
            minuteStamp[m] = minute;
            minuteTotal[m] = total;
            minuteBad[m] = bad;
        }
    }

    public synchronized void restoreHour(long hour, int total, int bad) {
        int h = (int) (hour % HOURS);
        if (hourStamp[h] <= hour) {
            hourStamp[h] = hour;
            hourTotal[h] = total;
            hourBad[h] = bad;
        }
    }
}
