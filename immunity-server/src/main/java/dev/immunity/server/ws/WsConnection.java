package dev.immunity.server.ws;

import dev.immunity.core.stream.Connection;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.websocket.WsSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The core's {@link Connection} port over a Helidon WebSocket session.
 *
 * <p>Text messages are written as WebSocket frames straight to the connection's socket writer. Each
 * message is framed once (a 2–10 byte header and the event's UTF-8 bytes) and the frame is shared by
 * every client, and all queued messages go out in one write. {@code WsSession.send(String)} would
 * encode and copy each message for each client and make one write per frame. Every frame this server
 * sends on the connection — messages, pings, pongs and the close — goes through {@link #lock}, so
 * frames never interleave; the one frame Helidon writes by itself, its answer to a client's close,
 * follows {@link #clientClosed}.
 */
final class WsConnection implements Connection {

    private final WsSession session;
    /** The socket writer, or null when Helidon does not expose it (then every send goes through the session). */
    private final DataWriter writer;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private volatile boolean clientClosed;

    WsConnection(WsSession session) {
        this.session = session;
        this.writer = session.socketContext() instanceof ConnectionContext ctx ? ctx.dataWriter() : null;
    }

    @Override
    public void send(byte[] utf8) throws IOException {
        sendAll(List.of(utf8));
    }

    @Override
    public void sendAll(List<byte[]> messages) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("connection closed");
            }
            if (writer == null) {
                for (byte[] m : messages) {
                    session.send(new String(m, StandardCharsets.UTF_8), true);
                }
                return;
            }
            if (messages.size() == 1) {
                writer.writeNow(BufferData.create(Frames.text(messages.getFirst())));
            } else {
                BufferData[] frames = new BufferData[messages.size()];
                for (int i = 0; i < frames.length; i++) {
                    frames[i] = BufferData.create(Frames.text(messages.get(i)));
                }
                writer.writeNow(frames);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw new IOException("send failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** A WebSocket ping with no payload; keeps listen-only clients within the idle timeout. */
    void ping() {
        control(Frames.PING_FIN, new byte[0]);
    }

    /** Answers a client's ping with its payload (at most 125 bytes, as for every control frame). */
    void pong(BufferData payload) {
        byte[] bytes = new byte[payload.available()];
        payload.read(bytes);
        control(Frames.PONG_FIN, bytes);
    }

    private void control(byte opcode, byte[] payload) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (writer == null) {
                if (opcode == Frames.PING_FIN) {
                    session.ping(BufferData.create(payload));
                } else {
                    session.pong(BufferData.create(payload));
                }
                return;
            }
            writer.writeNow(BufferData.create(Frames.frame(opcode, payload)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close(int code, String reason) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            session.close(code, reason);
            Thread.ofVirtual().start(this::dropUnlessClientCloses);
        } catch (RuntimeException e) {
            abort();
        } finally {
            lock.unlock();
        }
    }

    /** A client that does not answer our close frame in time (it may not be reading at all) is dropped. */
    private void dropUnlessClientCloses() {
        try {
            Thread.sleep(Frames.CLIENT_CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            return;
        }
        if (!clientClosed) {
            abort();
        }
    }

    /**
     * The client closed (or vanished): nothing more is written, and a write under way is given a
     * moment to finish so that Helidon's answering close frame does not land inside it.
     */
    void clientClosed() {
        clientClosed = true;
        closed = true;
        try {
            if (lock.tryLock(Frames.CLIENT_CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drops the connection: stops its reader, which closes the socket and fails a write that is blocked. */
    @Override
    public void abort() {
        closed = true;
        try {
            if (session instanceof ServerConnection connection) {
                connection.close(true);
            } else {
                session.terminate();
            }
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    boolean isClosed() {
        return closed;
    }
}
