package dev.immunity.core.stream;

import java.io.IOException;

/**
 * The port through which the {@link StreamManager} talks to one client. Implemented by the server
 * over a WebSocket session (and by tests over anything). The manager calls {@link #send} from one
 * writer at a time per connection, so implementations need not be thread-safe for sends.
 */
public interface Connection {

    /**
     * Sends one text message, blocking until it is handed to the transport.
     *
     * @throws IOException when the connection is broken
     */
    void send(String text) throws IOException;

    /**
     * Sends a close message with a code and reason and closes. May block while an earlier send is
     * still in progress. Must be safe to call more than once.
     */
    void close(int code, String reason);

    /** Drops the connection at once, without a close handshake (used when {@link #close} cannot get through). */
    void abort();
}
