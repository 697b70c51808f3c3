package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Slo;
import io.headroom.heartbeat.internal.core.BurnRule;
import io.headroom.heartbeat.internal.core.HeartbeatEngine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Heartbeat core figures: the evaluation cycle for N tenants x J jobs with 3 days of history, ingestion throughput
 * against the least a counter can do (a LongAdder per series in a concurrent map, same run), and memory per series.
 * Usage: HeartbeatBench [tenants] [jobs] [cycles]   (defaults 10000 5 7)
 */
public final class HeartbeatBench {
    private static final HeartbeatEngine.AlertListener NO_ALERTS = new HeartbeatEngine.AlertListener() {
        public long fired(Alert alert) {
            return 0;
        }

        public void resolved(Alert alert) {
        }
    };

    public static void main(String[] args) {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int cycles = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        AtomicLong clock = new AtomicLong(Instant.parse("2026-11-01T00:00:00Z").toEpochMilli());
        TenantId[] ids = new TenantId[tenants];
        for (int t = 0; t < tenants; t++) {
            ids[t] = TenantId.of("tenant-" + t);
        }
        String[] jobNames = new String[jobs];
        List<Slo> slos = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            jobNames[j] = "job-" + j;
            slos.add(new Slo(jobNames[j], 0.999, 2000L, ""));
        }

        // memory: series with full history (every minute of the last hour and every hour of 3 days)
        System.gc();
        long before = usedHeap();
        HeartbeatEngine engine = new HeartbeatEngine(clock::get,
                new HeartbeatEngine.Settings(BurnRule.STANDARD, 5, 5, tenants * jobs + jobs, 100), NO_ALERTS);
        engine.setSlos(slos);
        Random random = new Random(1);
        long start = clock.get();
        for (int hour = 0; hour < 72; hour++) {
            clock.set(start + hour * 3_600_000L);
            for (int t = 0; t < tenants; t++) {
                for (int j = 0; j < jobs; j++) {
                    engine.record(new OutcomeEvent(ids[t], jobNames[j], random.nextInt(2000) != 0, 100, Instant.ofEpochMilli(clock.get())));
                }
            }
        }
        long lastHourStart = start + 71 * 3_600_000L;
        for (int minute = 0; minute < 60; minute++) {
            clock.set(lastHourStart + minute * 60_000L);
            for (int t = 0; t < tenants; t++) {
                for (int j = 0; j < jobs; j++) {
                    engine.record(new OutcomeEvent(ids[t], jobNames[j], random.nextInt(2000) != 0, 100, Instant.ofEpochMilli(clock.get())));
                }
            }
        }
        System.gc();
        long perSeries = (usedHeap() - before) / engine.seriesCount();

        // evaluation cycle
        double[] cycleMillis = new double[cycles];
        for (int c = 0; c < cycles; c++) {
            long t0 = System.nanoTime();
            engine.evaluate();
            cycleMillis[c] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(cycleMillis);

        // ingestion: the engine against a bare LongAdder per series, alternating, same events
        int events = 2_000_000;
        OutcomeEvent[] stream = new OutcomeEvent[events];
        Instant now = Instant.ofEpochMilli(clock.get());
        for (int i = 0; i < events; i++) {
            stream[i] = new OutcomeEvent(ids[random.nextInt(tenants)], jobNames[random.nextInt(jobs)], random.nextInt(100) != 0, 50, now);
        }
        Map<String, LongAdder> baseline = new ConcurrentHashMap<>();
        double engineRate = 0;
        double baselineRate = 0;
        for (int round = 0; round < 4; round++) {
            long t0 = System.nanoTime();
            for (OutcomeEvent e : stream) {
                baseline.computeIfAbsent(e.tenant().value() + "|" + e.job(), k -> new LongAdder()).increment();
            }
            double b = events / ((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            for (OutcomeEvent e : stream) {
                engine.record(e);
            }
            double h = events / ((System.nanoTime() - t0) / 1e9);
            if (round > 0) { // round 0 warms up
                baselineRate += b / 3;
                engineRate += h / 3;
            }
        }

        System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.printf("series: %d (%d tenants x %d jobs + %d platform-wide), 3 days of history%n", engine.seriesCount(), tenants, jobs, jobs);
        System.out.printf("evaluation cycle: median %.0f ms, min %.0f ms, max %.0f ms over %d cycles (goal: at most 1000 ms)%n",
                cycleMillis[cycles / 2], cycleMillis[0], cycleMillis[cycles - 1], cycles);
        System.out.printf("memory per (tenant, job) series: about %d bytes%n", perSeries);
        System.out.printf("ingestion, one thread: heartbeat %.0f events/s, bare LongAdder map %.0f events/s, ratio %.2f%n",
                engineRate, baselineRate, engineRate / baselineRate);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
