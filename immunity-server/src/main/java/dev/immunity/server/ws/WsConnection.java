package dev.immunity.server.ws;

import dev.immunity.core.stream.Connection;
import io.helidon.websocket.WsSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/** The core's {@link Connection} port over a Helidon WebSocket session. */
final class WsConnection implements Connection {
    private final WsSession session;
    private final AtomicBoolean closed = new AtomicBoolean();

    WsConnection(WsSession session) {
        this.session = session;
    }

    @Override
    public void send(String text) throws IOException {
        if (closed.get()) {
            throw new IOException("connection closed");
        }
        try {
            session.send(text, true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw new IOException("send failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close(int code, String reason) {
        if (closed.compareAndSet(false, true)) {
            try {
                session.close(code, reason);
            } catch (RuntimeException e) {
                abort();
            }
        }
    }

    @Override
    public void abort() {
        closed.set(true);
        try {
            session.terminate();
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    WsSession session() {
        return session;
    }
}
