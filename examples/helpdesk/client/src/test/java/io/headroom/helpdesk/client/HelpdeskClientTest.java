package io.headroom.helpdesk.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The pull worker's nack against a local stand-in of the platform's REST API (one leased job whose Data API read fails,
 * and the nack endpoint with the queue API's rules: only {@code delaySeconds} and {@code error}, unknown fields 400).
 */
public class HelpdeskClientTest {
    private static final Pattern FIELD = Pattern.compile("\"([A-Za-z]+)\"\\s*:");

    private HttpServer server;
    private final List<String> nacks = new CopyOnWriteArrayList<>();
    private volatile int nackStatus = 204;

    @Before
    public void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/queue/types/" + HelpdeskClient.NOTIFY_TYPE + "/lease", x -> answer(x, 200,
                "{\"jobs\":[{\"id\":\"j1\",\"tenant\":\"acme\",\"type\":\"helpdesk.notify\",\"payload\":\"c1\",\"lease\":\"L1\"}]}"));
        server.createContext("/api/sharding/tenants/acme/sql", x -> answer(x, 503, "{\"title\":\"shard unavailable\"}"));
        server.createContext("/api/queue/leases/L1/nack", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            nacks.add(body);
            for (Matcher m = FIELD.matcher(body); m.find(); ) {
                if (!List.of("delaySeconds", "error").contains(m.group(1))) {
                    answer(x, 400, "{\"title\":\"Unrecognized field '" + m.group(1) + "'\"}");
                    return;
                }
            }
            answer(x, nackStatus, "");
        });
        server.start();
    }

    @After
    public void stop() {
        server.stop(0);
    }

    private HelpdeskClient client() {
        return new HelpdeskClient("http://127.0.0.1:" + server.getAddress().getPort() + "/api", "Bearer test");
    }

    @Test
    public void aFailedReadIsNackedWithTheQueueApisDelayField() throws Exception {
        assertEquals(List.of(), client().work(10, 1));
        assertEquals(1, nacks.size());
        assertTrue(nacks.get(0), nacks.get(0).contains("\"delaySeconds\":1"));
        assertTrue(nacks.get(0), nacks.get(0).contains("\"error\":\"Data API answered 503\""));
    }

    @Test
    public void aRefusedNackFailsLoudly() throws Exception {
        nackStatus = 400;
        try {
            client().work(10, 1);
            fail("a nack answered 400 must not pass silently");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("400"));
        }
    }

    @Test
    public void aNackOfALeaseNoLongerHeldIsNoFault() throws Exception {
        nackStatus = 404; // the lease expired: the job comes again anyway
        assertEquals(List.of(), client().work(10, 1));
        nackStatus = 409; // handed out again to another worker
        assertEquals(List.of(), client().work(10, 1));
        assertEquals(2, nacks.size());
    }

    private static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            x.getResponseBody().write(b);
        }
        x.close();
    }
}
