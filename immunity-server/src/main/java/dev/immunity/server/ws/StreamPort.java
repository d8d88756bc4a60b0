package dev.immunity.server.ws;

import dev.immunity.core.stream.StreamManager;
import dev.immunity.server.auth.JwtVerifier;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The stream endpoint ({@code /ws/adaptive-immunity}) on a port of its own, on Netty: one event loop per core
 * (epoll where the native transport loads, else NIO; io_uring when configured) owns its share of the
 * connections; Netty's HTTP/1.1 codec reads the upgrade, its handshaker answers it and its frame codec reads and
 * writes the WebSocket frames
 * ({@link StreamChannel}). Each client's queued messages are written on its event loop, straight from the
 * fan-out, without a thread per connection; an idle connection holds no thread and, with the pooled
 * allocator, no buffer. Same protocol, same checks (token, host, origin, filters, message limits) and same
 * close codes as the endpoint on the HTTP port; see {@code docs/stream-protocol.md}.
 */
public final class StreamPort implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StreamPort.class.getName());
    /** Above this much unwritten data a client is behind: the stream manager stops writing to it, and it is not read. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

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

    private final EventLoopGroup group;
    private final Channel server;
    private final Context context;
    private final WsSettings.IoTransport transport;

    private StreamPort(EventLoopGroup group, Channel server, Context context, WsSettings.IoTransport transport) {
        this.group = group;
        this.server = server;
        this.context = context;
        this.transport = transport;
    }

    /**
     * Binds and starts serving.
     *
     * @param verifier       null when auth is off
     * @param originCheck    the browser origins allowed (the same as on the HTTP port)
     * @param maxConnections this port's share of {@code immunity.http.max-connections}
     */
    public static StreamPort start(String host, int port, StreamManager stream, WsSettings ws,
                                   JwtVerifier verifier, Duration closeTimeout,
                                   IntSupplier mainPort, ScheduledExecutorService scheduler,
                                   InstantSource clock, dev.immunity.server.config.LimitSettings limits,
                                   dev.immunity.server.HostCheck hostCheck,
                                   dev.immunity.server.OriginCheck originCheck, int maxConnections) throws IOException {
        Context context = new Context(stream, ws, verifier, closeTimeout, mainPort, scheduler, clock, limits, hostCheck,
                new ConnectionGuard(maxConnections, limits.maxConnectionsPerIp()), originCheck);
        WsSettings.IoTransport transport = resolve(ws.transport());
        IoHandlerFactory io = switch (transport) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
        Class<? extends ServerChannel> channel = switch (transport) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            default -> NioServerSocketChannel.class;
        };
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("immunity-ws-io", true), io);
        Map<EventExecutor, Sweep> sweeps = new IdentityHashMap<>();
        for (EventExecutor loop : group) {
            Sweep sweep = new Sweep(ws.pingInterval());
            sweeps.put(loop, sweep);
            loop.scheduleAtFixedRate(sweep, 1, 1, TimeUnit.SECONDS);
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new Initializer(context, sweeps));
        ChannelFuture bound = bootstrap.bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
            Throwable cause = bound.cause();
            throw cause instanceof IOException e ? e : new IOException(String.valueOf(cause.getMessage()), cause);
        }
        return new StreamPort(group, bound.channel(), context, transport);
    }

    /**
     * The transport to run on: {@code auto} is epoll where it loads, else NIO; a native transport asked for by name
     * must load, or the start fails saying why.
     */
    static WsSettings.IoTransport resolve(WsSettings.IoTransport wanted) throws IOException {
        return switch (wanted) {
            case AUTO -> Epoll.isAvailable() ? WsSettings.IoTransport.EPOLL : WsSettings.IoTransport.NIO;
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IOException("immunity.ws.transport=epoll: Netty's epoll transport does not load here ("
                            + Epoll.unavailabilityCause() + "); use auto or nio", Epoll.unavailabilityCause());
                }
                yield wanted;
            }
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new IOException("immunity.ws.transport=io_uring: Netty's io_uring transport does not load here ("
                            + IoUring.unavailabilityCause() + "); use auto, epoll or nio", IoUring.unavailabilityCause());
                }
                yield wanted;
            }
            case NIO -> wanted;
        };
    }

    /** The I/O transport in use: {@code epoll}, {@code io_uring} or {@code nio}. */
    public String transport() {
        return transport.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The port the stream is served on. */
    public int port() {
        return server.localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    /**
     * Stops accepting, gives clients a moment to take the close frames the stream manager has sent them
     * (call it after {@link StreamManager#stop()}), then closes whatever is left.
     */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (context.guard().open() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Counts each accepted connection against the caps (closing it at once when over one) and sets it up. */
    private static final class Initializer extends ChannelInitializer<SocketChannel> {
        private final Context context;
        private final Map<EventExecutor, Sweep> sweeps;
        private final dev.immunity.server.RateLimitedLog refusals =
                new dev.immunity.server.RateLimitedLog(LOG, Duration.ofSeconds(10));

        Initializer(Context context, Map<EventExecutor, Sweep> sweeps) {
            this.context = context;
            this.sweeps = sweeps;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            InetSocketAddress remote = ch.remoteAddress();
            InetAddress address = remote == null ? null : remote.getAddress();
            if (address == null) {
                ch.close();
                return;
            }
            if (!context.guard().tryOpen(address)) {
                // over a cap: closed at once, so the process never runs out of files
                refusals.log(() -> "stream port: connection from " + address.getHostAddress() + " refused: over "
                        + (context.guard().atTotalCap() ? "immunity.http.max-connections"
                        : "immunity.http.max-connections-per-ip"));
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> context.guard().closed(address));
            StreamChannel.install(ch, context, sweeps.get(ch.eventLoop()));
        }
    }

    /**
     * The connections of one event loop, swept once a second on it: stalled handshakes and idle clients are
     * dropped and, on the ping interval, every client is pinged. Touched only on its loop.
     */
    static final class Sweep implements Runnable {
        private final Set<StreamChannel> open = new HashSet<>();
        private final long pingNanos;
        private long lastPing = System.nanoTime();

        Sweep(Duration pingInterval) {
            this.pingNanos = pingInterval.toNanos();
        }

        void add(StreamChannel c) {
            open.add(c);
        }

        void remove(StreamChannel c) {
            open.remove(c);
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            boolean ping = now - lastPing >= pingNanos;
            if (ping) {
                lastPing = now;
            }
            for (StreamChannel c : new ArrayList<>(open)) {
                try {
                    c.sweep(now, ping);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "stream sweep failed for one connection", e);
                }
            }
        }
    }
}
