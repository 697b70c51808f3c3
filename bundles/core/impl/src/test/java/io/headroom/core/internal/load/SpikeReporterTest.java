package io.headroom.core.internal.load;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.SpikeListener;
import io.headroom.core.api.metrics.Counter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** A spike reported everywhere: the webhook (a real local HTTP server), the log line, the counter and the listeners. */
public class SpikeReporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<String[]> posts = new LinkedBlockingQueue<>(); // method, content type, body
    private final List<String[]> counted = new CopyOnWriteArrayList<>();
    private final List<LoadSpike> heard = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private PrintStream err;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @Before
    public void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hooks/spikes", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            posts.add(new String[] {exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                new String(body, StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8)); // slf4j-simple writes to System.err as it is now
    }

    @After
    public void stop() {
        System.setErr(err);
        server.stop(0);
    }

    private SpikeReporter reporter() {
        Counter counter = new Counter() {
            @Override
            public void inc(String... labelValues) {
                counted.add(labelValues);
            }

            @Override
            public void add(double amount, String... labelValues) {
                counted.add(labelValues);
            }

            @Override
            public void forget(String labelName, String value) {
            }
        };
        TenantTracker tracker = new TenantTracker(new LoadLedger.Settings(100, 16, 8, 1_000, 60_000), new AtomicLong(1_000)::get);
        tracker.ledger().add("queue", "jobs", "main", "hooli", 50);
        List<SpikeListener> listeners = new ArrayList<>();
        listeners.add(heard::add);
        URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/spikes");
        return new SpikeReporter(hook, counter, tracker, listeners);
    }

    @Test
    public void aSpikeIsPostedToTheWebhookLoggedCountedAndHeard() throws Exception {
        SpikeReporter reporter = reporter();
        Instant at = Instant.parse("2026-12-07T15:00:00Z");
        reporter.report(new LoadSpike("hooli", "queue.jobs", 42.5, 5, 0.8, 3, false, at));

        String[] post = posts.poll(10, TimeUnit.SECONDS);
        assertNotNull("the webhook was called", post);
        assertEquals("POST", post[0]);
        assertEquals("application/json", post[1]);
        JsonNode body = JSON.readTree(post[2]);
        assertEquals("tenant.spike", body.get("type").asText());
        assertEquals("hooli", body.get("tenant").asText());
        assertEquals("queue.jobs", body.get("layer").asText());
        assertEquals(42.5, body.get("rate").asDouble(), 1e-9);
        assertEquals(5, body.get("baseline").asDouble(), 1e-9);
        assertEquals(0.8, body.get("share").asDouble(), 1e-9);
        assertEquals(3, body.get("factor").asDouble(), 1e-9);
        assertEquals(at.toString(), body.get("at").asText());

        String line = log.toString(StandardCharsets.UTF_8);
        assertTrue(line, line.contains("WARN") && line.contains("tenant hooli spikes on queue.jobs: 42.5/s, 8.5x its baseline of 5.0/s,"
                + " 80% of the layer"));
        assertEquals(1, counted.size());
        assertEquals(List.of("queue.jobs", "hooli"), List.of(counted.get(0)));
        assertEquals(1, heard.size());
        assertEquals("hooli", heard.get(0).tenant());
    }

    @Test
    public void theEndOfASpikeIsPostedAndLoggedButNotCounted() throws Exception {
        SpikeReporter reporter = reporter();
        reporter.report(new LoadSpike("hooli", "llm.tokens", 2, 4, 0.1, 3, true, Instant.now()));
        String[] post = posts.poll(10, TimeUnit.SECONDS);
        assertNotNull(post);
        JsonNode body = JSON.readTree(post[2]);
        assertEquals("tenant.spike.ended", body.get("type").asText());
        assertEquals("llm.tokens", body.get("layer").asText());
        String line = log.toString(StandardCharsets.UTF_8);
        assertTrue(line, line.contains("tenant hooli no longer spikes on llm.tokens: 2.0/s against a baseline of 4.0/s, 10% of the layer"));
        assertTrue(counted.isEmpty());
    }
}
