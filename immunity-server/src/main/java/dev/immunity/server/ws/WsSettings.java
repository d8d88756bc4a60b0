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
 * @param transport        on the stream port: the I/O transport
 * @param deflate          on the stream port: accept permessage-deflate (RFC 7692) from clients that offer it
 */
public record WsSettings(List<String> allowedOrigins, int maxMessageBytes, Duration pingInterval,
                         Duration idleTimeout, Duration writeDelay, IoTransport transport, boolean deflate) {
    /** The stream port's I/O transport. */
    public enum IoTransport {
        /** epoll where Netty's native transport loads (Linux), else NIO. */
        AUTO,
        /** Linux epoll, native; fails at start where it does not load. */
        EPOLL,
        /** Linux io_uring (kernel 5.14 or later), native; fails at start where the kernel or sandbox refuses it. */
        IO_URING,
        /** The JDK's NIO selector: everywhere. */
        NIO;

        /** From a configuration value: auto, epoll, io_uring (or io-uring) or nio. */
        public static IoTransport parse(String value) {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    public WsSettings {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** With no write delay, the automatic transport and no compression. */
    public WsSettings(List<String> allowedOrigins, int maxMessageBytes, Duration pingInterval, Duration idleTimeout) {
        this(allowedOrigins, maxMessageBytes, pingInterval, idleTimeout, Duration.ZERO, IoTransport.AUTO, false);
    }

    public WsSettings withWriteDelay(Duration delay) {
        return new WsSettings(allowedOrigins, maxMessageBytes, pingInterval, idleTimeout, delay, transport, deflate);
    }

    public WsSettings withTransport(IoTransport t) {
        return new WsSettings(allowedOrigins, maxMessageBytes, pingInterval, idleTimeout, writeDelay, t, deflate);
    }

    public WsSettings withDeflate(boolean on) {
        return new WsSettings(allowedOrigins, maxMessageBytes, pingInterval, idleTimeout, writeDelay, transport, on);
    }

    public static WsSettings defaults() {
        return new WsSettings(List.of(), 64 * 1024, Duration.ofSeconds(20), Duration.ofMinutes(5));
    }
}
