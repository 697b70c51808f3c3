package io.headroom.heartbeat.internal.release;

import static org.junit.Assert.assertEquals;

import io.headroom.heartbeat.api.DeliveryFigures;
import io.headroom.heartbeat.internal.core.ReleaseState;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class DeliveryMetersTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private long ids;

    /** A release of {@code unit} uploaded at T0 + {@code at} s that went fleet-wide, or failed and rolled back, after the given seconds. */
    private ReleaseStore.Row row(String unit, ReleaseState state, long at, long fleetWideAfter, long failedAfter, long restoredAfter) {
        Instant uploaded = T0.plusSeconds(at);
        return new ReleaseStore.Row(++ids, unit, "1.0.0", "mvn", "1.0." + ids, "upload", List.of("job.a"), state, List.of("1", "100%"),
                1, 60, "op", "", uploaded, uploaded.plusSeconds(1), uploaded.plusSeconds(1),
                fleetWideAfter < 0 ? null : uploaded.plusSeconds(fleetWideAfter),
                failedAfter < 0 ? null : uploaded.plusSeconds(failedAfter),
                restoredAfter < 0 ? null : uploaded.plusSeconds(failedAfter + restoredAfter));
    }

    @Test
    public void theFourFiguresPerUnitFromTheHistory() {
        List<ReleaseStore.Row> rows = new ArrayList<>();
        // unit a: three completed (lead times 10, 30, 20 s), one rolled back restored 7 s after its page, one still rolling
        rows.add(row("a", ReleaseState.COMPLETED, 0, 10, -1, -1));
        rows.add(row("a", ReleaseState.COMPLETED, 100, 30, -1, -1));
        rows.add(row("a", ReleaseState.COMPLETED, 200, 20, -1, -1));
        rows.add(row("a", ReleaseState.ROLLED_BACK, 300, 5, 40, 7));
        rows.add(row("a", ReleaseState.ROLLING, 400, -1, -1, -1));
        // unit b: two rolled back (restored after 4 and 12 s), nothing completed
        rows.add(row("b", ReleaseState.ROLLED_BACK, 0, -1, 15, 4));
        rows.add(row("b", ReleaseState.ROLLED_BACK, 50, -1, 15, 12));

        List<DeliveryFigures> f = DeliveryMeters.figures(rows, Duration.ofDays(2));
        assertEquals(2, f.size());
        DeliveryFigures a = f.get(0);
        assertEquals("a", a.unit());
        assertEquals(3, a.completed());
        assertEquals(1, a.rolledBack());
        assertEquals("completed per day over the window", 1.5, a.perDay(), 1e-9);
        assertEquals("median lead time, upload to fleet-wide", 20.0, a.leadTimeSeconds(), 1e-9);
        assertEquals("rolled back over finished (the rolling one is not finished)", 0.25, a.changeFailureRate(), 1e-9);
        assertEquals("the deciding page to the previous version everywhere", 7.0, a.timeToRestoreSeconds(), 1e-9);

        DeliveryFigures b = f.get(1);
        assertEquals(0.0, b.perDay(), 1e-9);
        assertEquals("no completed release: no lead time", -1.0, b.leadTimeSeconds(), 1e-9);
        assertEquals(1.0, b.changeFailureRate(), 1e-9);
        assertEquals("median of an even count: the mean of the middle two", 8.0, b.timeToRestoreSeconds(), 1e-9);
    }

    @Test
    public void noReleasesNoFigures() {
        assertEquals(List.of(), DeliveryMeters.figures(List.of(), Duration.ofDays(30)));
        assertEquals(-1.0, DeliveryMeters.median(List.of()), 1e-9);
    }
}
