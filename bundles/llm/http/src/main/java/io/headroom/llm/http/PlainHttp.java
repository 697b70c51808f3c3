package io.headroom.llm.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeoutException;

/**
 * A blocking HTTP/1.1 client for the gateway's hot path: a non-streamed POST to a plain {@code http} provider endpoint
 * (a model server on the same network, the benchmark's local server), on the caller's own thread, over pooled
 * keep-alive connections. Jetty's client (kept for TLS and for streams) runs every exchange as an asynchronous one
 * behind a future: the request sent through its selector machinery, the answer parsed on a selector thread that then
 * wakes the caller. In the gateway's profile that was a quarter of its Java samples at 8 connections; here a call is
 * one write and the reads of the answer.
 *
 * <p>What it keeps from Jetty's behaviour: a connect timeout, a total timeout per call (a {@link TimeoutException}),
 * answers buffered up to {@value #MAX_BODY} bytes (larger ones fail, as Jetty's {@code send()} does), no redirects,
 * no cookies. A pooled connection idle for {@value #IDLE_MILLIS} ms is closed rather than reused (servers close idle
 * keep-alive connections: Node after 5 s), and a call whose reused connection turns out closed before any byte of the
 * answer is sent once more on a new connection (the server never read it).
 */
final class PlainHttp implements AutoCloseable {
    /** The largest answer read (Jetty's {@code ContentResponse} buffer). */
    static final int MAX_BODY = 2 * 1024 * 1024;
    static final long IDLE_MILLIS = 4_000;
    private static final int MAX_IDLE_PER_HOST = 64;
    private static final int MAX_HEAD = 64 * 1024;

    /** An answer: its status, Retry-After header (or null) and body. */
    record Answer(int status, String retryAfter, byte[] body) {
    }

    private final int connectTimeoutMillis;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    PlainHttp(int connectTimeoutMillis) {
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /** Whether this client serves the URI (plain http). */
    static boolean serves(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null;
    }

    /**
     * POSTs {@code body} as {@code contentType} with {@code headers}; the answer, whatever its status. Throws a
     * {@link TimeoutException} when the whole exchange took longer than {@code timeoutMillis}, an IOException when the
     * server cannot be reached or broke the exchange.
     */
    Answer post(URI uri, String contentType, Map<String, String> headers, byte[] body, long timeoutMillis)
            throws IOException, TimeoutException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        byte[] head = head(uri, contentType, headers, body.length);
        String key = key(uri);
        Connection c = pooled(key);
        if (c != null) {
            try {
                return exchange(key, c, head, body, deadline);
            } catch (Stale e) {
                // the server had closed the idle connection: it never read the request, so it goes once more
            }
        }
        c = connect(uri, deadline);
        try {
            return exchange(key, c, head, body, deadline);
        } catch (Stale e) {
            throw e.getCause() instanceof IOException io ? io : new EOFException("the server closed the connection without answering");
        }
    }

    /** Thrown when a reused connection is closed before any byte of the answer: the request was not processed. */
    private static final class Stale extends IOException {
        private static final long serialVersionUID = 1L;

        Stale(Throwable cause) {
            super(cause);
        }
    }

    private Answer exchange(String key, Connection c, byte[] head, byte[] body, long deadline) throws IOException, TimeoutException {
        boolean keep = false;
        try {
            c.deadline = deadline;
            try {
                byte[] request = new byte[head.length + body.length]; // one write, one packet for a small call
                System.arraycopy(head, 0, request, 0, head.length);
                System.arraycopy(body, 0, request, head.length, body.length);
                c.out.write(request);
                c.out.flush();
                if (c.in.peekEnd()) {
                    throw new Stale(null);
                }
            } catch (Stale e) {
                throw e;
            } catch (SocketTimeoutException e) {
                throw timeout();
            } catch (IOException e) {
                throw new Stale(e);
            }
            Answer answer;
            boolean reusable;
            try {
                int status;
                Head h;
                do { // informational answers (100 Continue) come before the real one
                    h = readHead(c.in);
                    status = h.status;
                } while (status >= 100 && status < 200);
                boolean empty = status == 204 || status == 304; // no body, whatever the headers say
                byte[] content = empty ? new byte[0] : h.chunked ? readChunked(c.in) : h.length >= 0 ? readFixed(c.in, h.length) : readToEnd(c.in);
                reusable = h.keepAlive && (empty || h.chunked || h.length >= 0);
                answer = new Answer(status, h.retryAfter, content);
            } catch (SocketTimeoutException e) {
                throw timeout();
            }
            keep = reusable;
            return answer;
        } finally {
            if (keep && !closed) {
                release(key, c);
            } else {
                c.close();
            }
        }
    }

    private static TimeoutException timeout() {
        return new TimeoutException("no answer in time");
    }

    private Connection pooled(String key) {
        Deque<Connection> q = idle.get(key);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        Connection c;
        while ((c = q.pollLast()) != null) {
            if (now - c.idleSince < IDLE_MILLIS * 1_000_000) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private void release(String key, Connection c) {
        c.idleSince = System.nanoTime();
        Deque<Connection> q = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        if (q.size() >= MAX_IDLE_PER_HOST) {
            c.close();
            return;
        }
        q.addLast(c);
        // the oldest go first: a pool that shrank back after a burst does not keep connections the server will close
        for (Iterator<Connection> it = q.iterator(); it.hasNext();) {
            Connection old = it.next();
            if (c.idleSince - old.idleSince < IDLE_MILLIS * 1_000_000) {
                break;
            }
            if (q.removeFirstOccurrence(old)) {
                old.close();
            }
        }
        if (closed) {
            close();
        }
    }

    private Connection connect(URI uri, long deadline) throws IOException, TimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw timeout();
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(host, port(uri)), (int) Math.min(connectTimeoutMillis, left));
            return new Connection(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() < 0 ? 80 : uri.getPort();
    }

    private static String key(URI uri) {
        return uri.getHost() + ":" + port(uri);
    }

    private static byte[] head(URI uri, String contentType, Map<String, String> headers, int length) {
        StringBuilder b = new StringBuilder(256).append("POST ");
        String path = uri.getRawPath();
        b.append(path == null || path.isEmpty() ? "/" : path);
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        b.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
        if (uri.getPort() >= 0) {
            b.append(':').append(uri.getPort());
        }
        b.append("\r\nContent-Type: ").append(contentType).append("\r\nContent-Length: ").append(length).append("\r\n");
        for (Map.Entry<String, String> h : headers.entrySet()) {
            field(b, h.getKey(), h.getValue());
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder b, String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\r' || ch == '\n') { // never let a configured value split the request
                throw new IllegalArgumentException("header " + name + " has a line break in its value");
            }
        }
        b.append(name).append(": ").append(value).append("\r\n");
    }

    private record Head(int status, long length, boolean chunked, boolean keepAlive, String retryAfter) {
    }

    private static Head readHead(Reader in) throws IOException {
        String statusLine = in.line();
        if (statusLine == null) {
            throw new EOFException("the server closed the connection without answering");
        }
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x answer: " + abbreviate(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + abbreviate(statusLine));
        }
        boolean keepAlive = statusLine.startsWith("HTTP/1.1");
        long length = -1;
        boolean chunked = false;
        String retryAfter = null;
        String line;
        while ((line = in.line()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("invalid Content-Length: " + abbreviate(value));
                }
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                String v = value.toLowerCase(java.util.Locale.ROOT);
                keepAlive = v.contains("close") ? false : v.contains("keep-alive") || keepAlive;
            } else if (name.equalsIgnoreCase("Retry-After") && retryAfter == null) {
                retryAfter = value;
            }
        }
        if (line == null) {
            throw new EOFException("the answer ended within its headers");
        }
        return new Head(status, length, chunked, keepAlive, retryAfter);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static byte[] readFixed(Reader in, long length) throws IOException {
        if (length > MAX_BODY) {
            throw new IOException("Buffering capacity " + MAX_BODY + " exceeded");
        }
        byte[] body = new byte[(int) length];
        int at = 0;
        while (at < body.length) {
            int n = in.read(body, at, body.length - at);
            if (n < 0) {
                throw new EOFException("the answer ended after " + at + " of " + length + " bytes");
            }
            at += n;
        }
        return body;
    }

    private static byte[] readChunked(Reader in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
        while (true) {
            String size = in.line();
            if (size == null) {
                throw new EOFException("the answer ended within its chunks");
            }
            int semi = size.indexOf(';');
            long n;
            try {
                n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("invalid chunk size: " + abbreviate(size));
            }
            if (n == 0) {
                String trailer;
                while ((trailer = in.line()) != null && !trailer.isEmpty()) {
                    // trailers are not used
                }
                if (trailer == null) {
                    throw new EOFException("the answer ended within its trailers");
                }
                return body.toByteArray();
            }
            if (body.size() + n > MAX_BODY) {
                throw new IOException("Buffering capacity " + MAX_BODY + " exceeded");
            }
            body.write(readFixed(in, n));
            if (!"".equals(in.line())) {
                throw new IOException("a chunk did not end with a line break");
            }
        }
    }

    private static byte[] readToEnd(Reader in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf, 0, buf.length)) >= 0) {
            if (body.size() + n > MAX_BODY) {
                throw new IOException("Buffering capacity " + MAX_BODY + " exceeded");
            }
            body.write(buf, 0, n);
        }
        return body.toByteArray();
    }

    @Override
    public void close() {
        closed = true;
        for (Deque<Connection> q : idle.values()) {
            Connection c;
            while ((c = q.pollFirst()) != null) {
                c.close();
            }
        }
    }

    /** A connection and its buffered reader; each blocking read waits at most until the call's deadline. */
    private static final class Connection {
        final Socket socket;
        final Reader in;
        final OutputStream out;
        long deadline;
        long idleSince;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new Reader(socket.getInputStream(), this);
            this.out = socket.getOutputStream();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** Reads lines and bytes from a socket, each underlying read bounded by what is left of the call's time. */
    private static final class Reader {
        private final InputStream raw;
        private final Connection connection;
        private final byte[] buf = new byte[8192];
        private int pos;
        private int count;

        Reader(InputStream raw, Connection connection) {
            this.raw = raw;
            this.connection = connection;
        }

        /** Fills the empty buffer; false at the end of the stream. */
        private boolean fill() throws IOException {
            long left = (connection.deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("the call's time is up");
            }
            connection.socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int n = raw.read(buf, 0, buf.length);
            if (n < 0) {
                return false;
            }
            pos = 0;
            count = n;
            return true;
        }

        int read(byte[] b, int off, int len) throws IOException {
            if (pos >= count && !fill()) {
                return -1;
            }
            int n = Math.min(len, count - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Whether the server closed the connection before the first byte of the answer (waits for that byte). */
        boolean peekEnd() throws IOException {
            return pos >= count && !fill();
        }

        /** A line without its CR LF, null at the end of the stream. */
        String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            while (true) {
                if (pos >= count && !fill()) {
                    return b.length() == 0 ? null : b.toString();
                }
                int start = pos;
                while (pos < count && buf[pos] != '\n') {
                    pos++;
                }
                if (b.length() + (pos - start) > MAX_HEAD) {
                    throw new IOException("an answer line longer than " + MAX_HEAD + " bytes");
                }
                b.append(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
                if (pos < count) { // the line break
                    pos++;
                    int end = b.length();
                    return end > 0 && b.charAt(end - 1) == '\r' ? b.substring(0, end - 1) : b.toString();
                }
            }
        }
    }
}
