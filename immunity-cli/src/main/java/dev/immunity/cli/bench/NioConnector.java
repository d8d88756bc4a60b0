package dev.immunity.cli.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal WebSocket client (RFC 6455, client side of a server-to-client stream) over non-blocking
 * sockets, all connections on one selector thread: reads frames, answers pings, records closes. It
 * costs a fraction of the JDK client's CPU per message, so the load generator leaves the CPU to the
 * server under test. Text frames are decoded as ISO-8859-1: the bench only looks at ASCII (the
 * marker, digits, {@code \n}), whose positions that decoding keeps.
 */
final class NioConnector implements Connector {
    private final Selector selector;
    private final Thread loop;
    private final ConcurrentLinkedQueue<Conn> pending = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
    private volatile boolean running = true;

    NioConnector() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        loop = new Thread(this::run, "bench-nio");
        loop.setDaemon(true);
        loop.start();
    }

    @Override
    public CompletableFuture<Handle> connect(URI ws, BenchClient client) {
        Conn c = new Conn(ws, client);
        try {
            c.ch = SocketChannel.open();
            c.ch.configureBlocking(false);
            c.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int port = ws.getPort() > 0 ? ws.getPort() : 80;
            c.ch.connect(new InetSocketAddress(ws.getHost(), port));
        } catch (IOException | RuntimeException e) {
            c.opened.completeExceptionally(e);
            return c.opened;
        }
        pending.add(c);
        selector.wakeup();
        return c.opened;
    }

    private void run() {
        while (running) {
            try {
                selector.select(100);
                Conn c;
                while ((c = pending.poll()) != null) {
                    c.ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
                var it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Conn conn = (Conn) k.attachment();
                    try {
                        if (k.isValid() && k.isConnectable()) {
                            conn.ch.finishConnect();
                            conn.writeFully(ByteBuffer.wrap(conn.handshake().getBytes(StandardCharsets.US_ASCII)));
                            k.interestOps(SelectionKey.OP_READ);
                        } else if (k.isValid() && k.isReadable()) {
                            read(conn, k);
                        }
                    } catch (IOException | RuntimeException e) {
                        conn.fail(e);
                        k.cancel();
                    }
                }
            } catch (IOException e) {
                // selector trouble: keep going
            }
        }
    }

    private void read(Conn c, SelectionKey k) throws IOException {
        if (c.large != null) {
            readLarge(c, k);
            return;
        }
        buf.clear();
        if (c.leftover != null) {
            buf.put(c.leftover);
            c.leftover = null;
        }
        int n = c.ch.read(buf);
        long now = System.nanoTime();
        if (n < 0) {
            c.client.closed(1006, now);
            c.opened.completeExceptionally(new IOException("connection closed by the server"));
            k.cancel();
            c.ch.close();
            return;
        }
        buf.flip();
        if (!c.upgraded) {
            int end = headersEnd(buf);
            if (end < 0) {
                keep(c);
                return;
            }
            byte[] head = new byte[end];
            buf.get(head);
            String status = new String(head, StandardCharsets.ISO_8859_1);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("upgrade refused: " + status.lines().findFirst().orElse(""));
            }
            c.upgraded = true;
            c.client.opened(now);
            c.opened.complete(c);
        }
        if (frames(c, k, buf, now)) {
            keep(c);
            stallIfSlow(c, k);
        }
    }

    /** Handles every complete frame in {@code buf}; false when the server closed the connection. */
    private boolean frames(Conn c, SelectionKey k, ByteBuffer buf, long now) throws IOException {
        while (buf.remaining() >= 2) {
            int start = buf.position();
            int b0 = buf.get() & 0xff;
            int b1 = buf.get() & 0xff;
            long len = b1 & 0x7f;
            if (len == 126) {
                if (buf.remaining() < 2) {
                    buf.position(start);
                    break;
                }
                len = buf.getShort() & 0xffff;
            } else if (len == 127) {
                if (buf.remaining() < 8) {
                    buf.position(start);
                    break;
                }
                len = buf.getLong();
            }
            if ((b1 & 0x80) != 0) {
                throw new IOException("masked frame from the server");
            }
            if (buf.remaining() < len) {
                int headerLength = buf.position() - start;
                buf.position(start);
                if (headerLength + len > buf.capacity() / 4) {
                    // A large frame: read the rest straight into an array of its size, so that each of its
                    // bytes is copied once however many reads it takes (not once per read as a leftover).
                    c.large = new byte[(int) (headerLength + len)];
                    c.largeFilled = buf.remaining();
                    buf.get(c.large, 0, c.largeFilled);
                }
                break;
            }
            byte[] payload = new byte[(int) len];
            buf.get(payload);
            boolean fin = (b0 & 0x80) != 0;
            int op = b0 & 0x0f;
            switch (op) {
                case 1, 0 -> {
                    if (fin && c.fragments == null) {
                        c.client.onFrame(new String(payload, StandardCharsets.ISO_8859_1), now);
                    } else {
                        c.fragments = c.fragments == null ? new java.io.ByteArrayOutputStream() : c.fragments;
                        c.fragments.write(payload, 0, payload.length);
                        if (fin) {
                            c.client.onFrame(c.fragments.toString(StandardCharsets.ISO_8859_1), now);
                            c.fragments = null;
                        }
                    }
                }
                case 9 -> c.writeFully(frame(0xA, payload));
                case 8 -> {
                    int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                    c.client.closed(code, now);
                    k.cancel();
                    c.ch.close();
                    return false;
                }
                default -> {
                    // pong, binary: ignored
                }
            }
        }
        return true;
    }

    private static void stallIfSlow(Conn c, SelectionKey k) {
        if (c.client.slow() && c.client.hello.isDone()) {
            k.interestOps(0); // a stalled consumer: its socket buffers fill, then the server's queue
        }
    }

    private void readLarge(Conn c, SelectionKey k) throws IOException {
        int n = c.ch.read(ByteBuffer.wrap(c.large, c.largeFilled, c.large.length - c.largeFilled));
        if (n < 0) {
            c.large = null;
            c.client.closed(1006, System.nanoTime());
            k.cancel();
            c.ch.close();
            return;
        }
        c.largeFilled += n;
        if (c.largeFilled == c.large.length) {
            ByteBuffer frame = ByteBuffer.wrap(c.large);
            c.large = null;
            if (frames(c, k, frame, System.nanoTime())) {
                stallIfSlow(c, k);
            }
        }
    }

    private void keep(Conn c) {
        if (buf.hasRemaining()) {
            c.leftover = new byte[buf.remaining()];
            buf.get(c.leftover);
        }
    }

    private static int headersEnd(ByteBuffer b) {
        for (int i = b.position(); i + 3 < b.limit(); i++) {
            if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') {
                return i + 4 - b.position();
            }
        }
        return -1;
    }

    /** A masked client frame (pong, close). */
    static ByteBuffer frame(int opcode, byte[] payload) {
        ByteBuffer f = ByteBuffer.allocate(2 + 4 + payload.length + 8);
        f.put((byte) (0x80 | opcode));
        if (payload.length < 126) {
            f.put((byte) (0x80 | payload.length));
        } else {
            f.put((byte) (0x80 | 126)).putShort((short) payload.length);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.put(mask);
        for (int i = 0; i < payload.length; i++) {
            f.put((byte) (payload[i] ^ mask[i & 3]));
        }
        return f.flip();
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            loop.join(2000);
            for (SelectionKey k : selector.keys()) {
                k.channel().close();
            }
            selector.close();
        } catch (IOException | InterruptedException e) {
            // closing anyway
        }
    }

    private static final class Conn implements Handle {
        final URI uri;
        final BenchClient client;
        final CompletableFuture<Handle> opened = new CompletableFuture<>();
        SocketChannel ch;
        boolean upgraded;
        byte[] leftover;
        /** A large frame being read (header included), and how much of it has arrived. */
        byte[] large;
        int largeFilled;
        java.io.ByteArrayOutputStream fragments;

        Conn(URI uri, BenchClient client) {
            this.uri = uri;
            this.client = client;
        }

        String handshake() {
            byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            String path = uri.getRawPath() + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
            return "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(key)
                    + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: immunity.v1\r\n\r\n";
        }

        /** Small control writes: spin until written (the socket buffer is almost never full for them). */
        void writeFully(ByteBuffer b) throws IOException {
            for (int spins = 0; b.hasRemaining(); spins++) {
                if (ch.write(b) == 0 && spins > 1000) {
                    throw new IOException("cannot write to the server");
                }
            }
        }

        void fail(Throwable e) {
            opened.completeExceptionally(e);
            client.hello.completeExceptionally(e);
            client.closed(1006, System.nanoTime());
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        @Override
        public void abort() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
