package dev.immunity.cli.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bench connections on Netty's WebSocket client (RFC 6455 handshake and frames by Netty), all on one event loop
 * (epoll where the native transport loads, else NIO): reads frames, answers pings (Netty does), records closes.
 * It costs a fraction of the JDK client's CPU per message, so the load generator leaves the CPU to the server
 * under test. Text frames are decoded as ISO-8859-1: the bench only looks at ASCII (the marker, digits,
 * {@code \n}), whose positions that decoding keeps.
 */
final class NettyConnector implements Connector {
    /** Server frames can be whole ndjson batches or snapshots: no practical cap. */
    private static final int MAX_FRAME = 256 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final boolean deflate;

    /** @param deflate offer permessage-deflate (Netty's client compression handler) */
    NettyConnector(boolean deflate) {
        this.deflate = deflate;
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-netty", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    @Override
    public CompletableFuture<Handle> connect(URI ws, BenchClient client) {
        Conn c = new Conn(client);
        if (!"ws".equalsIgnoreCase(ws.getScheme())) {
            c.fail(new IOException("the netty bench client speaks ws:// only; use --client jdk for " + ws.getScheme()));
            return c.opened;
        }
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(ws)
                .version(WebSocketVersion.V13)
                .subprotocol("immunity.v1")
                .maxFramePayloadLength(MAX_FRAME)
                .handleCloseFrames(false)   // the close code is recorded below
                .sendCloseFrame(null)       // abort() drops the connection at once
                .generateOriginHeader(false)
                .allowExtensions(deflate)
                .withUTF8Validator(false)
                .handshakeTimeoutMillis(10_000)
                .build();
        int port = ws.getPort() > 0 ? ws.getPort() : 80;
        bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                c.ch = ch;
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024));
                if (deflate) {
                    ch.pipeline().addLast(new WebSocketClientCompressionHandler(MAX_FRAME));
                }
                ch.pipeline().addLast(new WebSocketClientProtocolHandler(config), new WebSocketFrameAggregator(MAX_FRAME), c);
            }
        }).connect(ws.getHost(), port).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                c.fail(f.cause());
            }
        });
        return c.opened;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** One connection: everything here runs on the event loop. */
    private static final class Conn extends SimpleChannelInboundHandler<WebSocketFrame> implements Handle {
        final BenchClient client;
        final CompletableFuture<Handle> opened = new CompletableFuture<>();
        volatile Channel ch;
        private boolean closed;

        Conn(BenchClient client) {
            this.client = client;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                client.opened(System.nanoTime());
                opened.complete(this);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail(new java.util.concurrent.TimeoutException("no answer to the upgrade within 10 s"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            long now = System.nanoTime();
            if (frame instanceof TextWebSocketFrame text) {
                client.onFrame(text.content().toString(StandardCharsets.ISO_8859_1), now);
                if (client.slow() && client.hello.isDone()) {
                    ctx.channel().config().setAutoRead(false); // a stalled consumer: its socket buffers fill, then the server's queue
                }
            } else if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode();
                closed = true;
                client.closed(code < 0 ? 1005 : code, now);
                ctx.close();
            }
            // pongs and binary frames: ignored (Netty answers pings)
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed) {
                closed = true;
                client.closed(1006, System.nanoTime());
                opened.completeExceptionally(new IOException("connection closed by the server"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof WebSocketClientHandshakeException h && h.response() != null) {
                fail(new IOException("upgrade refused: " + h.response().protocolVersion() + " " + h.response().status()));
            } else {
                fail(cause);
            }
        }

        void fail(Throwable e) {
            opened.completeExceptionally(e);
            client.hello.completeExceptionally(e);
            if (!closed) {
                closed = true;
                client.closed(1006, System.nanoTime());
            }
            Channel c = ch;
            if (c != null) {
                c.close();
            }
        }

        @Override
        public void abort() {
            Channel c = ch;
            if (c != null) {
                c.close();
            }
        }
    }
}
