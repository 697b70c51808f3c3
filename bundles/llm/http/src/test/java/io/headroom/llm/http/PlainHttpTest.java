package io.headroom.llm.http;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** The blocking client against a scripted HTTP/1.1 server on a real socket: framing, reuse, stale connections, limits. */
public class PlainHttpTest {
    private static final byte[] BODY = "{\"q\":1}".getBytes(StandardCharsets.UTF_8);

    /** What the server answers to the n-th request (0-based, over all connections); null closes the connection unanswered. */
    @FunctionalInterface
    interface Script {
        String answer(int request);
    }

    /** Accepts connections on loopback and answers each request read from them as the script says. */
    static final class ScriptedServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        ScriptedServer(Script script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = socket.accept();
                        connections.incrementAndGet();
                        Thread t = new Thread(() -> serve(s, script));
                        t.setDaemon(true);
                        t.start();
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket s, Script script) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    int n;
                    synchronized (requests) {
                        n = requests.size();
                        requests.add(head + "\r\n\r\n" + body);
                    }
                    String answer = script.answer(n);
                    if (answer == null) {
                        return;
                    }
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (answer.contains("Connection: close")) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                b.write(c);
                String s = b.toString(StandardCharsets.ISO_8859_1);
                if (s.endsWith("\r\n\r\n")) {
                    return s.substring(0, s.length() - 4);
                }
            }
            return null;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    public void sendsOneRequestPerCallAndReusesTheConnection() throws Exception {
        try (ScriptedServer server = new ScriptedServer(n -> ok("{\"n\":" + n + "}")); PlainHttp http = new PlainHttp(2000)) {
            PlainHttp.Answer first = http.post(server.uri("/v1/chat/completions?x=1"), "application/json",
                    Map.of("Authorization", "Bearer sk-test"), BODY, 2000);
            PlainHttp.Answer second = http.post(server.uri("/v1/chat/completions?x=1"), "application/json", Map.of(), BODY, 2000);
            assertEquals(200, first.status());
            assertEquals("{\"n\":0}", new String(first.body(), StandardCharsets.UTF_8));
            assertEquals("{\"n\":1}", new String(second.body(), StandardCharsets.UTF_8));
            assertNull(first.retryAfter());
            assertEquals("both calls on one kept-alive connection", 1, server.connections.get());
            String request = server.requests.get(0);
            assertTrue(request, request.startsWith("POST /v1/chat/completions?x=1 HTTP/1.1\r\n"));
            assertTrue(request, request.contains("\r\nHost: 127.0.0.1:" + server.socket.getLocalPort() + "\r\n"));
            assertTrue(request, request.contains("\r\nContent-Type: application/json\r\n"));
            assertTrue(request, request.contains("\r\nContent-Length: " + BODY.length + "\r\n"));
            assertTrue(request, request.contains("\r\nAuthorization: Bearer sk-test\r\n"));
            assertTrue(request, request.endsWith("\r\n\r\n{\"q\":1}"));
        }
    }

    @Test
    public void readsChunkedAnswersAndStatusesWithRetryAfter() throws Exception {
        Script script = n -> switch (n) {
            case 0 -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n";
            case 1 -> "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 9\r\n\r\nslow down";
            case 2 -> "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
            default -> ok("{}");
        };
        try (ScriptedServer server = new ScriptedServer(script); PlainHttp http = new PlainHttp(2000)) {
            assertEquals("{\"a\":1}", new String(http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000).body(),
                    StandardCharsets.UTF_8));
            PlainHttp.Answer limited = http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000);
            assertEquals(429, limited.status());
            assertEquals("7", limited.retryAfter());
            assertEquals("slow down", new String(limited.body(), StandardCharsets.UTF_8));
            PlainHttp.Answer empty = http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000);
            assertEquals(204, empty.status());
            assertArrayEquals(new byte[0], empty.body());
            assertEquals(200, http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000).status());
            assertEquals("every answer framed right, so one connection served all four", 1, server.connections.get());
        }
    }

    @Test
    public void aConnectionTheServerClosedIsNotReusedAndItsCallGoesOnceMoreOnANewOne() throws Exception {
        // request 0 is answered and the connection closed at once, without saying so: the pooled connection is dead
        Script script = n -> n == 0 ? ok("{}") + "" : ok("{\"n\":" + n + "}");
        try (ScriptedServer server = new ScriptedServer(n -> n == 1 ? null : script.answer(n)); PlainHttp http = new PlainHttp(2000)) {
            assertEquals(200, http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000).status());
            // request 1 reaches the server on the reused connection, which it closes without answering (as a server
            // that timed the idle connection out would): the call goes again on a new connection
            PlainHttp.Answer again = http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000);
            assertEquals("{\"n\":2}", new String(again.body(), StandardCharsets.UTF_8));
            assertEquals(2, server.connections.get());
            assertEquals(3, server.requests.size());
        }
    }

    @Test
    public void anAnswerWithConnectionCloseIsReadAndTheConnectionNotReused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(n -> "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
                PlainHttp http = new PlainHttp(2000)) {
            for (int i = 0; i < 3; i++) {
                assertEquals("{}", new String(http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000).body(), StandardCharsets.UTF_8));
            }
            assertEquals(3, server.connections.get());
        }
    }

    @Test
    public void aServerThatDoesNotAnswerTimesTheCallOut() throws Exception {
        try (ScriptedServer server = new ScriptedServer(n -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }); PlainHttp http = new PlainHttp(2000)) {
            assertThrows(TimeoutException.class, () -> http.post(server.uri("/x"), "application/json", Map.of(), BODY, 200));
        }
    }

    @Test
    public void refusesAnswersOverTheLimitAndUnreachableServers() throws Exception {
        try (ScriptedServer server = new ScriptedServer(n -> "HTTP/1.1 200 OK\r\nContent-Length: " + (PlainHttp.MAX_BODY + 1) + "\r\n\r\n");
                PlainHttp http = new PlainHttp(2000)) {
            IOException tooLarge = assertThrows(IOException.class, () -> http.post(server.uri("/x"), "application/json", Map.of(), BODY, 2000));
            assertTrue(tooLarge.getMessage(), tooLarge.getMessage().contains("Buffering capacity"));
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (PlainHttp http = new PlainHttp(2000)) {
            assertThrows(java.net.ConnectException.class, () -> http.post(URI.create("http://127.0.0.1:" + closedPort + "/x"),
                    "application/json", Map.of(), BODY, 2000));
            assertThrows(IllegalArgumentException.class, () -> http.post(URI.create("http://127.0.0.1:" + closedPort + "/x"),
                    "application/json", Map.of("X-Bad", "a\r\nInjected: 1"), BODY, 2000));
        }
    }
}
