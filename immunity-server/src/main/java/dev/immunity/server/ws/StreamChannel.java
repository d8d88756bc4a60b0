package dev.immunity.server.ws;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.core.stream.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client of the {@link StreamPort}: its HTTP upgrade (checked by {@link UpgradeRequest}, answered by Netty's
 * handshaker), the frames it sends (decoded by Netty), and the core's {@link Connection} port. Everything here runs on the
 * channel's event loop, except {@link #close}, {@link #abort} and the {@link #writer()} executor, which hand
 * themselves over to it; so nothing here needs a lock.
 *
 * <p>The pipeline is Netty's {@link HttpServerCodec}, the {@linkplain Heads request-head checks}, an
 * {@link HttpObjectAggregator} (an upgrade has no body) and this handler; the handshake replaces the HTTP codec
 * with Netty's WebSocket frame decoder and encoder. With {@code immunity.ws.deflate} on, Netty's extension
 * handler sits before this one and, for a client that offers permessage-deflate, puts its compressor and
 * decompressor there. The decoder reports protocol violations to this handler rather than closing by itself, so
 * that every violation gets the close code and the orderly close (our close frame, then our side shut, then the
 * client's end of stream) the HTTP port's endpoint gives.
 */
final class StreamChannel extends ChannelInboundHandlerAdapter implements Connection {
    private static final System.Logger LOG = System.getLogger(StreamChannel.class.getName());
    /** The request line and headers together, as on the HTTP port: more is refused with 431. */
    private static final int MAX_REQUEST_BYTES = 8 * 1024;
    /** How long a client has to answer the server's close frame (as on the HTTP port) before it is dropped. */
    private static final long CLIENT_CLOSE_WAIT_MS = WsConnection.CLIENT_CLOSE_WAIT_MS;
    /** How far past the largest client message inflating may go before Netty stops it (its buffer grows in steps). */
    private static final int INFLATE_SLACK = 4096;

    private enum State { HANDSHAKE, OPEN, CLOSED }

    private final SocketChannel ch;
    private final EventLoop loop;
    private final StreamPort.Context ctx;
    private final StreamPort.Sweep sweep;
    private final long startedAt = System.nanoTime();
    private final Executor writer;
    private final Heads heads = new Heads();

    private State state = State.HANDSHAKE;
    /** When messages were last written ({@link System#nanoTime}), for the write delay. */
    private long lastWrite = startedAt;
    private long lastRead = startedAt;
    /** The stream manager's writer, waiting for the channel to become writable again. */
    private Runnable resume;
    /** A fragmented message being reassembled, and its opcode (1 text, 2 binary). */
    private CompositeByteBuf fragments;
    private int fragmentOpcode;
    private int fragmentCount;
    /** Our close frame (or refusal) is written or queued: no more messages. */
    private boolean closeSent;
    /** Nothing more the client sends is parsed (it closed, or broke the protocol); what it sends is discarded. */
    private boolean inputDone;
    /** Our last frame or refusal is on its way: read on (and discard) until the client's end of stream. */
    private boolean finishing;
    /** Upgraded, and the stream manager is connecting it: what the client sends waits until then. */
    private boolean connecting;
    /** Frames the client sent while it was being connected. */
    private ArrayDeque<WebSocketFrame> early;
    /** The upgrade that passed the checks, until the handshake. */
    private StreamUpgrade upgrade;
    private String id;
    private TokenLease lease;

    private StreamChannel(SocketChannel ch, StreamPort.Context ctx, StreamPort.Sweep sweep) {
        this.ch = ch;
        this.loop = ch.eventLoop();
        this.ctx = ctx;
        this.sweep = sweep;
        long delay = ctx.ws().writeDelay().toNanos();
        this.writer = delay == 0 ? this::onLoop : drain -> onLoop(() -> {
            long wait = lastWrite + delay - System.nanoTime();
            if (wait <= 0) {
                drain.run();
            } else {
                loop.schedule(drain, wait, TimeUnit.NANOSECONDS);
            }
        });
    }

    /** Sets up a new connection's pipeline (on its event loop). */
    static void install(SocketChannel ch, StreamPort.Context ctx, StreamPort.Sweep sweep) {
        StreamChannel c = new StreamChannel(ch, ctx, sweep);
        ch.pipeline().addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_REQUEST_BYTES)
                        .setMaxHeaderSize(MAX_REQUEST_BYTES)))
                .addLast("heads", c.heads)
                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES));
        if (ctx.ws().deflate()) {
            ch.pipeline().addLast("extensions", c.new Extensions());
        }
        ch.pipeline().addLast("stream", c);
        sweep.add(c);
    }

    // ---- the core's Connection port (called on the loop by the stream manager's writer) ----

    /**
     * The event loop; with a write delay, the writer's next run waits until that long after its last write, so
     * that what arrives meanwhile goes out in one write.
     */
    @Override
    public Executor writer() {
        return writer;
    }

    @Override
    public boolean writable(Runnable resume) {
        if (ch.isWritable()) {
            return true;
        }
        this.resume = resume;
        return false;
    }

    @Override
    public void send(byte[] utf8) throws IOException {
        if (state != State.OPEN || closeSent) {
            throw new IOException("connection closed");
        }
        lastWrite = System.nanoTime();
        ch.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(utf8)), ch.voidPromise());
    }

    @Override
    public void sendAll(List<byte[]> messages) throws IOException {
        if (state != State.OPEN || closeSent) {
            throw new IOException("connection closed");
        }
        lastWrite = System.nanoTime();
        for (byte[] m : messages) {
            ch.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(m)), ch.voidPromise());
        }
        ch.flush();
    }

    @Override
    public void close(int code, String reason) {
        onLoop(() -> closeNow(code, reason));
    }

    @Override
    public void abort() {
        onLoop(this::drop);
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the port is closed: its channels are closed with it
        }
    }

    // ---- events from Netty ----

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (msg instanceof FullHttpRequest request) {
            try {
                handshake(request);
            } finally {
                request.release();
            }
        } else if (msg instanceof WebSocketFrame frame) {
            if (connecting && !inputDone) {
                if (early == null) {
                    early = new ArrayDeque<>();
                }
                early.add(frame);
            } else {
                try {
                    frame(frame);
                } finally {
                    frame.release();
                }
            }
        } else if (msg instanceof ByteBuf bytes && state == State.OPEN && !inputDone) {
            // What the client sent right behind its upgrade request, handed on by the HTTP codec as it was removed:
            // through the pipeline again, whose head is now the frame decoder.
            ch.pipeline().fireChannelRead(bytes);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        updateReading();
        if (ch.isWritable()) {
            Runnable r = resume;
            resume = null;
            if (r != null && state == State.OPEN && !closeSent) {
                r.run();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        drop();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException e && state == State.OPEN) {
            WebSocketCloseStatus status = e.closeStatus();
            int code = status == null ? CloseCodes.PROTOCOL_ERROR : status.code();
            fail(code, code == CloseCodes.MESSAGE_TOO_BIG ? ClientMessages.tooBig(ctx.ws().maxMessageBytes())
                    : String.valueOf(e.getMessage()));
        } else if (state == State.OPEN && (cause instanceof TooLongFrameException
                || cause instanceof DecompressionException && String.valueOf(cause.getMessage()).contains("maximum size"))) {
            failTooBig(); // a frame over the limit, or a compressed one inflating far past it
        } else if (cause instanceof DecoderException && state == State.OPEN) {
            fail(CloseCodes.PROTOCOL_ERROR, "undecodable frame: " + cause.getMessage()); // e.g. a bad compressed block
        } else {
            if (!(cause instanceof IOException)) {
                LOG.log(System.Logger.Level.DEBUG, "stream connection failed: dropped", cause);
            }
            drop();
        }
    }

    void sweep(long now, boolean ping) {
        if (state == State.HANDSHAKE && now - startedAt > ctx.limits().headerTimeout().toNanos()) {
            drop();
        } else if (state == State.OPEN && now - lastRead > ctx.ws().idleTimeout().toNanos()) {
            LOG.log(System.Logger.Level.DEBUG, "client " + id + " idle: dropped");
            drop();
        } else if (ping && state == State.OPEN && !closeSent && ch.isWritable()) {
            // a client that is behind gets no ping: it has frames to read
            ch.writeAndFlush(new PingWebSocketFrame(), ch.voidPromise());
        }
    }

    /** Closes the socket now; the stream manager forgets the client. */
    private void drop() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        resume = null;
        sweep.remove(this);
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
        if (early != null) {
            early.forEach(WebSocketFrame::release);
            early = null;
        }
        ch.close();
        if (lease != null) {
            lease.cancel();
        }
        if (id != null) {
            ctx.stream().disconnect(id);
        }
    }

    /**
     * Reads while the client is connected and not behind; while something waits for the socket, nothing is read
     * from the client either (a client that does not read cannot make us buffer its pongs). Once our last frame
     * is on its way, reads on to see the client's end of stream.
     */
    private void updateReading() {
        if (state == State.CLOSED) {
            return;
        }
        ch.config().setAutoRead(finishing || (!connecting && ch.isWritable()));
    }

    // ---- frames ----

    private void frame(WebSocketFrame frame) {
        if (state != State.OPEN || inputDone) {
            return;
        }
        lastRead = System.nanoTime(); // only whole frames count as activity: a frame never finished keeps nothing open
        if (closeSent && !(frame instanceof CloseWebSocketFrame)) {
            return; // we are closing: only the client's close frame matters now
        }
        if (frame.rsv() != 0) {
            // with deflate on, the frame decoder lets reserved bits through for the extension to take off; what is
            // still set here belongs to no extension this connection negotiated
            fail(CloseCodes.PROTOCOL_ERROR, "reserved bits set without a negotiated extension");
            return;
        }
        ByteBuf payload = frame.content();
        switch (frame) {
            case TextWebSocketFrame t -> data(1, t.isFinalFragment(), payload);
            case BinaryWebSocketFrame b -> data(2, b.isFinalFragment(), payload);
            case ContinuationWebSocketFrame f -> {
                if (fragments == null) {
                    fail(CloseCodes.PROTOCOL_ERROR, "continuation frame without a message to continue");
                    return;
                }
                if (++fragmentCount > ctx.limits().maxFragments()) {
                    fail(CloseCodes.MESSAGE_TOO_BIG, "too many fragments: at most " + ctx.limits().maxFragments()
                            + " per message");
                    return;
                }
                if (!append(payload)) {
                    return;
                }
                if (f.isFinalFragment()) {
                    CompositeByteBuf whole = fragments;
                    fragments = null;
                    try {
                        message(fragmentOpcode, whole);
                    } finally {
                        whole.release();
                    }
                }
            }
            case CloseWebSocketFrame close -> clientClose(payload);
            case PingWebSocketFrame ping -> ch.writeAndFlush(new PongWebSocketFrame(payload.retain()), ch.voidPromise());
            default -> {
                // a pong (the answer to our ping): reading it already counted as activity
            }
        }
    }

    private void data(int opcode, boolean fin, ByteBuf payload) {
        if (fragments != null) {
            fail(CloseCodes.PROTOCOL_ERROR, "a new message started before the last one ended");
        } else if (fin) {
            if (payload.readableBytes() > ctx.ws().maxMessageBytes()) { // inflated past the limit (deflate only)
                failTooBig();
                return;
            }
            message(opcode, payload);
        } else {
            fragments = ch.alloc().compositeBuffer(ctx.limits().maxFragments() + 1);
            fragmentOpcode = opcode;
            fragmentCount = 1;
            append(payload);
        }
    }

    /** Adds a fragment to the message being reassembled; false (and closed with 1009) when it makes it too big. */
    private boolean append(ByteBuf payload) {
        if ((long) fragments.readableBytes() + payload.readableBytes() > ctx.ws().maxMessageBytes()) {
            failTooBig();
            return false;
        }
        fragments.addComponent(true, payload.retain());
        return true;
    }

    private void message(int opcode, ByteBuf payload) {
        if (id == null) {
            return;
        }
        if (opcode == 2) {
            ctx.stream().reply(id, ClientMessages.binaryRefused(ctx.clock()));
            return;
        }
        String text = utf8(ByteBufUtil.getBytes(payload), 0);
        if (text == null) {
            fail(CloseCodes.INVALID_PAYLOAD, "text messages must be UTF-8");
            return;
        }
        ctx.stream().reply(id, ClientMessages.answer(text, ctx.clock(), lease));
    }

    /** The bytes from {@code from} as text, or null when they are not UTF-8. */
    private static String utf8(byte[] bytes, int from) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, bytes.length - from)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The client closes: we answer with its code (an invalid close gets 1002, a reason that is not UTF-8 1007),
     * or, when it is answering our close, we are done.
     */
    private void clientClose(ByteBuf content) {
        inputDone = true;
        if (id != null) {
            ctx.stream().disconnect(id);
        }
        if (closeSent) {
            drop();
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(content);
        CloseWebSocketFrame answer;
        int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        if (payload.length == 1 || (payload.length >= 2 && !validCloseCode(code))) {
            answer = new CloseWebSocketFrame(CloseCodes.PROTOCOL_ERROR, "invalid close frame");
        } else if (payload.length > 2 && utf8(payload, 2) == null) {
            answer = new CloseWebSocketFrame(CloseCodes.INVALID_PAYLOAD, "close reason is not UTF-8");
        } else {
            answer = payload.length >= 2 ? new CloseWebSocketFrame(code, "") : new CloseWebSocketFrame();
        }
        sendClose(answer);
    }

    /** Codes a client may send (RFC 6455 7.4): 1000-1003, 1007-1011, 3000-4999. */
    private static boolean validCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
    }

    /** A protocol violation or a limit: the client gets a close frame saying which, and the connection ends. */
    private void fail(int code, String reason) {
        LOG.log(System.Logger.Level.DEBUG, "client " + id + ": " + reason);
        inputDone = true;
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
        if (id != null) {
            ctx.stream().disconnect(id);
        }
        if (!closeSent) {
            sendClose(closeFrame(code, reason));
        }
    }

    /** The client sent a message larger than it may (1009). */
    private void failTooBig() {
        fail(CloseCodes.MESSAGE_TOO_BIG, ClientMessages.tooBig(ctx.ws().maxMessageBytes()));
    }

    /** Our last frame: once written, our side is shut and the connection ends with the client's end of stream. */
    private void sendClose(CloseWebSocketFrame frame) {
        closeSent = true;
        finishing = true;
        updateReading();
        boolean behind = !ch.isWritable();
        ch.writeAndFlush(frame).addListener((ChannelFutureListener) f -> finish());
        if (behind) {
            dropUnlessAnswered(ctx.closeTimeout());
        }
    }

    /**
     * Sends a close frame after whatever is queued. A client that does not take it within the close timeout,
     * or does not answer it within 2 s once taken, is dropped.
     */
    private void closeNow(int code, String reason) {
        if (state != State.OPEN || closeSent) {
            return;
        }
        closeSent = true;
        resume = null;
        ch.writeAndFlush(closeFrame(code, reason))
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        dropUnlessAnswered(Duration.ofMillis(CLIENT_CLOSE_WAIT_MS));
                    } else {
                        drop();
                    }
                });
        if (state == State.OPEN && !ch.isWritable()) {
            dropUnlessAnswered(ctx.closeTimeout().plusMillis(CLIENT_CLOSE_WAIT_MS));
        }
    }

    private static CloseWebSocketFrame closeFrame(int code, String reason) {
        return new CloseWebSocketFrame(code, ClientMessages.closeReason(reason));
    }

    /** Shuts our side down (the client sees the end of the stream) and drops the connection soon after. */
    private void finish() {
        if (state == State.CLOSED) {
            return;
        }
        ((DuplexChannel) ch).shutdownOutput().addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                drop();
            }
        });
        dropUnlessAnswered(Duration.ofMillis(CLIENT_CLOSE_WAIT_MS));
    }

    private void dropUnlessAnswered(Duration wait) {
        try {
            loop.schedule(this::drop, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            drop(); // shutting down
        }
    }

    // ---- the HTTP upgrade ----

    /**
     * Netty's permessage-deflate negotiation (RFC 7692): accepted when the client offers it, with the context takeover
     * it asks for; an offer of a smaller server window is declined where only the JDK's zlib is on the class path
     * (Netty needs JZlib for that), and the client then gets plain frames. Inflating stops a little past the largest
     * message a client may send ({@link #data} checks the exact limit). An offer Netty cannot parse gets a 400.
     */
    private final class Extensions extends WebSocketServerExtensionHandler {
        Extensions() {
            super(new PerMessageDeflateServerExtensionHandshaker(6, ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
                    PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, true, false,
                    ctx.ws().maxMessageBytes() + INFLATE_SLACK));
        }

        @Override
        protected void onHttpRequestChannelRead(ChannelHandlerContext c, HttpRequest request) throws Exception {
            try {
                super.onHttpRequestChannelRead(c, request);
            } catch (RuntimeException e) {
                io.netty.util.ReferenceCountUtil.release(request);
                refuse(400, "malformed Sec-WebSocket-Extensions");
            }
        }
    }

    /** Checks each request head as soon as it is read (before any body), and refuses what is not a stream upgrade. */
    private final class Heads extends ChannelInboundHandlerAdapter {
        /** Whether the request being read was accepted. */
        private boolean passing;

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (!(msg instanceof HttpObject)) {
                c.fireChannelRead(msg);
                return;
            }
            if (msg instanceof HttpRequest request) {
                passing = state == State.HANDSHAKE && !closeSent && upgrade == null && accept(request);
            }
            if (passing && state == State.HANDSHAKE && !closeSent) {
                c.fireChannelRead(msg); // the accepted upgrade (and the end of its empty body), to the aggregator
            } else {
                io.netty.util.ReferenceCountUtil.release(msg); // a refused request, its body, or what follows it
            }
        }
    }

    /** Whether the request is a stream upgrade this port accepts; if not, it has been refused. */
    private boolean accept(HttpRequest request) {
        try {
            upgrade = UpgradeRequest.check(request, ctx);
            return true;
        } catch (StreamUpgrade.Refused e) {
            refuse(e.status, e.getMessage());
            return false;
        }
    }

    /** Answers the checked upgrade with Netty's handshaker, then connects the client to the stream manager. */
    private void handshake(FullHttpRequest request) {
        StreamUpgrade checked = upgrade;
        upgrade = null;
        if (checked == null || state != State.HANDSHAKE || closeSent) {
            return;
        }
        if (request.decoderResult().isFailure()) {
            refuse(400, "malformed HTTP request");
            return;
        }
        WebSocketServerHandshaker handshaker = UpgradeRequest.handshaker(checked, ctx.ws());
        state = State.OPEN;
        connecting = true;
        updateReading();
        ch.pipeline().remove(heads);
        try {
            handshaker.handshake(ch, request).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    connect(checked);
                } else {
                    drop();
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "handshake failed", e);
            drop();
        }
    }

    /**
     * The snapshot is built off the event loop, which keeps writing to its other clients meanwhile; the client's
     * first messages go out once the manager has them, after the 101.
     */
    private void connect(StreamUpgrade checked) {
        if (state != State.OPEN) {
            return;
        }
        Thread.ofVirtual().start(() -> {
            String connected;
            try {
                connected = ctx.stream().connect(this, checked.options());
            } catch (IllegalStateException stopping) {
                return; // the manager is stopped: it closed us with 1001
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stream connect failed", e);
                onLoop(() -> fail(CloseCodes.INTERNAL_ERROR, "server error: reconnect with backoff"));
                return;
            }
            onLoop(() -> opened(connected, checked));
        });
    }

    private void opened(String connected, StreamUpgrade checked) {
        if (state == State.CLOSED || inputDone) {
            ctx.stream().disconnect(connected); // gone while the manager was connecting it
            return;
        }
        id = connected;
        connecting = false;
        updateReading();
        LOG.log(System.Logger.Level.DEBUG, () -> "client " + id + " connected from " + ch.remoteAddress());
        if (checked.token() != null) {
            lease = new TokenLease(ctx.verifier(), ctx.stream(), ctx.scheduler(), ctx.clock());
            lease.start(connected, checked.token());
        }
        ArrayDeque<WebSocketFrame> sent = early; // frames the client sent right after its upgrade
        early = null;
        if (sent != null) {
            for (WebSocketFrame f; (f = sent.poll()) != null; ) {
                try {
                    frame(f);
                } finally {
                    f.release();
                }
            }
        }
    }

    private void refuse(int status, String message) {
        LOG.log(System.Logger.Level.DEBUG, () -> "upgrade from " + ch.remoteAddress() + " refused: " + status + " "
                + message);
        FullHttpResponse response = UpgradeRequest.refusal(status, message);
        closeSent = true;
        inputDone = true;
        finishing = true;
        updateReading();
        ch.writeAndFlush(response).addListener((ChannelFutureListener) f -> finish());
    }
}
