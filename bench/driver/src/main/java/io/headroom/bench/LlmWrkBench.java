package io.headroom.bench;

import io.headroom.fixtures.KarafProcess;
import io.headroom.fixtures.MariaDb;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LLM gateway against what people pick instead, driven by wrk (a separate process) at 1 and 8 connections, several
 * rounds, columns interleaved in each round: a local OpenAI-compatible server directly (bench/llm-fake-openai.js),
 * Portkey's open-source gateway in front of it, Headroom's /api/llm/v1/chat/completions in front of it with the
 * fleet-wide limits off (a deployment without limits, platform-scope calls) and on (deployment requests and tokens per
 * minute, a tenant with a quota override and a daily budget: four leased limits and a budget check per call).
 *
 * <p>Arguments: distribution tar.gz, Portkey's start-server.js (or "-" to skip), seconds per run, rounds, first port
 * (the fake server, Portkey and Karaf's ports follow it).
 */
public final class LlmWrkBench {
    private static final String BODY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16}";

    /** One wrk run; {@code gatewayCpuMicros}: the gateway JVM's CPU time (user + system) per request, NaN when not measured. */
    record Run(double rps, double p50, double p99, long non2xx, double requests, double gatewayCpuMicros) {
        Run withGatewayCpu(java.time.Duration cpu) {
            return new Run(rps, p50, p99, non2xx, requests, requests > 0 ? cpu.toNanos() / 1000.0 / requests : Double.NaN);
        }
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        String portkeyScript = args.length > 1 ? args[1] : "-";
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int port = args.length > 4 ? Integer.parseInt(args[4]) : 22100;
        int fakePort = port;
        int portkeyPort = port + 1;
        int karafPort = port + 2;
        Path work = Path.of("bench", "target", "llm-wrk").toAbsolutePath();
        String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
        List<Process> children = new ArrayList<>();
        try (MariaDb db = MariaDb.machineOrEmbedded()) {
            children.add(start(work, "fake", "node", "bench/llm-fake-openai.js", Integer.toString(fakePort)));
            if (!portkeyScript.equals("-")) {
                children.add(start(work, "portkey", "node", portkeyScript, "--port=" + portkeyPort, "--headless"));
            }
            KarafProcess karaf = KarafProcess.unpack(distribution, work.resolve("karaf"), karafPort, db.jdbcUrl(schema), db.user(), db.password());
            karaf.configurePorts(port + 3, port + 4, port + 5);
            try {
                karaf.start();
                String fake = "http://127.0.0.1:" + fakePort;
                // live, and the LLM endpoints published: overall health also reports search, which has no
                // Elasticsearch here
                String token = null;
                long deadline = System.currentTimeMillis() + 180_000;
                while (token == null) {
                    try {
                        token = setUp(karaf, fake + "/v1");
                    } catch (IOException | IllegalStateException e) {
                        if (System.currentTimeMillis() > deadline || !karaf.isAlive()) {
                            throw new IllegalStateException("the gateway did not come up; see " + karaf.home().resolve("data/log/karaf.log"), e);
                        }
                        Thread.sleep(500);
                    }
                }
                Map<String, List<String>> columns = new LinkedHashMap<>();
                columns.put("direct", List.of(fake + "/v1/chat/completions", "gpt-test", "Authorization: Bearer sk-bench"));
                if (!portkeyScript.equals("-")) {
                    columns.put("portkey", List.of("http://127.0.0.1:" + portkeyPort + "/v1/chat/completions", "gpt-test",
                            "Authorization: Bearer sk-bench", "x-portkey-provider: openai", "x-portkey-custom-host: " + fake + "/v1"));
                }
                columns.put("headroom", List.of(karaf.api() + "/llm/v1/chat/completions", "bench", "Authorization: Bearer " + token));
                columns.put("headroom+limits", List.of(karaf.api() + "/llm/v1/chat/completions", "bench-limited",
                        "Authorization: Bearer " + token, "X-Headroom-Tenant: bench-tenant"));
                System.out.printf("machine: %d cores, %s %s; wrk, the fake server, Portkey and the gateway share them%n",
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
                if (Boolean.getBoolean("metricsOnOff")) {
                    metricsOnOff(karaf, work, columns.get("headroom"), seconds, rounds);
                    return;
                }
                for (Map.Entry<String, List<String>> c : columns.entrySet()) { // warm-up, not recorded
                    wrk(work, c.getKey(), c.getValue(), 8, Math.max(5, seconds));
                }
                if (System.getProperty("jfr") != null) {
                    // -Djfr=FILE: a JFR recording of the gateway during an extra 8-connection run (limits off) after the
                    // warm-up, not counted in the rounds (a recording slows the gateway down)
                    jcmd(karaf, "JFR.start", "name=bench", "settings=profile");
                    Run r = wrk(work, "profile", columns.get("headroom"), 8, seconds);
                    jcmd(karaf, "JFR.stop", "name=bench", "filename=" + Path.of(System.getProperty("jfr")).toAbsolutePath());
                    System.out.printf(Locale.ROOT, "profiled run (JFR on, not counted), 8 connection(s), headroom %8.0f requests/s%n", r.rps());
                }
                Map<String, List<Run>> results = new LinkedHashMap<>();
                for (int round = 1; round <= rounds; round++) {
                    for (int connections : new int[] {1, 8}) {
                        for (Map.Entry<String, List<String>> c : columns.entrySet()) {
                            // the gateway's own CPU per request: unlike requests/s, hardly moved by what else the machine runs
                            java.time.Duration before = c.getKey().startsWith("headroom") ? cpu(karaf) : null;
                            Run r = wrk(work, c.getKey(), c.getValue(), connections, seconds);
                            if (before != null) {
                                r = r.withGatewayCpu(cpu(karaf).minus(before));
                            }
                            results.computeIfAbsent(c.getKey() + " c" + connections, k -> new ArrayList<>()).add(r);
                            System.out.printf(Locale.ROOT, "round %d, %d connection(s), %-16s %8.0f requests/s  p50 %7.3f ms  p99 %7.3f ms  non-2xx %d%s%n",
                                    round, connections, c.getKey(), r.rps(), r.p50(), r.p99(), r.non2xx(),
                                    Double.isNaN(r.gatewayCpuMicros()) ? "" : String.format(Locale.ROOT, "  gateway CPU %.0f us/request", r.gatewayCpuMicros()));
                        }
                    }
                }
                summary(results, columns.keySet());
            } finally {
                karaf.close();
                db.dropSchema(schema);
            }
        } finally {
            for (Process p : children) {
                p.destroy();
            }
        }
    }

    /**
     * The gateway with its request metrics off and on, alternating rounds at 8 connections: the REST host's
     * ({@code requestMetrics} in io.headroom.rest.cfg: every request observed in the request duration histogram) and
     * the gateway's own ({@code requestMetrics} in io.headroom.llm.cfg: time to first token, tokens), both switched
     * between rounds (the components restart with the new value; warm-up after each switch). Also the CPU time the
     * gateway's JVM spent per request on each side.
     */
    private static void metricsOnOff(KarafProcess karaf, Path work, List<String> column, int seconds, int rounds) throws Exception {
        wrk(work, "warm-up", column, 8, Math.max(5, seconds));
        List<Run> off = new ArrayList<>();
        List<Run> on = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // off first in odd rounds, on first in even ones: a side that always ran second would carry any drift
            for (boolean metrics : round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                requestMetrics(karaf, work, column, metrics);
                java.time.Duration before = cpu(karaf);
                Run r = wrk(work, metrics ? "metrics-on" : "metrics-off", column, 8, seconds).withGatewayCpu(cpu(karaf).minus(before));
                (metrics ? on : off).add(r);
                System.out.printf(Locale.ROOT, "round %d, 8 connections, request metrics %-3s %8.0f requests/s  p50 %7.3f ms  p99 %7.3f ms  non-2xx %d"
                        + "  gateway CPU %6.1f us/request%n", round, metrics ? "on" : "off", r.rps(), r.p50(), r.p99(), r.non2xx(), r.gatewayCpuMicros());
            }
        }
        double onRps = median(on.stream().map(Run::rps).toList());
        double offRps = median(off.stream().map(Run::rps).toList());
        double onP99 = median(on.stream().map(Run::p99).toList());
        double offP99 = median(off.stream().map(Run::p99).toList());
        System.out.printf(Locale.ROOT, "| LLM gateway, request metrics off | %.0f | %.3f |%n| LLM gateway, request metrics on | %.0f | %.3f |%n",
                offRps, offP99, onRps, onP99);
        System.out.printf(Locale.ROOT, "metrics on / off (medians of %d rounds): throughput %.3f, p99 %.3f%n", rounds, onRps / offRps, onP99 / offP99);
        StringBuilder perRound = new StringBuilder();
        for (int i = 0; i < rounds; i++) {
            perRound.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", on.get(i).rps() / off.get(i).rps()));
        }
        System.out.println("metrics on / off per round (throughput): " + perRound);
        // CPU the gateway's JVM spent per request: less sensitive than throughput to what else the shared machine runs
        double onCpu = median(on.stream().map(Run::gatewayCpuMicros).toList());
        double offCpu = median(off.stream().map(Run::gatewayCpuMicros).toList());
        System.out.printf(Locale.ROOT, "gateway CPU per request (medians): off %.1f us, on %.1f us, on / off %.3f%n", offCpu, onCpu, onCpu / offCpu);
    }

    private static void requestMetrics(KarafProcess karaf, Path work, List<String> column, boolean on) throws Exception {
        for (String pid : List.of("io.headroom.rest", "io.headroom.llm")) {
            Path cfg = karaf.home().resolve("etc").resolve(pid + ".cfg");
            String text = Files.exists(cfg) ? Files.readString(cfg) : "";
            String line = "requestMetrics = " + on;
            Files.writeString(cfg, text.matches("(?s).*(?m:^requestMetrics = ).*") ? text.replaceAll("(?m)^requestMetrics = .*$", line)
                    : text + System.lineSeparator() + line + System.lineSeparator());
        }
        Thread.sleep(3000); // Karaf's file install polls every second; the REST host and the router restart
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            Run probe = wrk(work, "probe", column, 2, 2);
            if (probe.non2xx() == 0 && probe.rps() > 0) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the gateway did not serve again after switching request metrics to " + on);
            }
            Thread.sleep(500);
        }
        wrk(work, "warm-up", column, 8, 3);
    }

    /** The gateway JVM's CPU time so far (user + system). */
    private static java.time.Duration cpu(KarafProcess karaf) {
        return karaf.jvm().orElseThrow().info().totalCpuDuration().orElseThrow();
    }

    private static void jcmd(KarafProcess karaf, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("jcmd", Long.toString(karaf.jvm().orElseThrow().pid())));
        cmd.addAll(List.of(command));
        new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor();
    }

    private static Process start(Path work, String name, String... command) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile()).start();
        Thread.sleep(3000);
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " did not start; see " + work.resolve(name + ".log"));
        }
        return p;
    }

    /** A deployment and route without limits, the same with limits, a tenant with a quota and a budget; a platform token. */
    private static String setUp(KarafProcess karaf, String endpoint) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String operator = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
        call(http, karaf, operator, "PUT", "/llm/deployments/bench-gpt", "{\"provider\":\"openai\",\"model\":\"gpt-test\",\"endpoint\":\""
                + endpoint + "\",\"apiKey\":\"sk-bench\"}");
        call(http, karaf, operator, "PUT", "/llm/routes/bench", "{\"deployments\":[\"bench-gpt\"]}");
        call(http, karaf, operator, "PUT", "/llm/deployments/bench-gpt-limited", "{\"provider\":\"openai\",\"model\":\"gpt-test\",\"endpoint\":\""
                + endpoint + "\",\"apiKey\":\"sk-bench\",\"requestsPerMinute\":100000000,\"tokensPerMinute\":2000000000,"
                + "\"inputCostPer1kTokens\":0.0025,\"outputCostPer1kTokens\":0.01}");
        call(http, karaf, operator, "PUT", "/llm/routes/bench-limited", "{\"deployments\":[\"bench-gpt-limited\"]}");
        call(http, karaf, operator, "PUT", "/llm/quotas/bench-tenant",
                "{\"requestsPerMinute\":100000000,\"tokensPerMinute\":2000000000,\"dailyBudget\":1000000}");
        String created = call(http, karaf, operator, "POST", "/tokens", "{\"name\":\"bench-" + UUID.randomUUID() + "\",\"platform\":true}");
        Matcher m = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(created);
        if (!m.find()) {
            throw new IllegalStateException("no token in " + created);
        }
        return m.group(1);
    }

    private static String call(HttpClient http, KarafProcess karaf, String auth, String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(karaf.api() + path)).header("Authorization", auth)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** column: URL, model, then headers. */
    static Run wrk(Path work, String name, List<String> column, int connections, int seconds) throws Exception {
        Path script = work.resolve("wrk-" + name.replace('+', '-') + ".lua");
        StringBuilder lua = new StringBuilder("wrk.method = \"POST\"\nwrk.body = '" + String.format(BODY, column.get(1)) + "'\n"
                + "wrk.headers[\"Content-Type\"] = \"application/json\"\n");
        for (String h : column.subList(2, column.size())) {
            int colon = h.indexOf(':');
            lua.append("wrk.headers[\"").append(h, 0, colon).append("\"] = \"").append(h.substring(colon + 1).trim()).append("\"\n");
        }
        Files.writeString(script, lua);
        Process p = new ProcessBuilder("wrk", "-t" + Math.min(2, connections), "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), column.get(0)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return new Run(number(out, "Requests/sec:\\s+([\\d.]+)"), millis(out, "50%"), millis(out, "99%"),
                (long) number(out, "Non-2xx or 3xx responses:\\s+(\\d+)"), number(out, "(\\d+) requests in"), Double.NaN);
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double millis(String out, String percentile) {
        Matcher m = Pattern.compile("\\s" + percentile + "\\s+([\\d.]+)(us|ms|s)").matcher(out);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void summary(Map<String, List<Run>> results, java.util.Set<String> columns) {
        System.out.println();
        System.out.println("median of the rounds [min-max]:");
        for (int connections : new int[] {1, 8}) {
            List<Run> direct = results.get("direct c" + connections);
            double directP50 = median(direct.stream().map(Run::p50).toList());
            double directP99 = median(direct.stream().map(Run::p99).toList());
            for (String c : columns) {
                List<Run> runs = results.get(c + " c" + connections);
                List<Double> rps = runs.stream().map(Run::rps).toList();
                List<Double> p50 = runs.stream().map(Run::p50).toList();
                List<Double> p99 = runs.stream().map(Run::p99).toList();
                List<Double> cpu = runs.stream().map(Run::gatewayCpuMicros).filter(v -> !Double.isNaN(v)).toList();
                System.out.printf(Locale.ROOT, "%d conn  %-16s %7.0f/s [%.0f-%.0f]  p50 %.3f ms [%.3f-%.3f]  p99 %.3f ms [%.3f-%.3f]%s%s%n",
                        connections, c, median(rps), rps.stream().min(Double::compare).get(), rps.stream().max(Double::compare).get(),
                        median(p50), p50.stream().min(Double::compare).get(), p50.stream().max(Double::compare).get(),
                        median(p99), p99.stream().min(Double::compare).get(), p99.stream().max(Double::compare).get(),
                        c.equals("direct") ? "" : String.format(Locale.ROOT, "  added p50 %.3f ms, added p99 %.3f ms",
                                median(p50) - directP50, median(p99) - directP99),
                        cpu.isEmpty() ? "" : String.format(Locale.ROOT, "  gateway CPU %.0f us/request [%.0f-%.0f]", median(cpu),
                                cpu.stream().min(Double::compare).get(), cpu.stream().max(Double::compare).get()));
            }
        }
    }
}
