package io.headroom.itests;

import static io.headroom.itests.RestClient.number;
import static io.headroom.itests.RestClient.string;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The run command as a newcomer uses it, with its home under the system's temporary directory: state made in one run
 * is there in the next, and a Karaf JVM killed mid-backfill is restarted by the launcher and finishes the work.
 */
public class LauncherIT {

    /**
     * One home, two runs (each run starts the embedded servers and Karaf, the slow part, so both stories share them):
     * in the first, state is made and the Karaf JVM is killed mid-backfill, restarted by the launcher, and the
     * backfill finishes; the second run finds everything the first made.
     */
    @Test
    public void stateMadeInOneRunIsThereInTheNextAndAKilledKarafIsRestarted() throws Exception {
        Path home = Files.createTempDirectory("headroom-run-");
        Files.createDirectories(home.resolve("etc"));
        // a slow backfill, so the kill lands in the middle of it
        Files.write(home.resolve("etc/io.headroom.search.cfg"), List.of("backfillDocsPerSecond = 100", "backfillBatch = 50",
                "startGraceMillis = 500"));
        long migration;
        try (RunCommand c = RunCommand.start(home)) {
            c.awaitLine("Press Ctrl-C", 1); // the summary is printed after "up"
            String password = c.operatorPassword();
            assertTrue(password.length() >= 20);
            assertEquals(1, c.output().stream().filter(l -> l.contains(password)).count());
            RestClient run = c.rest();
            run.expect(401, "GET", "/tokens", RestClient.OPERATOR, null); // no karaf/karaf
            run.expect(201, "POST", "/tokens", "{\"name\":\"kept-token\",\"tenant\":\"acme\"}");
            run.expect(200, "PUT", "/flags/kept.flag", "{\"description\":\"kept across restarts\",\"percentage\":25}");
            run.expect(200, "PUT", "/heartbeat/slos/kept.job", "{\"target\":0.99}");
            run.expect(201, "POST", "/search/collections", "{\"name\":\"tickets\",\"partitions\":2,\"mappings\":{\"properties\":{\"title\":{\"type\":\"text\"}}}}");
            for (int i = 1; i <= 3; i++) {
                run.expect(200, "PUT", "/search/collections/tickets/tenants/acme/documents/" + i,
                        "{\"version\":1,\"document\":{\"title\":\"printer jam " + i + "\"}}");
            }
            migration = number(run.expect(201, "POST", "/search/collections/tickets/migrations", "{\"partitions\":4}"), "id");
            run.expect(200, "POST", "/search/migrations/" + migration + "/start", "{}");
            killedMidBackfillFinishes(c, run);
        }
        try (RunCommand c = RunCommand.start(home)) {
            // the operator password generated at the first start is kept, and printed only that once
            c.awaitLine("Press Ctrl-C", 1);
            String password = c.operatorPassword();
            assertTrue(c.output().stream().noneMatch(l -> l.contains(password)));
            RestClient run = c.rest();
            assertTrue(run.expect(200, "GET", "/tokens", null).contains("\"kept-token\""));
            assertTrue(run.expect(200, "GET", "/flags/kept.flag", null).contains("kept across restarts"));
            assertTrue(run.expect(200, "GET", "/heartbeat/slos", null).contains("\"kept.job\""));
            run.expect(200, "GET", "/search/collections/tickets", null);
            assertEquals("DUAL_WRITE", string(run.expect(200, "GET", "/search/migrations/" + migration, null), "state"));
            // the Elasticsearch data stayed in step with the control schema: the documents are found
            String hits = run.expect(200, "GET", "/search/collections/tickets/tenants/acme/search?q=printer", null);
            assertEquals(hits, 3, number(hits, "total"));
        }
    }

    /** A backfill under way when the Karaf JVM is killed (SIGKILL): the launcher restarts it and the backfill finishes. */
    private static void killedMidBackfillFinishes(RunCommand c, RestClient run) throws Exception {
        int tenants = 4;
        int perTenant = 150;
        run.expect(201, "POST", "/search/collections", "{\"name\":\"events\",\"partitions\":2,\"mappings\":{\"properties\":{\"n\":{\"type\":\"long\"}}}}");
        for (int t = 0; t < tenants; t++) {
            for (int i = 0; i < perTenant; i++) {
                run.expect(200, "PUT", "/search/collections/events/tenants/t" + t + "/documents/" + i,
                        "{\"version\":1,\"document\":{\"n\":" + i + "}}");
            }
        }
        long id = number(run.expect(201, "POST", "/search/collections/events/migrations", "{\"partitions\":3}"), "id");
        run.expect(200, "POST", "/search/migrations/" + id + "/start", "{}");
        run.expect(200, "POST", "/search/migrations/" + id + "/backfill", "{}");
        long copied = 0;
        for (long deadline = System.currentTimeMillis() + 60_000; copied == 0 && System.currentTimeMillis() < deadline; ) {
            Thread.sleep(100);
            copied = copied(run.expect(200, "GET", "/search/migrations/" + id, null));
        }
        assertTrue("the backfill started copying", copied > 0);
        assertTrue("killed mid-backfill, not after it: " + copied, copied < tenants * perTenant);
        ProcessHandle karaf = c.karafJvm();
        karaf.destroyForcibly(); // SIGKILL
        c.awaitLine("restarting it with the same embedded servers", 1);
        c.awaitLine("Headroom is up again", 1);
        String status = "";
        for (long deadline = System.currentTimeMillis() + 120_000; System.currentTimeMillis() < deadline; Thread.sleep(500)) {
            status = run.expect(200, "GET", "/search/migrations/" + id, null);
            if ("BACKFILLED".equals(string(status, "state"))) {
                break;
            }
        }
        assertEquals(status, "BACKFILLED", string(status, "state"));
        assertEquals(status, tenants * perTenant, copied(status));
        String validated = run.expect(200, "POST", "/search/migrations/" + id + "/validate", "{}");
        assertEquals(validated, tenants, count(validated, "\"validation\":\"PASSED\""));
    }

    private static long copied(String status) {
        long sum = 0;
        Matcher m = Pattern.compile("\"copied\"\\s*:\\s*(\\d+)").matcher(status);
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

}
