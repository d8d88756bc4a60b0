package dev.immunity.server.ws;

import dev.immunity.core.stream.Connection;
import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.websocket.WsSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The core's {@link Connection} port over a Helidon WebSocket session: Helidon frames every message, ping, pong
 * and close. Every frame this server sends on the connection goes through {@link #lock}, so frames never
 * interleave; the one frame Helidon writes by itself, its answer to a client's close, follows
 * {@link #clientClosed}.
 */
final class WsConnection implements Connection {
    /** How long a client has to answer the server's close frame (on either port) before it is dropped. */
    static final long CLIENT_CLOSE_WAIT_MS = 2_000;

    private final WsSession session;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private volatile boolean clientClosed;

    WsConnection(WsSession session) {
        this.session = session;
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
            for (byte[] m : messages) {
                session.send(new String(m, StandardCharsets.UTF_8), true);
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
        control(() -> session.ping(BufferData.empty()));
    }

    /** Answers a client's ping with its payload (at most 125 bytes, as for every control frame). */
    void pong(BufferData payload) {
        control(() -> session.pong(payload));
    }

    private void control(Runnable frame) {
        lock.lock();
        try {
            if (!closed) {
                frame.run();
            }
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
            session.close(code, ClientMessages.closeReason(reason));
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
            Thread.sleep(CLIENT_CLOSE_WAIT_MS);
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
            if (lock.tryLock(CLIENT_CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
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
