package dev.immunity.server.ws;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.core.stream.Connection;
import dev.immunity.server.ImmunityServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client of the {@link SelectorTransport}: its HTTP upgrade, the frames it sends, and the core's
 * {@link Connection} port. Everything here runs on its loop's thread, except {@link #close} and
 * {@link #abort}, which hand themselves over to it; so nothing here needs a lock.
 */
final class SelectorConnection implements Connection {
    private static final System.Logger LOG = System.getLogger(SelectorConnection.class.getName());
    private static final int MAX_REQUEST_BYTES = 8 * 1024;
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final byte[] PING = {Frames.PING_FIN, 0};

    private enum State { HANDSHAKE, OPEN, CLOSED }

    private final SelectorTransport.IoLoop loop;
    private final SocketChannel ch;
    private final SelectorTransport.Context ctx;
    private final long startedAt = System.nanoTime();
    SelectionKey key;

    private State state = State.HANDSHAKE;
    /** When messages were last written ({@link System#nanoTime}), for the write delay. */
    private long lastWrite = startedAt;
    private long lastRead = startedAt;
    /** The upgrade request while it is incomplete. */
    private byte[] request;
    private int requestLength;
    /** An incomplete frame from the client, kept between reads (in write mode); null when there is none. */
    private ByteBuffer partial;
    /** What the socket has not taken yet, in order; null when everything went out. */
    private ArrayDeque<ByteBuffer> out;
    /** The stream manager's writer, waiting for {@link #out} to empty. */
    private Runnable resume;
    /** A fragmented message being reassembled, and its opcode (1 text, 2 binary). */
    private ByteArrayOutputStream fragments;
    private int fragmentOpcode;
    private int fragmentCount;
    /** Our close frame (or refusal) is written or queued: no more messages. */
    private boolean closeSent;
    /** Nothing more the client sends is parsed (it closed, or broke the protocol); reads are discarded. */
    private boolean inputDone;
    /** Once {@link #out} is written: shut our side down and wait briefly for the client's end of stream. */
    private boolean finishWhenFlushed;
    /** Upgraded, and the stream manager is connecting it: what the client sends waits until then. */
    private boolean connecting;
    private String id;
    private TokenLease lease;

    /** The client's address, for the per-address connection count. */
    java.net.InetAddress address;

    SelectorConnection(SelectorTransport.IoLoop loop, SocketChannel ch, SelectorTransport.Context ctx) {
        this.loop = loop;
        this.ch = ch;
        this.ctx = ctx;
    }

    // ---- the core's Connection port (called on the loop thread by the stream manager's writer) ----

    /**
     * The loop; with a write delay, the writer's next run waits until that long after its last write, so that
     * what arrives meanwhile goes out in one write.
     */
    @Override
    public Executor writer() {
        long delay = ctx.ws().writeDelay().toNanos();
        if (delay == 0) {
            return loop;
        }
        return drain -> loop.execute(() -> {
            long due = lastWrite + delay;
            if (System.nanoTime() - due >= 0) {
                drain.run();
            } else {
                loop.at(due, drain);
            }
        });
    }

    @Override
    public boolean writable(Runnable resume) {
        if (out == null) {
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
        write(ByteBuffer.wrap(Frames.text(utf8)));
    }

    @Override
    public void sendAll(List<byte[]> messages) throws IOException {
        if (state != State.OPEN || closeSent) {
            throw new IOException("connection closed");
        }
        ByteBuffer[] frames = new ByteBuffer[messages.size()];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = ByteBuffer.wrap(Frames.text(messages.get(i)));
        }
        lastWrite = System.nanoTime();
        write(frames);
    }

    @Override
    public void close(int code, String reason) {
        loop.execute(() -> closeNow(code, reason));
    }

    @Override
    public void abort() {
        loop.execute(this::drop);
    }

    // ---- events from the loop ----

    void ready(int ops) {
        if ((ops & SelectionKey.OP_WRITE) != 0 && state != State.CLOSED) {
            flush();
        }
        if ((ops & SelectionKey.OP_READ) != 0 && state != State.CLOSED) {
            read();
        }
    }

    void sweep(long now, boolean ping) {
        if (state == State.HANDSHAKE && now - startedAt > ctx.limits().headerTimeout().toNanos()) {
            drop();
        } else if (state == State.OPEN && now - lastRead > ctx.ws().idleTimeout().toNanos()) {
            LOG.log(System.Logger.Level.DEBUG, "client " + id + " idle: dropped");
            drop();
        } else if (ping && state == State.OPEN && !closeSent && out == null) {
            writeQuietly(ByteBuffer.wrap(PING)); // a client that is behind gets no ping: it has frames to read
        }
    }

    /** Closes the socket now; the stream manager forgets the client. */
    void drop() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        out = null;
        resume = null;
        partial = null;
        fragments = null;
        if (key != null) {
            key.cancel();
        }
        SelectorTransport.closeQuietly(ch);
        ctx.guard().closed(address);
        if (lease != null) {
            lease.cancel();
        }
        if (id != null) {
            ctx.stream().disconnect(id);
        }
    }

    // ---- reading ----

    private void read() {
        boolean discard = inputDone || finishWhenFlushed;
        ByteBuffer buf = discard ? null : partial;
        if (buf == null) {
            buf = loop.readBuffer;
            buf.clear();
        }
        int n;
        try {
            n = ch.read(buf);
        } catch (IOException e) {
            drop();
            return;
        }
        if (n < 0) {
            drop(); // the client went away (or finished after our close)
            return;
        }
        if (n == 0 || discard) {
            return;
        }
        buf.flip();
        if (state == State.HANDSHAKE) {
            buf = upgradeRequest(buf);
            if (buf == null) {
                return;
            }
            if (connecting) {
                partial = buf.hasRemaining() ? ByteBuffer.allocate(buf.remaining() + 4096).put(buf) : null;
                return;
            }
        }
        frames(buf);
        keepRest(buf);
    }

    /** What the selector should wait for: the socket to take what is kept, else the client's frames. */
    private void updateInterest() {
        key.interestOps(out != null ? SelectionKey.OP_WRITE : connecting ? 0 : SelectionKey.OP_READ);
    }

    /**
     * Keeps an incomplete frame for the next read. The buffer grows as bytes arrive (never to more than the
     * frame needs, which is within the message limit), so a header alone reserves little.
     */
    private void keepRest(ByteBuffer buf) {
        if (state == State.CLOSED || inputDone || !buf.hasRemaining()) {
            partial = null;
            return;
        }
        int whole = frameLength(buf);
        int room = whole > 0 ? Math.min(whole, Math.max(4096, 2 * buf.remaining())) : buf.remaining() + 256;
        if (buf == partial && buf.capacity() >= room) {
            buf.compact();
            return;
        }
        ByteBuffer kept = ByteBuffer.allocate(Math.max(room, buf.remaining() + 1));
        kept.put(buf);
        partial = kept;
    }

    /** The whole length of the frame at the buffer's position, or 0 when its header is incomplete. */
    private static int frameLength(ByteBuffer buf) {
        int p = buf.position();
        if (buf.remaining() < 2) {
            return 0;
        }
        int len = buf.get(p + 1) & 0x7f;
        if (len == 126) {
            return buf.remaining() < 4 ? 0 : 8 + (buf.getShort(p + 2) & 0xffff);
        }
        if (len == 127) {
            return buf.remaining() < 10 ? 0 : (int) Math.min(Integer.MAX_VALUE, 14 + buf.getLong(p + 2));
        }
        return 6 + len;
    }

    /** Parses every whole frame in the buffer and leaves it at the first incomplete one. */
    private void frames(ByteBuffer buf) {
        int max = ctx.ws().maxMessageBytes();
        while (state == State.OPEN && !inputDone && buf.remaining() >= 2) {
            int p = buf.position();
            int b0 = buf.get(p) & 0xff;
            int b1 = buf.get(p + 1) & 0xff;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            long length = b1 & 0x7f;
            int header = 2;
            if (length == 126) {
                if (buf.remaining() < 4) {
                    return;
                }
                length = buf.getShort(p + 2) & 0xffff;
                header = 4;
            } else if (length == 127) {
                if (buf.remaining() < 10) {
                    return;
                }
                length = buf.getLong(p + 2);
                header = 10;
            }
            if ((b0 & 0x70) != 0) {
                fail(CloseCodes.PROTOCOL_ERROR, "reserved bits set: no extension was negotiated");
                return;
            }
            if ((b1 & 0x80) == 0) {
                fail(CloseCodes.PROTOCOL_ERROR, "client frames must be masked");
                return;
            }
            boolean control = opcode >= 8;
            if (control && (!fin || length > 125)) {
                fail(CloseCodes.PROTOCOL_ERROR, "control frames must be whole and at most 125 bytes");
                return;
            }
            long held = fragments == null ? 0 : fragments.size();
            if (length < 0 || (!control && held + length > max)) {
                fail(CloseCodes.MESSAGE_TOO_BIG, ClientMessages.tooBig(max));
                return;
            }
            if (buf.remaining() < header + 4 + length) {
                return;
            }
            byte[] payload = new byte[(int) length];
            int maskAt = p + header;
            int at = maskAt + 4;
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (buf.get(at + i) ^ buf.get(maskAt + (i & 3)));
            }
            buf.position(at + payload.length);
            frame(opcode, fin, payload);
        }
    }

    private void frame(int opcode, boolean fin, byte[] payload) {
        lastRead = System.nanoTime(); // only whole frames count as activity: a frame never finished keeps nothing open
        if (closeSent && opcode != 0x8) {
            return; // we are closing: only the client's close frame matters now
        }
        switch (opcode) {
            case 0x0 -> {
                if (fragments == null) {
                    fail(CloseCodes.PROTOCOL_ERROR, "continuation frame without a message to continue");
                    return;
                }
                if (++fragmentCount > ctx.limits().maxFragments()) {
                    fragments = null;
                    fail(CloseCodes.MESSAGE_TOO_BIG, "too many fragments: at most " + ctx.limits().maxFragments()
                            + " per message");
                    return;
                }
                fragments.writeBytes(payload);
                if (fin) {
                    byte[] whole = fragments.toByteArray();
                    int op = fragmentOpcode;
                    fragments = null;
                    message(op, whole);
                }
            }
            case 0x1, 0x2 -> {
                if (fragments != null) {
                    fail(CloseCodes.PROTOCOL_ERROR, "a new message started before the last one ended");
                } else if (fin) {
                    message(opcode, payload);
                } else {
                    fragments = new ByteArrayOutputStream(Math.max(64, payload.length * 2));
                    fragments.writeBytes(payload);
                    fragmentOpcode = opcode;
                    fragmentCount = 1;
                }
            }
            case 0x8 -> clientClose(payload);
            case 0x9 -> writeQuietly(ByteBuffer.wrap(Frames.frame(Frames.PONG_FIN, payload)));
            case 0xA -> {
                // an answer to our ping: reading it already counted as activity
            }
            default -> fail(CloseCodes.PROTOCOL_ERROR, "unknown opcode " + opcode);
        }
    }

    private void message(int opcode, byte[] payload) {
        if (id == null) {
            return;
        }
        if (opcode == 0x2) {
            ctx.stream().reply(id, ClientMessages.binaryRefused(ctx.clock()));
            return;
        }
        String text = utf8(payload, 0);
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
    private void clientClose(byte[] payload) {
        inputDone = true;
        if (id != null) {
            ctx.stream().disconnect(id);
        }
        if (closeSent) {
            drop();
            return;
        }
        byte[] answer;
        int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        if (payload.length == 1 || (payload.length >= 2 && !validCloseCode(code))) {
            answer = Frames.closePayload(CloseCodes.PROTOCOL_ERROR, "invalid close frame");
        } else if (payload.length > 2 && utf8(payload, 2) == null) {
            answer = Frames.closePayload(CloseCodes.INVALID_PAYLOAD, "close reason is not UTF-8");
        } else {
            answer = payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0];
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
        if (id != null) {
            ctx.stream().disconnect(id);
        }
        if (!closeSent) {
            sendClose(Frames.closePayload(code, reason));
        }
    }

    /** Our last frame: once written, our side is shut and the connection ends with the client's end of stream. */
    private void sendClose(byte[] payload) {
        closeSent = true;
        finishWhenFlushed = true;
        writeQuietly(ByteBuffer.wrap(Frames.frame(Frames.CLOSE_FIN, payload)));
        if (out != null) {
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
        writeQuietly(ByteBuffer.wrap(Frames.frame(Frames.CLOSE_FIN, Frames.closePayload(code, reason))));
        if (state == State.CLOSED) {
            return;
        }
        if (out == null) {
            dropUnlessAnswered(Duration.ofMillis(Frames.CLIENT_CLOSE_WAIT_MS));
        } else {
            dropUnlessAnswered(ctx.closeTimeout().plusMillis(Frames.CLIENT_CLOSE_WAIT_MS));
        }
    }

    /** Shuts our side down (the client sees the end of the stream) and drops the connection soon after. */
    private void finish() {
        try {
            ch.shutdownOutput();
        } catch (IOException e) {
            drop();
            return;
        }
        dropUnlessAnswered(Duration.ofMillis(Frames.CLIENT_CLOSE_WAIT_MS));
    }

    private void dropUnlessAnswered(Duration wait) {
        try {
            ctx.scheduler().schedule(() -> loop.execute(this::drop), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            drop(); // shutting down
        }
    }

    // ---- writing ----

    private void writeQuietly(ByteBuffer... buffers) {
        try {
            write(buffers);
        } catch (IOException e) {
            drop();
        }
    }

    /**
     * Writes what the socket takes now and keeps the rest, in order, for when it is writable. While anything is
     * kept, nothing is read from the client either: a client that does not read cannot make us buffer its pongs.
     */
    private void write(ByteBuffer... buffers) throws IOException {
        if (state == State.CLOSED) {
            throw new IOException("connection closed");
        }
        if (out == null) {
            try {
                long left = 0;
                for (ByteBuffer b : buffers) {
                    left += b.remaining();
                }
                while (left > 0) {
                    long n = ch.write(buffers);
                    if (n == 0) {
                        break;
                    }
                    left -= n;
                }
                if (left == 0) {
                    if (finishWhenFlushed) {
                        finish();
                    }
                    return;
                }
            } catch (IOException e) {
                drop();
                throw e;
            }
            out = new ArrayDeque<>();
            updateInterest();
        }
        for (ByteBuffer b : buffers) {
            if (b.hasRemaining()) {
                out.addLast(b);
            }
        }
    }

    /** The socket can take more: writes what is kept, then lets the stream manager's writer go on. */
    private void flush() {
        ByteBuffer[] batch = new ByteBuffer[Math.min(out == null ? 0 : out.size(), 256)];
        try {
            while (out != null && !out.isEmpty()) {
                int n = 0;
                for (var it = out.iterator(); it.hasNext() && n < batch.length; ) {
                    batch[n++] = it.next();
                }
                if (ch.write(batch, 0, n) == 0) {
                    break;
                }
                while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                    out.pollFirst();
                }
            }
        } catch (IOException e) {
            drop();
            return;
        }
        if (out == null || !out.isEmpty()) {
            return;
        }
        out = null;
        updateInterest();
        if (finishWhenFlushed) {
            finish();
            return;
        }
        Runnable r = resume;
        resume = null;
        if (r != null) {
            r.run();
        }
    }

    // ---- the HTTP upgrade ----

    /** Collects the upgrade request; once whole, answers it and returns what followed it (frames), else null. */
    private ByteBuffer upgradeRequest(ByteBuffer buf) {
        int n = buf.remaining();
        if (request == null) {
            request = new byte[Math.max(1024, n)];
        } else if (requestLength + n > request.length) {
            request = java.util.Arrays.copyOf(request, Math.max(request.length * 2, requestLength + n));
        }
        buf.get(request, requestLength, n);
        int from = Math.max(0, requestLength - 3);
        requestLength += n;
        int end = -1;
        for (int i = from; i + 3 < requestLength; i++) {
            if (request[i] == '\r' && request[i + 1] == '\n' && request[i + 2] == '\r' && request[i + 3] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0 ? requestLength > MAX_REQUEST_BYTES : end > MAX_REQUEST_BYTES) {
            request = null;
            refuse(431, "request header too large");
            return null;
        }
        if (end < 0) {
            return null;
        }
        String head = new String(request, 0, end, StandardCharsets.ISO_8859_1);
        ByteBuffer rest = ByteBuffer.wrap(java.util.Arrays.copyOfRange(request, end + 4, requestLength));
        request = null;
        upgrade(head);
        return state == State.OPEN && !inputDone ? rest : null;
    }

    private void upgrade(String head) {
        String[] lines = head.split("\r\n");
        String[] line = lines[0].split(" ");
        if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
            refuse(400, "malformed HTTP request");
            return;
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip(), (a, b) -> a + ", " + b);
            }
        }
        String target = line[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        if (!path.equals(ImmunityServer.WS_PATH)) {
            refuse(404, "no such endpoint: this port serves only " + ImmunityServer.WS_PATH);
            return;
        }
        if (!line[0].equals("GET")) {
            refuse(405, "the stream is opened with GET and a WebSocket upgrade");
            return;
        }
        if (!"websocket".equalsIgnoreCase(headers.getOrDefault("upgrade", ""))
                || !headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")) {
            refuse(426, "this port serves only the WebSocket stream: send a WebSocket upgrade");
            return;
        }
        if (!"13".equals(headers.get("sec-websocket-version"))) {
            refuse(426, "WebSocket version 13 is required");
            return;
        }
        String key = headers.get("sec-websocket-key");
        if (key == null || !isNonce(key)) {
            refuse(400, "Sec-WebSocket-Key is missing or malformed");
            return;
        }
        if (!ctx.hostCheck().allows(headers.get("host"))) {
            refuse(421, dev.immunity.server.HostCheck.refusal());
            return;
        }
        if (!ctx.originCheck().allows(headers.get("origin"), headers.get("host"), ctx.mainPort().getAsInt())) {
            refuse(403, "origin not allowed");
            return;
        }
        Map<String, List<String>> query;
        try {
            query = query(q < 0 ? "" : target.substring(q + 1));
        } catch (IllegalArgumentException e) {
            refuse(400, "malformed query string");
            return;
        }
        StreamUpgrade upgrade;
        try {
            upgrade = StreamUpgrade.check(name -> query.getOrDefault(name, List.of()),
                    headers.getOrDefault("sec-websocket-protocol", ""), ctx.verifier(), ctx.stream().sla().ownership());
        } catch (StreamUpgrade.Refused e) {
            refuse(e.status, e.getMessage());
            return;
        }
        String response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n"
                + (upgrade.selectProtocol() ? "Sec-WebSocket-Protocol: " + StreamEndpoint.SUBPROTOCOL + "\r\n" : "")
                + "\r\n";
        state = State.OPEN;
        connecting = true;
        writeQuietly(ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII)));
        if (state != State.OPEN) {
            return;
        }
        updateInterest();
        // The snapshot is built off this loop, which keeps writing to its other clients meanwhile; the client's
        // first messages go out here, after the 101, once the manager has them.
        Thread.ofVirtual().start(() -> {
            String connected;
            try {
                connected = ctx.stream().connect(this, upgrade.options());
            } catch (IllegalStateException stopping) {
                return; // the manager is stopped: it closed us with 1001
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stream connect failed", e);
                loop.execute(() -> fail(CloseCodes.INTERNAL_ERROR, "server error: reconnect with backoff"));
                return;
            }
            loop.execute(() -> opened(connected, upgrade));
        });
    }

    private void opened(String connected, StreamUpgrade upgrade) {
        if (state == State.CLOSED || inputDone) {
            ctx.stream().disconnect(connected); // gone while the manager was connecting it
            return;
        }
        id = connected;
        connecting = false;
        updateInterest();
        LOG.log(System.Logger.Level.DEBUG, () -> "client " + id + " connected from " + remote());
        if (upgrade.token() != null) {
            lease = new TokenLease(ctx.verifier(), ctx.stream(), ctx.scheduler(), ctx.clock());
            lease.start(connected, upgrade.token());
        }
        ByteBuffer early = partial;
        if (early != null) { // frames the client sent right after its upgrade
            partial = null;
            early.flip();
            frames(early);
            keepRest(early);
        }
    }

    private void refuse(int status, String message) {
        LOG.log(System.Logger.Level.DEBUG, () -> "upgrade from " + remote() + " refused: " + status + " " + message);
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reasonPhrase(status) + "\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\nX-Content-Type-Options: nosniff\r\n"
                + (status == 426 ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" : "")
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        closeSent = true;
        inputDone = true;
        finishWhenFlushed = true;
        writeQuietly(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(body));
    }

    private String remote() {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "a closed socket";
        }
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 426 -> "Upgrade Required";
            case 431 -> "Request Header Fields Too Large";
            default -> "Error";
        };
    }

    private static boolean isNonce(String key) {
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> params = new HashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return params;
    }
}
