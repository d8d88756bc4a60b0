package dev.immunity.server.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy in front of the server that passes HTTP but, while {@link #blockWebSockets} is on, refuses
 * WebSocket upgrades with a 502 — as many corporate proxies do. Lets a test put the page in front of an
 * unreachable stream while the REST API still answers, and then let the stream through again.
 */
public final class WsBlockingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean blockWebSockets = true;
    private volatile int refused;

    public WsBlockingProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.submit(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public void blockWebSockets(boolean on) {
        this.blockWebSockets = on;
    }

    /** WebSocket upgrades refused so far. */
    public int refused() {
        return refused;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                threads.submit(() -> handle(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            String text = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            if (blockWebSockets && text.contains("\nupgrade: websocket")) {
                refused++;
                byte[] body = "this proxy does not pass WebSockets\n".getBytes(StandardCharsets.US_ASCII);
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                return;
            }
            try (Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                sockets.add(server);
                server.getOutputStream().write(head);
                var back = threads.submit(() -> pipe(server.getInputStream(), client.getOutputStream(), client));
                pipe(in, server.getOutputStream(), server);
                back.get();
            }
        } catch (Exception e) {
            // a connection ended: nothing to do
        } finally {
            sockets.remove(client);
        }
    }

    private static Void pipe(InputStream from, OutputStream to, Socket toSocket) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            // the other side went away
        } finally {
            try {
                toSocket.shutdownOutput();
            } catch (IOException e) {
                // already closed
            }
        }
        return null;
    }

    /** The request line and headers, up to the blank line (or what arrived before the stream ended). */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (head.size() < 64 * 1024 && (b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                break;
            }
        }
        return head.toByteArray();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        });
        threads.shutdownNow();
    }
}
