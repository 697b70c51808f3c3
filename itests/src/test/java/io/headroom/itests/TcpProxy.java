package io.headroom.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP forwarder on a fixed port that a test can stop and start, to take a server "down" and bring it back. */
final class TcpProxy implements AutoCloseable {
    private final int port;
    private final int target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    TcpProxy(int port, int target) {
        this.port = port;
        this.target = target;
    }

    synchronized void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        ServerSocket s = server;
        Thread accept = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    open.add(client);
                    open.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "tcp-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // closed
                }
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Refuses new connections and cuts the open ones: the server looks down. */
    synchronized void stop() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        open.clear();
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
