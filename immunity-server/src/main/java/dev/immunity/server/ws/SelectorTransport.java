package dev.immunity.server.ws;

import dev.immunity.core.stream.StreamManager;
import dev.immunity.server.auth.JwtVerifier;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * The stream endpoint ({@code /ws/adaptive-immunity}) on a port of its own, over non-blocking sockets:
 * one I/O thread per core, each with a selector, owns its share of the connections. It reads them
 * into one shared buffer, and writes each client's queued messages there too, straight from the fan-out,
 * without a thread per connection. An idle connection holds no thread, no stack and no buffer.
 * Same protocol, same checks (token, origin, filters, message limits) and same close codes as the
 * endpoint on the HTTP port; see {@code docs/stream-protocol.md}.
 */
public final class SelectorTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SelectorTransport.class.getName());
    private static final int READ_BUFFER_BYTES = 64 * 1024;

    /**
     * What every connection shares.
     *
     * @param closeTimeout how long a close frame may wait behind unread data before the client is dropped
     * @param mainPort     the HTTP port, whose page is an allowed origin
     */
    record Context(StreamManager stream, WsSettings ws, JwtVerifier verifier,
                   Duration closeTimeout, IntSupplier mainPort, ScheduledExecutorService scheduler,
                   InstantSource clock, dev.immunity.server.config.LimitSettings limits,
                   dev.immunity.server.HostCheck hostCheck, ConnectionGuard guard,
                   dev.immunity.server.OriginCheck originCheck) {
    }

    private final ServerSocketChannel server;
    private final IoLoop[] loops;
    private final Context context;
    private int next;

    private SelectorTransport(ServerSocketChannel server, IoLoop[] loops, Context context) {
        this.server = server;
        this.loops = loops;
        this.context = context;
    }

    /**
     * Binds and starts serving.
     *
     * @param verifier       null when auth is off
     * @param originCheck    the browser origins allowed (the same as on the HTTP port)
     * @param maxConnections this port's share of {@code immunity.http.max-connections}
     */
    public static SelectorTransport start(String host, int port, StreamManager stream, WsSettings ws,
                                          JwtVerifier verifier, Duration closeTimeout,
                                          IntSupplier mainPort, ScheduledExecutorService scheduler,
                                          InstantSource clock, dev.immunity.server.config.LimitSettings limits,
                                          dev.immunity.server.HostCheck hostCheck,
                                          dev.immunity.server.OriginCheck originCheck, int maxConnections) throws IOException {
        Context context = new Context(stream, ws, verifier, closeTimeout, mainPort, scheduler, clock, limits, hostCheck,
                new ConnectionGuard(maxConnections, limits.maxConnectionsPerIp()), originCheck);
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(host, port), 4096);
            server.configureBlocking(false);
            IoLoop[] loops = new IoLoop[Math.max(1, Runtime.getRuntime().availableProcessors())];
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new IoLoop("immunity-ws-io-" + i, ws);
            }
            SelectorTransport t = new SelectorTransport(server, loops, context);
            loops[0].execute(() -> loops[0].register(server, SelectionKey.OP_ACCEPT, t));
            for (IoLoop loop : loops) {
                loop.thread.start();
            }
            return t;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The port the stream is served on. */
    public int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Accepts what is waiting (on the first loop) and hands each connection to a loop in turn. */
    void accept() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // Out of file descriptors, say: pause accepting for a moment rather than spin on it.
                LOG.log(System.Logger.Level.WARNING, "accept failed; pausing 100 ms: " + e.getMessage());
                SelectionKey key = server.keyFor(loops[0].selector);
                if (key != null && key.isValid()) {
                    key.interestOps(0);
                    loops[0].at(System.nanoTime() + 100_000_000L, () -> {
                        if (key.isValid()) {
                            key.interestOps(SelectionKey.OP_ACCEPT);
                        }
                    });
                }
                return;
            }
            if (ch == null) {
                return;
            }
            java.net.InetAddress address;
            try {
                address = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                continue;
            }
            if (!context.guard().tryOpen(address)) {
                refused(ch, address); // over a cap: closed at once, so the process never runs out of files
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                context.guard().closed(address);
                closeQuietly(ch);
                continue;
            }
            IoLoop loop = loops[next];
            next = (next + 1) % loops.length;
            loop.execute(() -> {
                SelectorConnection c = new SelectorConnection(loop, ch, context);
                c.address = address;
                c.key = loop.register(ch, SelectionKey.OP_READ, c);
                if (c.key == null) {
                    c.drop();
                }
            });
        }
    }

    private final dev.immunity.server.RateLimitedLog refusals =
            new dev.immunity.server.RateLimitedLog(LOG, java.time.Duration.ofSeconds(10));

    private void refused(SocketChannel ch, java.net.InetAddress address) {
        refusals.log(() -> "stream port: connection from " + address.getHostAddress() + " refused: over "
                + (context.guard().atTotalCap() ? "immunity.http.max-connections" : "immunity.http.max-connections-per-ip"));
        closeQuietly(ch);
    }

    /**
     * Stops accepting, gives clients a moment to take the close frames the stream manager has sent them
     * (call it after {@link StreamManager#stop()}), then closes whatever is left.
     */
    @Override
    public void close() {
        closeQuietly(server);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (context.guard().open() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (IoLoop loop : loops) {
            loop.stop();
        }
    }

    static void closeQuietly(java.io.Closeable ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * One I/O thread and its selector. Tasks from other threads (a fan-out scheduling a client's writer, a
     * close) are queued and the selector woken at most once per round.
     */
    static final class IoLoop implements Executor, Runnable {
        final Thread thread;
        /** Shared by every connection of this loop: a read is parsed before the next one starts. */
        final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
        final Selector selector;
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        /** Tasks due at a time ({@link System#nanoTime}), earliest first; touched only on this loop's thread. */
        private final java.util.PriorityQueue<Timed> timers = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingLong(Timed::due));
        /** True while the loop is not blocked in select (so nobody needs to wake it). */
        private final AtomicBoolean awake = new AtomicBoolean(true);
        private final WsSettings ws;
        private volatile boolean running = true;
        private long lastSweep = System.nanoTime();
        private long lastPing = System.nanoTime();

        IoLoop(String name, WsSettings ws) throws IOException {
            this.selector = Selector.open();
            this.ws = ws;
            this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this);
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            if (Thread.currentThread() != thread && !awake.getAndSet(true)) {
                selector.wakeup();
            }
        }

        /** Runs a task on this loop once {@link System#nanoTime} reaches {@code due}; call it on this loop's thread. */
        void at(long due, Runnable task) {
            timers.add(new Timed(due, task));
        }

        SelectionKey register(java.nio.channels.SelectableChannel ch, int ops, Object attachment) {
            try {
                return ch.register(selector, ops, attachment);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public void run() {
            try {
                while (running) {
                    awake.set(false);
                    long untilTimer = timers.isEmpty() ? 1_000_000_000L : timers.peek().due() - System.nanoTime();
                    try {
                        if (!tasks.isEmpty() || untilTimer <= 0) {
                            selector.selectNow(this::ready);
                        } else {
                            selector.select(this::ready, Math.min(1000, (untilTimer + 999_999) / 1_000_000));
                        }
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "stream I/O failed; going on", e); // one connection's bug
                    }
                    awake.set(true);
                    runTasks();
                    runTimers();
                    sweep();
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.log(System.Logger.Level.ERROR, "stream I/O loop failed", e);
                }
            } finally {
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof SelectorConnection c) {
                        c.drop();
                    }
                }
                closeQuietly(selector);
            }
        }

        private void ready(SelectionKey key) {
            if (!key.isValid()) {
                return;
            }
            if (key.attachment() instanceof SelectorConnection c) {
                try {
                    c.ready(key.readyOps());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "stream connection failed: dropped", e);
                    c.drop();
                }
            } else if (key.attachment() instanceof SelectorTransport t) {
                t.accept();
            }
        }

        private void runTasks() {
            for (int i = 0; i < 65_536; i++) {
                Runnable task = tasks.poll();
                if (task == null) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "stream I/O task failed", e);
                }
            }
        }

        private void runTimers() {
            long now = System.nanoTime();
            while (!timers.isEmpty() && timers.peek().due() - now <= 0) {
                try {
                    timers.poll().task().run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "stream I/O task failed", e);
                }
            }
        }

        private record Timed(long due, Runnable task) {
        }

        /** Once a second: drop stalled handshakes and idle clients; on the ping interval, ping every client. */
        private void sweep() {
            long now = System.nanoTime();
            if (now - lastSweep < 1_000_000_000L) {
                return;
            }
            lastSweep = now;
            boolean ping = now - lastPing >= ws.pingInterval().toNanos();
            if (ping) {
                lastPing = now;
            }
            List<SelectorConnection> all = new ArrayList<>();
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof SelectorConnection c) {
                    all.add(c);
                }
            }
            for (SelectorConnection c : all) {
                c.sweep(now, ping);
            }
        }

        void stop() {
            running = false;
            selector.wakeup();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
