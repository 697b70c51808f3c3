package io.headroom.itests;

import static io.headroom.fixtures.MariaDb.freePort;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The README's run command as a user runs it: the launcher in its own JVM, with the classpath {@code run.sh} uses,
 * from the repository root, on a home directory of the test's choosing and free ports. What it prints is kept
 * (and echoed to the test's output) so a test can wait for a line.
 */
final class RunCommand implements AutoCloseable {
    private static final Path REPO = Path.of(System.getProperty("headroom.repo", "..")).toAbsolutePath().normalize();
    private final Path home;
    private final int httpPort = freePort();
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private RunCommand(Path home, List<String> args) throws IOException {
        this.home = home;
        String classpath = REPO.resolve("fixtures/target/classes") + ":"
                + Files.readString(REPO.resolve("fixtures/target/classpath.txt"), StandardCharsets.UTF_8).trim();
        Path dist;
        try (var files = Files.list(REPO.resolve("karaf-assembly/target"))) {
            dist = files.filter(f -> f.getFileName().toString().matches("headroom-distribution-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build the distribution first"));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, "io.headroom.fixtures.Launcher", dist.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        List.of("HEADROOM_DB_URL", "HEADROOM_ES_URL", "HEADROOM_SQS_ENDPOINT").forEach(env::remove);
        env.put("HEADROOM_HOME", home.toString());
        env.put("HEADROOM_HTTP_PORT", String.valueOf(httpPort));
        env.put("HEADROOM_SSH_PORT", String.valueOf(freePort()));
        env.put("HEADROOM_RMI_REGISTRY_PORT", String.valueOf(freePort()));
        env.put("HEADROOM_RMI_SERVER_PORT", String.valueOf(freePort()));
        process = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println("[run " + home.getFileName() + "] " + line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "run-command-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the launcher on {@code home} and waits until it says Headroom is up. */
    static RunCommand start(Path home, String... args) throws Exception {
        RunCommand run = new RunCommand(home, List.of(args));
        run.awaitLine("Headroom is up in", 1);
        return run;
    }

    /** Waits until the {@code count}-th line containing {@code text} was printed; fails if the launcher exits first. */
    void awaitLine(String text, int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 240_000;
        while (lines.stream().filter(l -> l.contains(text)).count() < count) {
            if (!process.isAlive()) {
                Thread.sleep(200); // let the reader catch the last lines
                fail("the run command exited (" + process.exitValue() + ") before printing '" + text + "':\n" + String.join("\n", lines));
            }
            if (System.currentTimeMillis() > deadline) {
                fail("the run command never printed '" + text + "':\n" + String.join("\n", lines));
            }
            Thread.sleep(100);
        }
    }

    List<String> output() {
        return List.copyOf(lines);
    }

    Path home() {
        return home;
    }

    /** The Karaf JVM this launcher started (not the launcher, not the embedded Elasticsearch JVM). */
    ProcessHandle karafJvm() {
        String marker = home.resolve("karaf").toString();
        return process.descendants().filter(h -> h.info().commandLine()
                        .map(c -> c.contains("org.apache.karaf.main.Main") && c.contains(marker)).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no Karaf JVM under " + marker));
    }

    /** A client of the platform this run serves. */
    RestClient rest() throws IOException {
        return new RestClient("http://127.0.0.1:" + httpPort, "Basic " + java.util.Base64.getEncoder().encodeToString(
                ("karaf:" + operatorPassword()).getBytes(StandardCharsets.UTF_8)));
    }

    /** The operator password the launcher generated at the first start in this home and keeps there. */
    String operatorPassword() throws IOException {
        return Files.readString(home.resolve("operator.password"), StandardCharsets.UTF_8).trim();
    }

    /** Stops the launcher as Ctrl-C or a service manager would (SIGTERM) and checks that it left nothing running. */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> started = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("the run command did not stop within 120 s of SIGTERM");
        }
        Thread.sleep(500);
        List<String> left = new ArrayList<>();
        for (ProcessHandle h : started) {
            if (h.isAlive()) {
                left.add(h.pid() + " " + h.info().commandLine().orElse("?"));
                h.destroyForcibly();
            }
        }
        assertTrue("processes left behind after SIGTERM: " + left, left.isEmpty());
    }
}
