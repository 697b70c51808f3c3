package io.headroom.core.internal.rest;

import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.cxf.transport.servlet.CXFNonSpringServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The REST host's servlet in the servlet container the distribution runs (Jetty 9.4.58, as pax-web 8 does): a 64 MiB
 * upload refused before anything reads it (413 for its declared size, 404 for its path) gets its answer, and the
 * server takes no more of it than the socket buffers hold before it closes the connection. The client counts what it
 * could write. Without the servlet's care Jetty read such a body to its end (all 64 MiB) after the answer.
 * {@code SecurityIT} does the same against the distribution, chunked bodies and 401s included.
 */
public class RefusedBodyTest {
    private static final long UPLOAD = 64L << 20;
    private Server server;
    private int port;

    @Before
    public void setUp() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        GatewayServlet servlet = new GatewayServlet(new CXFNonSpringServlet(), null, 1_048_576, 0, 30_000, null, () -> null);
        servlet.gate("flags").open();
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(servlet), "/api/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @After
    public void tearDown() throws Exception {
        server.stop();
    }

    @Test
    public void aRefusedUploadIsNotReadToItsEnd() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String[] c : new String[][] {{"PUT /api/flags/big", "413"}, {"POST /api/no-such-api/x", "404"}, {"PUT /api/flags/big", "413"}}) {
            long[] accepted = new long[1];
            String answer = upload(c[0], accepted);
            if (!answer.startsWith("HTTP/1.1 " + c[1])) {
                failures.add(c[0] + ": expected " + c[1] + ", got " + answer);
            }
            if (accepted[0] > 8L << 20) {
                failures.add(c[0] + ": the server took " + accepted[0] + " bytes of a refused " + UPLOAD + "-byte body");
            }
        }
        assertTrue(String.join("\n", failures), failures.isEmpty());
    }

    private String upload(String request, long[] accepted) throws Exception {
        try (Socket s = new Socket()) {
            s.setSendBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write((request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + UPLOAD
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (long sent = 0; sent < UPLOAD; sent += chunk.length) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    out.flush();
                } catch (IOException closed) {
                    // the server closed the connection: what counts is what it took before
                }
            }, "refused-upload");
            writer.setDaemon(true);
            writer.start();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    answer.write(buf, 0, n);
                }
            } catch (IOException reset) {
                // a connection closed over unread bytes is reset: the answer came before
            }
            writer.join(20_000);
            accepted[0] = written.get();
            return answer.toString(StandardCharsets.US_ASCII);
        }
    }
}
