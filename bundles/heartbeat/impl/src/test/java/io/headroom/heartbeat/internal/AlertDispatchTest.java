package io.headroom.heartbeat.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.AlertSink;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** The webhook sink against a real HTTP server that fails twice before it accepts. */
public class AlertDispatchTest {
    private static final Alert ALERT = new Alert(7, "acme", "checkout.pay", Alert.PAGE, "1h/5m", 20.5, 31.0, "2026-11-28T10:00:00Z", null);

    @Test
    public void alertsArePostedAsJsonAndRetriedUntilAccepted() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger attempts = new AtomicInteger();
        List<String> accepted = new CopyOnWriteArrayList<>();
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int n = attempts.incrementAndGet();
            if (n > 2) {
                accepted.add(body);
            }
            ex.sendResponseHeaders(n > 2 ? 204 : 503, -1);
            ex.close();
        });
        server.start();
        List<Alert> sinkSaw = new CopyOnWriteArrayList<>();
        AlertSink sink = new AlertSink() {
            public void fired(Alert alert) {
                sinkSaw.add(alert);
            }

            public void resolved(Alert alert) {
            }
        };
        AlertDispatch dispatch = new AlertDispatch("http://127.0.0.1:" + server.getAddress().getPort() + "/hook", 5, List.of(sink));
        try {
            dispatch.fired(ALERT);
            long deadline = System.currentTimeMillis() + 15_000;
            while (accepted.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("two failures, then accepted", 3, attempts.get());
            assertTrue(accepted.get(0), accepted.get(0).contains("\"state\":\"fired\"") && accepted.get(0).contains("\"tenant\":\"acme\"")
                    && accepted.get(0).contains("\"job\":\"checkout.pay\""));
            assertEquals(List.of(ALERT), sinkSaw);
        } finally {
            dispatch.close();
            server.stop(0);
        }
    }
}
