package dev.immunity.core.stream;

/** WebSocket close codes the stream uses; {@code docs/stream-protocol.md} says what a client does on each. */
public final class CloseCodes {
    /** Normal closure. */
    public static final int NORMAL = 1000;
    /** The server is shutting down: reconnect (with backoff) and resume with your cursor. */
    public static final int GOING_AWAY = 1001;
    /** The client broke the WebSocket protocol (an unmasked frame, say): a client bug, not retried as is. */
    public static final int PROTOCOL_ERROR = 1002;
    /** The client sent a text message that is not UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** Policy violation: bad or expired token, or a refused origin. Get a new token before reconnecting. */
    public static final int POLICY_VIOLATION = 1008;
    /** The client sent a message larger than the server accepts. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The server hit an unexpected error: reconnect with backoff and resume. */
    public static final int INTERNAL_ERROR = 1011;
    /** The client read too slowly and its queue overflowed: reconnect at once and resume with your cursor. */
    public static final int TOO_SLOW = 4001;

    private CloseCodes() {
    }
}
