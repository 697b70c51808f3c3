package io.headroom.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A blocking HTTP/1.1 client for closed-loop benchmarks: one keep-alive connection per calling thread, the request
 * written and the response read on that thread (the way most services' HTTP clients call: no selector thread and no
 * executor hand-off per request, unlike {@code java.net.http.HttpClient}). Content-Length and chunked responses.
 */
final class KeepAliveHttp {
    record Response(int status, String body) {
    }

    private final String host;
    private final int port;
    private final ThreadLocal<Conn> conns = new ThreadLocal<>();

    KeepAliveHttp(String baseUrl) {
        URI u = URI.create(baseUrl);
        this.host = u.getHost();
        this.port = u.getPort();
    }

    private static final class Conn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Conn(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 16_384);
            out = new BufferedOutputStream(socket.getOutputStream(), 16_384);
        }
    }

    Response post(String path, String authorization, String json) throws IOException {
        Conn c = conns.get();
        if (c == null) {
            c = new Conn(host, port);
            conns.set(c);
        }
        try {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: " + authorization
                    + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            c.out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            c.out.write(body);
            c.out.flush();
            return read(c);
        } catch (IOException | RuntimeException e) {
            conns.remove();
            c.socket.close();
            throw e;
        }
    }

    private Response read(Conn c) throws IOException {
        String status = line(c.in);
        int code = Integer.parseInt(status.split(" ", 3)[1]);
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String h = line(c.in); !h.isEmpty(); h = line(c.in)) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long n = Long.parseLong(line(c.in).split(";")[0].trim(), 16); n > 0; n = Long.parseLong(line(c.in).split(";")[0].trim(), 16)) {
                copy(c.in, body, n);
                line(c.in);
            }
            while (!line(c.in).isEmpty()) {
                // trailers
            }
        } else if (length > 0) {
            copy(c.in, body, length);
        }
        if (close) {
            conns.remove();
            c.socket.close();
        }
        return new Response(code, body.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("connection closed mid-body");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
