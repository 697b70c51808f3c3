package io.headroom.itests;

import io.headroom.helpdesk.client.HelpdeskClient;
import io.headroom.helpdesk.client.HelpdeskClient.Answer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The game day's tenants: steady client threads per tenant (one per small tenant and the spiking one, two per large
 * one) that open conversations (every other one with an AI answer), reply and search through the helpdesk's REST
 * API, and extra threads for the spiking tenant during its spike. A client retries 429 and 5xx answers with the same
 * ids, as the README asks of every client; every attempt is recorded with the phase it was sent in.
 */
final class GameDayLoad {
    /** One attempt: phase, tenant class, tenant, when it was sent (ms since the start), its latency and status (-1: no answer). */
    record Sample(String phase, String cls, String tenant, long atMillis, long latencyMillis, int status) {
    }

    private static final long STEADY_PAUSE_MILLIS = 150;
    private static final int MAX_ATTEMPTS = 40;

    private final Map<String, HelpdeskClient> clients;
    private final String spiking;
    private final List<String> large;
    private final long start = System.nanoTime();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean spike = new AtomicBoolean(false);
    private volatile String phase = "setup";
    private final List<String> phases = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> phaseFigures = new ConcurrentHashMap<>();
    private volatile Probe probe;
    private final Map<String, Long> phaseStarts = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Reading> readings = new ConcurrentLinkedQueue<>();
    private final Map<String, List<String>> failures = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> conversations = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> messages = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> aiAnswers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> aiErrors = new ConcurrentHashMap<>();
    private final Map<String, Long> firstAiError = new ConcurrentHashMap<>();
    private final List<Thread> steady = new ArrayList<>();
    private final List<Thread> spikers = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    GameDayLoad(Map<String, HelpdeskClient> clients, String spiking, List<String> large) {
        this.clients = clients;
        this.spiking = spiking;
        this.large = large;
        for (String t : clients.keySet()) {
            conversations.put(t, ConcurrentHashMap.newKeySet());
            messages.put(t, ConcurrentHashMap.newKeySet());
        }
    }

    String cls(String tenant) {
        return tenant.equals(spiking) ? "spike" : large.contains(tenant) ? "large" : "small";
    }

    void start() {
        // however many small tenants there are, together they send about what three do: most tenants are small
        long smallCount = clients.keySet().stream().filter(t -> cls(t).equals("small")).count();
        long smallPause = STEADY_PAUSE_MILLIS * Math.max(1, smallCount / 3);
        for (String t : clients.keySet()) {
            int n = large.contains(t) ? 2 : 1;
            long pause = cls(t).equals("small") ? smallPause : STEADY_PAUSE_MILLIS;
            for (int i = 0; i < n; i++) {
                Thread th = new Thread(() -> run(t, () -> running.get(), pause), "gameday-" + t + "-" + i);
                th.setDaemon(true);
                steady.add(th);
                th.start();
            }
        }
    }

    /** Figures read from the platform when a phase ends (the queue's dwell, alerts), and every second, for the report. */
    interface Probe {
        /** One line for the phase that ends now. */
        String read(String phase) throws Exception;

        /** The platform's figures now, by chart ({@code dwell}, {@code burn}) and series in it. */
        Map<String, Map<String, Double>> sample() throws Exception;
    }

    /** A probe's reading, {@code atMillis} after the load started. */
    private record Reading(long atMillis, Map<String, Map<String, Double>> figures) {
    }

    /** Reads the probe's figures every second while the load runs (a reading that fails is left out). */
    void probe(Probe p) {
        probe = p;
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                long at = elapsed();
                try {
                    readings.add(new Reading(at, p.sample()));
                } catch (Exception e) {
                    // a node away: the chart has a gap there
                }
                GameDayIT.pause(Math.max(0, 1000 - (elapsed() - at)));
            }
        }, "gameday-probe");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void endPhase() {
        Probe p = probe;
        String ending = phase;
        if (p != null && ending != null) {
            try {
                phaseFigures.put(ending, p.read(ending));
            } catch (Exception e) {
                phaseFigures.put(ending, "not read: " + e);
            }
        }
    }

    void phase(String name) {
        endPhase();
        phase = name;
        phases.add(name);
        phaseStarts.put(name, elapsed());
        System.out.println("game day: phase " + name + " at " + elapsed() + " ms"); // in the itest's report, for slow runs
    }

    /** Starts or stops the spiking tenant's extra threads (six, unpaced: about 20 times its steady rate). */
    void spike(boolean on) throws InterruptedException {
        spike.set(on);
        if (on) {
            for (int i = 0; i < 6; i++) {
                Thread th = new Thread(() -> run(spiking, () -> running.get() && spike.get(), 0), "gameday-spike-" + i);
                th.setDaemon(true);
                spikers.add(th);
                th.start();
            }
        } else {
            for (Thread th : spikers) {
                th.join(60_000);
            }
        }
    }

    void stop() throws InterruptedException {
        endPhase();
        running.set(false);
        spike.set(false);
        for (Thread th : steady) {
            th.join(120_000);
        }
        for (Thread th : spikers) {
            th.join(60_000);
        }
    }

    /** The steady client threads: each has at most one request in flight. */
    int threads() {
        return steady.size();
    }

    private void run(String tenant, java.util.function.BooleanSupplier go, long pauseMillis) {
        HelpdeskClient c = clients.get(tenant);
        List<String> mine = new ArrayList<>();
        for (int i = 0; go.getAsBoolean(); i++) {
            if (i % 4 == 3) {
                attempt(tenant, () -> c.search(tenant, "", 20), a -> {
                });
            } else if (i % 3 == 2 && !mine.isEmpty()) {
                String conversation = mine.get(ThreadLocalRandom.current().nextInt(mine.size()));
                String id = "m" + ids.incrementAndGet();
                attempt(tenant, () -> c.reply(tenant, conversation, id, "agent", "reply " + id + " on " + conversation),
                        a -> messages.get(tenant).add(id));
            } else {
                String id = "c" + ids.incrementAndGet();
                boolean ai = i % 2 == 0;
                attempt(tenant, () -> c.open(tenant, id, "Order " + id + " did not arrive", "customer",
                        "Where is my order " + id + "? It was due last week.", ai), a -> {
                    conversations.get(tenant).add(id);
                    messages.get(tenant).add(id + "-m1");
                    mine.add(id);
                    if (ai) {
                        String answer = HelpdeskClient.field(a.body(), "aiAnswer");
                        (answer != null ? aiAnswers : aiErrors).computeIfAbsent(phase, k -> new AtomicInteger()).incrementAndGet();
                        if (answer == null) {
                            firstAiError.putIfAbsent(phase, System.currentTimeMillis());
                        }
                    }
                });
            }
            if (pauseMillis > 0) {
                GameDayIT.pause(pauseMillis);
            }
        }
    }

    interface Call {
        Answer send() throws Exception;
    }

    /** Sends until a 2xx (then {@code acked}) or a 4xx other than 429; records every attempt. */
    private void attempt(String tenant, Call call, java.util.function.Consumer<Answer> acked) {
        String cls = cls(tenant);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            String sentIn = phase;
            long sent = System.nanoTime();
            Answer a;
            try {
                a = call.send();
            } catch (Exception e) {
                a = new Answer(-1, e.toString(), -1);
            }
            samples.add(new Sample(sentIn, cls, tenant, (sent - start) / 1_000_000, (System.nanoTime() - sent) / 1_000_000, a.status()));
            if (a.ok()) {
                acknowledged.computeIfAbsent(sentIn + "/" + tenant, k -> new AtomicInteger()).incrementAndGet();
                acked.accept(a);
                return;
            }
            boolean retryable = a.status() == 429 || a.status() >= 500 || a.status() == -1;
            if (a.status() != 429 || !cls.equals("spike")) {
                String body = a.body() == null ? "" : a.body();
                failures.computeIfAbsent(sentIn + "/" + cls, k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(tenant + " " + a.status() + " " + body.substring(0, Math.min(body.length(), 160)));
            }
            if (!retryable) {
                return;
            }
            GameDayIT.pause(a.retryAfter() > 0 ? Math.min(a.retryAfter() * 1000L, 2000) : 200);
        }
    }

    private long elapsed() {
        return (System.nanoTime() - start) / 1_000_000;
    }

    List<String> failures(String phase, String cls) {
        return failures.getOrDefault(phase + "/" + cls, List.of());
    }

    /** Up to five failed attempts of each phase and class, as answered. */
    String failureSamples() {
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(failures).forEach((k, v) -> {
            synchronized (v) {
                b.append(k).append(": ").append(v.size()).append(' ').append(v.subList(0, Math.min(5, v.size()))).append('\n');
            }
        });
        return b.toString();
    }

    int requests(String phase, String cls) {
        return (int) samples.stream().filter(s -> s.phase().equals(phase) && s.cls().equals(cls)).count();
    }

    int acknowledged(String phase, String tenant) {
        AtomicInteger n = acknowledged.get(phase + "/" + tenant);
        return n == null ? 0 : n.get();
    }

    int aiAnswers(String phase) {
        AtomicInteger n = aiAnswers.get(phase);
        return n == null ? 0 : n.get();
    }

    int aiErrors(String phase) {
        AtomicInteger n = aiErrors.get(phase);
        return n == null ? 0 : n.get();
    }

    /** When the phase's first AI answer came back as an error (epoch millis), if one did. */
    java.util.OptionalLong firstAiError(String phase) {
        Long at = firstAiError.get(phase);
        return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
    }

    Set<String> acknowledgedConversations(String tenant) {
        return conversations.get(tenant);
    }

    Set<String> acknowledgedMessages(String tenant) {
        return messages.get(tenant);
    }

    /** Per phase and tenant class: attempts, failures (429s of the spiking tenant apart), p50 and p99 latency. */
    String table() {
        StringBuilder b = new StringBuilder(String.format("%-16s %-6s %8s %8s %8s %8s %8s %10s%n", "phase", "class", "requests", "failed",
                "429", "p50 ms", "p99 ms", "p99/calm"));
        for (String p : new ArrayList<>(phases)) {
            for (String cls : List.of("spike", "large", "small")) {
                long[] lat = latencies(p, cls);
                if (lat.length == 0) {
                    continue;
                }
                long[] calm = latencies("calm", cls);
                long throttled = samples.stream().filter(s -> s.phase().equals(p) && s.cls().equals(cls) && s.status() == 429).count();
                // the goal: within 1.5x of the calm phase's p99 during the spike and the vendor phases
                b.append(String.format("%-16s %-6s %8d %8d %8d %8d %8d %10s%n", p, cls, lat.length, failures(p, cls).size(), throttled,
                        quantile(lat, 0.50), quantile(lat, 0.99),
                        calm.length == 0 ? "-" : String.format("%.2f", (double) quantile(lat, 0.99) / Math.max(1, quantile(calm, 0.99)))));
            }
        }
        if (!phaseFigures.isEmpty()) {
            b.append(String.format("%nat the end of each phase:%n"));
            for (String p : new ArrayList<>(phases)) {
                if (phaseFigures.containsKey(p)) {
                    b.append(String.format("%-16s %s%n", p, phaseFigures.get(p)));
                }
            }
        }
        return b.toString();
    }

    private long[] latencies(String phase, String cls) {
        return samples.stream().filter(s -> s.phase().equals(phase) && s.cls().equals(cls)).mapToLong(Sample::latencyMillis).sorted().toArray();
    }

    private static long quantile(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
    }

    /**
     * report.txt (the table) and report.html: per tenant class, p99 latency and failures per second; the queue's dwell
     * p99 per class and the platform's 5-minute burn rate per helpdesk job, read every second; phases marked on every
     * chart. Inline SVG, nothing fetched.
     */
    void writeReport(Path dir, Map<String, Object> observed) throws IOException {
        Files.createDirectories(dir);
        String table = table();
        Files.writeString(dir.resolve("report.txt"), table + "\n" + observed + "\n");
        int seconds = (int) (samples.stream().mapToLong(Sample::atMillis).max().orElse(1000) / 1000) + 1;
        Map<String, List<double[]>> p99 = new LinkedHashMap<>();
        Map<String, int[]> failed = new LinkedHashMap<>();
        for (String cls : List.of("spike", "large", "small")) {
            List<double[]> series = new ArrayList<>();
            int[] fails = new int[seconds];
            for (int s = 0; s < seconds; s++) {
                final int sec = s;
                long[] lat = samples.stream().filter(x -> x.cls().equals(cls) && x.atMillis() / 1000 == sec).mapToLong(Sample::latencyMillis)
                        .sorted().toArray();
                if (lat.length > 0) {
                    series.add(new double[] {s, quantile(lat, 0.99)});
                }
                fails[s] = (int) samples.stream().filter(x -> x.cls().equals(cls) && x.atMillis() / 1000 == sec
                        && (x.status() >= 500 || x.status() == -1 || (x.status() == 429 && !cls.equals("spike")))).count();
            }
            p99.put(cls, series);
            failed.put(cls, fails);
        }
        Chart chart = new Chart(seconds);
        chart.lines("latency", "p99 latency per second", "ms", p99);
        int maxFail = Math.max(1, failed.values().stream().flatMapToInt(java.util.Arrays::stream).max().orElse(1));
        chart.start("failed", "failed requests per second (max " + maxFail + ")");
        failed.forEach((cls, fails) -> {
            for (int s = 0; s < seconds; s++) {
                if (fails[s] > 0) {
                    chart.bar(s, (double) fails[s] / maxFail, colour(cls));
                }
            }
        });
        chart.end();
        chart.lines("dwell", "queue dwell p99 (the highest tenant of each class)", "ms", readings("dwell"));
        chart.lines("burn", "platform burn rate per helpdesk job, 5-minute window (1 = spending the error budget exactly)", "x", readings("burn"));
        String html = "<!doctype html><html><head><meta charset='utf-8'><title>Headroom game day</title></head><body style='font-family:sans-serif'>"
                + "<h1>Headroom game day</h1><p>Helpdesk reference application on a fleet behind HAProxy. Failed: 5xx, no answer, or a 429 to a tenant"
                + " other than the spiking one (whose 429s are counted apart). Every attempt counts, retries included. Heartbeat: "
                + HEARTBEAT_INTERVALS + ".</p>" + chart.svg() + "<h2>Per phase and tenant class</h2><pre>" + escape(table)
                + "</pre><h2>Observed</h2><pre>" + escape(observed.toString()) + "</pre></body></html>";
        Files.writeString(dir.resolve("report.html"), html);
    }

    /** The heartbeat's flush and evaluation intervals on the game day's fleet, stated in the report. */
    static final String HEARTBEAT_INTERVALS = "counters flushed every second, evaluated every second (fleet-wide, one evaluator)";

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;");
    }

    private static String colour(String series) {
        return switch (series) {
            case "spike" -> "#d62728";
            case "large" -> "#1f77b4";
            case "small" -> "#2ca02c";
            default -> List.of("#9467bd", "#8c564b", "#e377c2", "#7f7f7f").get(Math.floorMod(series.hashCode(), 4));
        };
    }

    /** One chart's series from the probe's readings: {second, value} points per series. */
    private Map<String, List<double[]>> readings(String chart) {
        Map<String, List<double[]>> series = new java.util.TreeMap<>();
        for (Reading r : readings) {
            r.figures().getOrDefault(chart, Map.of()).forEach((name, v) ->
                    series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {r.atMillis() / 1000.0, v}));
        }
        return series;
    }

    /** Charts stacked in one SVG, sharing the time axis, each with the phases marked. */
    private final class Chart {
        private static final int WIDTH = 900;
        private static final int HEIGHT = 200;
        private final StringBuilder svg = new StringBuilder();
        private final double xs;
        private int top;

        Chart(int seconds) {
            this.xs = (double) (WIDTH - 200) / seconds;
        }

        void start(String id, String title) {
            svg.append("<g id='").append(id).append("'><text x='50' y='").append(top + 15).append("' font-size='13'>").append(escape(title)).append("</text>");
            for (String p : new ArrayList<>(phases)) {
                double x = 50 + phaseStarts.get(p) / 1000.0 * xs;
                svg.append("<line x1='").append(x).append("' y1='").append(top + 20).append("' x2='").append(x).append("' y2='").append(top + HEIGHT)
                        .append("' stroke='#999' stroke-dasharray='4'/><text x='").append(x + 3).append("' y='").append(top + 30)
                        .append("' font-size='11'>").append(p).append("</text>");
            }
        }

        void bar(double second, double fraction, String fill) {
            double bh = fraction * (HEIGHT - 40);
            svg.append("<rect x='").append(50 + second * xs).append("' y='").append(top + HEIGHT - bh).append("' width='").append(Math.max(1, xs / 3))
                    .append("' height='").append(bh).append("' fill='").append(fill).append("'/>");
        }

        void end() {
            svg.append("</g>");
            top += HEIGHT + 20;
        }

        void lines(String id, String title, String unit, Map<String, List<double[]>> series) {
            double max = Math.max(1e-9, series.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).max().orElse(1));
            start(id, title + " (max " + String.format("%.1f", max) + " " + unit + ")");
            int ly = top + 50;
            for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                StringBuilder pts = new StringBuilder();
                for (double[] p : e.getValue()) {
                    pts.append(50 + p[0] * xs).append(',').append(top + HEIGHT - p[1] / max * (HEIGHT - 40)).append(' ');
                }
                svg.append("<polyline fill='none' stroke-width='1.5' stroke='").append(colour(e.getKey())).append("' points='").append(pts).append("'/>");
                svg.append("<text x='").append(WIDTH - 140).append("' y='").append(ly).append("' font-size='12' fill='").append(colour(e.getKey()))
                        .append("'>").append(escape(e.getKey())).append("</text>");
                ly += 16;
            }
            end();
        }

        String svg() {
            return "<svg xmlns='http://www.w3.org/2000/svg' width='" + WIDTH + "' height='" + top + "'>" + svg + "</svg>";
        }
    }
}
