package dev.immunity.core.stream;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The port through which the {@link StreamManager} talks to one client. Implemented by the server
 * over a WebSocket session (and by tests over anything). The manager calls {@link #send} and
 * {@link #sendAll} from one writer at a time per connection, so implementations need not be
 * thread-safe for sends.
 *
 * <p>A blocking transport (the default) blocks in {@code send} while the client is behind, and the
 * manager runs each client's writer on a virtual thread of its own. A non-blocking transport names its
 * I/O thread in {@link #writer()}: the manager then writes to the client on that thread, {@code send}
 * only hands the bytes over, and {@link #writable} tells the manager when to wait.
 *
 * <p>Messages are JSON text, handed over as UTF-8 bytes. Each event is serialized once and the same
 * array goes to every client: implementations must not change it.
 */
public interface Connection {

    /**
     * Sends one text message (its UTF-8 bytes), blocking until it is handed to the transport.
     *
     * @throws IOException when the connection is broken
     */
    void send(byte[] utf8) throws IOException;

    /**
     * Sends several text messages in order, each its own message, in as few writes as the transport
     * allows (a WebSocket writes them as consecutive frames in one go). By default, one {@link #send}
     * each.
     *
     * @throws IOException when the connection is broken
     */
    default void sendAll(List<byte[]> messages) throws IOException {
        for (byte[] m : messages) {
            send(m);
        }
    }

    /**
     * Sends a close message with a code and reason and closes. May block while an earlier send is
     * still in progress. Must be safe to call more than once.
     */
    void close(int code, String reason);

    /**
     * The thread of a non-blocking transport, on which the manager then runs this client's writer; null (the
     * default) for a blocking transport, whose writer gets a virtual thread of its own.
     */
    default Executor writer() {
        return null;
    }

    /**
     * For a non-blocking transport: whether everything sent so far has gone out. When not, the manager stops
     * writing to this client (its bounded queue fills up instead of the transport's buffer) and
     * {@code resume} runs on {@link #writer()} once it has. A blocking transport is always writable.
     */
    default boolean writable(Runnable resume) {
        return true;
    }

    /** Drops the connection at once, without a close handshake (used when {@link #close} cannot get through). */
    void abort();
}
