package io.headroom.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Chromium (Debian's, installed by .ci/run) rendering a page as a browser would, for the pages' tests. */
final class Chromium {
    private Chromium() {
    }

    /** The chromium binary on the PATH, or null. */
    static File binary() {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> new File(dir, "chromium")).filter(File::canExecute).findFirst().orElse(null);
    }

    /** The page's DOM after Chromium rendered it; with {@code screenshot} non-null, a PNG of it there too. */
    static String render(String url, Path screenshot) throws IOException, InterruptedException {
        File chromium = binary();
        Path profile = Files.createTempDirectory("chromium");
        List<String> common = List.of(chromium.getPath(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile);
        if (screenshot != null) {
            List<String> shot = new ArrayList<>(common);
            shot.addAll(List.of("--window-size=1400,1800", "--screenshot=" + screenshot.toAbsolutePath(), url));
            Process p = new ProcessBuilder(shot).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        List<String> dump = new ArrayList<>(common);
        dump.addAll(List.of("--dump-dom", url));
        Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish rendering " + url);
        }
        return dom;
    }
}
