package dev.immunity.core.stream;

/**
 * The first message every client gets.
 *
 * @param connectionId               this connection's id
 * @param mode                       {@code resume} (what was missed follows) or {@code snapshot} (current state follows)
 * @param recovered                  true when the cursor was resumed, false when it could not be (see {@code reason}),
 *                                   null when no cursor was given
 * @param reason                     why a cursor could not be resumed
 * @param cursor                     the stream position the client is at once the messages before live ones are read
 * @param heartbeatIntervalSeconds   how often heartbeats come
 * @param protocol                   stream protocol version
 */
public record Hello(String connectionId, String mode, Boolean recovered, String reason, String cursor,
                    long heartbeatIntervalSeconds, int protocol) {
    static final int PROTOCOL = 1;
}
