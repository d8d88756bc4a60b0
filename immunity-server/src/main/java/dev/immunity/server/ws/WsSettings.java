package dev.immunity.server.ws;

import java.time.Duration;
import java.util.List;

/**
 * WebSocket endpoint settings.
 *
 * @param allowedOrigins   origins allowed besides the server's own, exactly as browsers send them ({@code https://ops.example.com})
 * @param maxMessageBytes  largest message a client may send (reassembled fragments included); larger closes with 1009
 * @param pingInterval     how often the server pings each client, so listen-only clients stay connected
 * @param idleTimeout      a connection with no frame from the client for this long is dropped (the client's
 *                         pongs count, so only dead or stalled clients are)
 * @param writeDelay       on the stream port: after a write to a client, how long its next write waits, so that
 *                         messages arriving meanwhile go out together (fewer system calls under load, each message
 *                         at most this much later); zero writes at once
 */
public record WsSettings(List<String> allowedOrigins, int maxMessageBytes, Duration pingInterval,
                         Duration idleTimeout, Duration writeDelay) {
    public WsSettings {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** With no write delay. */
    public WsSettings(List<String> allowedOrigins, int maxMessageBytes, Duration pingInterval, Duration idleTimeout) {
        this(allowedOrigins, maxMessageBytes, pingInterval, idleTimeout, Duration.ZERO);
    }

    public static WsSettings defaults() {
        return new WsSettings(List.of(), 64 * 1024, Duration.ofSeconds(20), Duration.ofMinutes(5));
    }
}
