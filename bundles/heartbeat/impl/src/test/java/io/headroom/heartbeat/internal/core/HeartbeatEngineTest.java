package io.headroom.heartbeat.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Before;
import org.junit.Test;

/** Replays of hours and days of traffic on a simulated clock, evaluating once a minute as the component does. */
public class HeartbeatEngineTest {
    private static final String JOB = "conversation.create";
    private static final long START = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();

    private final AtomicLong clock = new AtomicLong(START);
    private final List<Alert> fired = new ArrayList<>();
    private final List<Alert> resolved = new ArrayList<>();
    private HeartbeatEngine engine;

    @Before
    public void setUp() {
        engine = new HeartbeatEngine(clock::get, HeartbeatEngine.Settings.standard(), new HeartbeatEngine.AlertListener() {
            @Override
            public long fired(Alert alert) {
                fired.add(alert);
                return fired.size();
            }

            @Override
            public void resolved(Alert alert) {
                resolved.add(alert);
            }
        });
        engine.setSlos(List.of(new Slo(JOB, 0.999, 2000L, "chats start")));
    }

    private void event(String tenant, boolean success, long latency) {
        engine.record(new OutcomeEvent(TenantId.of(tenant), JOB, success, latency, Instant.ofEpochMilli(clock.get())));
    }

    /** Advances one minute and evaluates, as the scheduled evaluation does. */
    private void tick() {
        clock.addAndGet(60_000);
        engine.evaluate();
    }

    private List<Alert> pagesFor(String tenant) {
        return fired.stream().filter(a -> a.severity().equals(Alert.PAGE) && tenant.equals(a.tenant())).toList();
    }

    @Test
    public void aTenantFailingCompletelyPagesWithinTwoMinutes() {
        for (int m = 0; m < 60; m++) {
            for (int i = 0; i < 100; i++) {
                event("acme", true, 100);
            }
            tick();
        }
        assertTrue(fired.isEmpty());
        int minutes = 0;
        while (pagesFor("acme").isEmpty() && minutes < 10) {
            for (int i = 0; i < 100; i++) {
                event("acme", false, 100);
            }
            tick();
            minutes++;
        }
        assertTrue("paged after " + minutes + " minutes", minutes <= 2);
        assertEquals("1h/5m", pagesFor("acme").get(0).rule());
        assertTrue("one tenant's failures never page platform-wide on their own, even when it is all the traffic",
                fired.stream().noneMatch(a -> a.tenant() == null));
        assertTrue(engine.platform().stream().noneMatch(JobHealth::paging));
        assertTrue(engine.tenant(TenantId.of("acme")).get(0).paging());
    }

    private List<Alert> platformPages() {
        return fired.stream().filter(a -> a.severity().equals(Alert.PAGE) && a.tenant() == null).toList();
    }

    /** Ten healthy tenants, then the given tenants fail completely for five minutes. */
    private void healthyThenFailing(List<String> failing) {
        for (int m = 0; m < 60; m++) {
            for (int t = 0; t < 10; t++) {
                for (int i = 0; i < 10; i++) {
                    event("t" + t, true, 100);
                }
            }
            tick();
        }
        for (int m = 0; m < 5; m++) {
            for (int t = 0; t < 10; t++) {
                for (int i = 0; i < 10; i++) {
                    event("t" + t, !failing.contains("t" + t), 100);
                }
            }
            tick();
        }
    }

    @Test
    public void oneTenantFailingPagesItsTenantAlertNotThePlatform() {
        healthyThenFailing(List.of("t0"));
        assertEquals(1, pagesFor("t0").size());
        // t0 is 10% of the traffic failing: 100x the 0.1% budget platform-wide, yet one tenant
        assertTrue(engine.platform().get(0).burn5m() > 14.4);
        assertEquals("no platform page: " + fired, 0, platformPages().size());
    }

    @Test
    public void twoTenantsFailingAreUnderTheQuorumThreePageThePlatform() {
        healthyThenFailing(List.of("t0", "t1"));
        assertEquals(0, platformPages().size());
        setUp(); // a fresh engine: same replay with three tenants failing
        fired.clear();
        healthyThenFailing(List.of("t0", "t1", "t2"));
        assertEquals("the platform pages once: " + fired, 1, platformPages().size());
        assertEquals(List.of(1, 1, 1), List.of(pagesFor("t0").size(), pagesFor("t1").size(), pagesFor("t2").size()));
        assertTrue(engine.platform().get(0).paging());
    }

    @Test
    public void aCriticalTenantFailingAlonePagesThePlatform() {
        engine = new HeartbeatEngine(clock::get, new HeartbeatEngine.Settings(BurnRule.STANDARD, 5, 5, 200_000, 100,
                1000, 3, java.util.Set.of("t7")), new HeartbeatEngine.AlertListener() {
                    public long fired(Alert alert) {
                        fired.add(alert);
                        return fired.size();
                    }

                    public void resolved(Alert alert) {
                        resolved.add(alert);
                    }
                });
        engine.setSlos(List.of(new Slo(JOB, 0.999, 2000L, "chats start")));
        healthyThenFailing(List.of("t7"));
        assertEquals(1, platformPages().size());
    }

    @Test
    public void manyQuietTenantsFailingALittleEachPageThePlatform() {
        // 20 tenants with 2 failures each: no tenant reaches the 5 bad events a tenant page needs, the platform does
        for (int m = 0; m < 3; m++) {
            for (int t = 0; t < 20; t++) {
                event("q" + t, m < 2, 100);
                event("q" + t, m < 2, 100);
            }
            tick();
        }
        assertTrue(fired.stream().noneMatch(a -> a.tenant() != null));
        assertEquals(1, platformPages().size());
    }

    @Test
    public void aLowTrafficTenantFailingNinetyPercentPagesWithinAnHour() {
        int minutes = 0;
        int sent = 0;
        while (pagesFor("quiet").isEmpty() && minutes < 120) {
            if (minutes % 5 == 0) {
                event("quiet", sent % 10 == 9, 100); // 9 of 10 fail
                sent++;
            }
            tick();
            minutes++;
        }
        assertTrue("paged after " + minutes + " minutes and " + sent + " events", minutes <= 60);
    }

    @Test
    public void aHandfulOfEventsWithAFailureNowAndThenDoesNotPage() {
        // 3 events an hour; now and then one fails. Each failure alone is a 33% error rate in its hour, 300x the
        // budget: without the low-traffic guard every one of them would page and resolve again.
        Random random = new Random(7);
        int failures = 0;
        for (int m = 0; m < 2 * 24 * 60; m++) {
            if (m % 20 == 0) {
                boolean ok = random.nextDouble() >= 0.03;
                failures += ok ? 0 : 1;
                event("tiny", ok, 100);
            }
            tick();
        }
        assertTrue("the replay had failures to ignore", failures > 0);
        assertTrue(fired.toString(), fired.isEmpty());
    }

    @Test
    public void aHealthyWeekWithNormalNoisePagesZeroTimes() {
        Random random = new Random(42);
        int tenants = 40;
        for (int m = 0; m < 7 * 24 * 60; m++) {
            for (int t = 0; t < tenants; t++) {
                // tenants from 30 events a minute down to one every 10 minutes, with daily swings
                double perMinute = (30.0 / (t + 1)) * (1 + 0.5 * Math.sin(2 * Math.PI * (m % 1440) / 1440.0));
                int n = (int) perMinute + (random.nextDouble() < perMinute % 1 ? 1 : 0);
                for (int i = 0; i < n; i++) {
                    boolean ok = random.nextDouble() >= 0.0002;               // 0.02% errors, budget is 0.1%
                    long latency = random.nextDouble() < 0.0002 ? 5000 : 50 + random.nextInt(400);
                    event("t" + t, ok, latency);
                }
            }
            tick();
        }
        assertEquals("pages in a healthy week: " + fired, 0, fired.stream().filter(a -> a.severity().equals(Alert.PAGE)).count());
    }

    @Test
    public void alertsResolveWhenTheFailureStops() {
        for (int m = 0; m < 30; m++) {
            for (int i = 0; i < 50; i++) {
                event("acme", m < 20 || i > 0, 100); // ten minutes of 2% failures
            }
            tick();
        }
        assertFalse(pagesFor("acme").isEmpty());
        int minutes = 0;
        while (resolved.stream().noneMatch(a -> "acme".equals(a.tenant()) && a.severity().equals(Alert.PAGE)) && minutes < 120) {
            for (int i = 0; i < 50; i++) {
                event("acme", true, 100);
            }
            tick();
            minutes++;
        }
        assertTrue("resolved after " + minutes + " healthy minutes", minutes <= 35);
        assertTrue(engine.firing().stream().noneMatch(a -> "acme".equals(a.tenant()) && a.severity().equals(Alert.PAGE)));
        assertEquals("fired once, not per evaluation", 1, pagesFor("acme").size());
    }

    @Test
    public void slowEventsAreBadAndHealthShowsBurnRates() {
        for (int i = 0; i < 100; i++) {
            event("acme", true, i < 10 ? 3000 : 100);
        }
        tick();
        JobHealth h = engine.tenant(TenantId.of("acme")).get(0);
        assertEquals(100, h.events1h());
        assertEquals(10, h.bad1h());
        assertEquals(100.0, h.burn1h(), 1e-9); // 10% bad over a 0.1% budget
        assertEquals(1, engine.platform().size());
        assertEquals("acme", engine.worst(5).get(0).tenant());
    }

    @Test
    public void memoryIsBoundedBySeriesCount() {
        engine = new HeartbeatEngine(clock::get, new HeartbeatEngine.Settings(BurnRule.STANDARD, 5, 5, 10, 100), new HeartbeatEngine.AlertListener() {
            public long fired(Alert alert) {
                return 0;
            }

            public void resolved(Alert alert) {
            }
        });
        for (int t = 0; t < 50; t++) {
            event("tenant-" + t, true, 1);
        }
        assertEquals(10, engine.seriesCount());
        assertTrue(engine.droppedSeriesEvents() > 0);
        tick();
        assertEquals("every event still counts platform-wide", 50, engine.platform().get(0).events1h());
    }

    @Test
    public void oneTenantCannotMakeUnboundedJobSeries() {
        engine = new HeartbeatEngine(clock::get, new HeartbeatEngine.Settings(BurnRule.STANDARD, 5, 5, 10_000, 100, 20),
                new HeartbeatEngine.AlertListener() {
                    public long fired(Alert alert) {
                        return 0;
                    }

                    public void resolved(Alert alert) {
                    }
                });
        Instant now = Instant.ofEpochMilli(clock.get());
        for (int j = 0; j < 20; j++) {
            OutcomeEvent e = new OutcomeEvent(TenantId.of("noisy"), "made.up." + j, true, 1, now);
            assertEquals(null, engine.seriesLimit(e));
            assertTrue(engine.record(e));
        }
        OutcomeEvent more = new OutcomeEvent(TenantId.of("noisy"), "made.up.20", true, 1, now);
        assertTrue(engine.seriesLimit(more).contains("maxSeriesPerTenant"));
        assertFalse("not counted, not even platform-wide", engine.record(more));
        assertEquals(40, engine.seriesCount()); // 20 tenant series and their 20 platform-wide ones, no more
        assertTrue("its known jobs still count", engine.record(new OutcomeEvent(TenantId.of("noisy"), "made.up.3", false, 1, now)));
        assertEquals("another tenant is not limited by it", null,
                engine.seriesLimit(new OutcomeEvent(TenantId.of("calm"), "made.up.20", true, 1, now)));
    }

    @Test
    public void eventsOlderThanThreeDaysAreNotCounted() {
        assertFalse(engine.record(new OutcomeEvent(TenantId.of("acme"), JOB, true, 1,
                Instant.ofEpochMilli(START - 73L * 3600 * 1000))));
        assertTrue(engine.record(new OutcomeEvent(TenantId.of("acme"), JOB, true, 1,
                Instant.ofEpochMilli(START - 2L * 3600 * 1000))));
        assertEquals(0, engine.tenant(TenantId.of("acme")).get(0).events1h());
    }

    @Test
    public void tenantsAreTheOnesWithEventsSorted() {
        event("umbrella", true, 1);
        event("acme", false, 1);
        event("acme", true, 1);
        assertEquals(List.of(TenantId.of("acme"), TenantId.of("umbrella")), engine.tenants());
    }
}
