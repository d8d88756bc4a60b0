package dev.immunity.server.ws;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.core.stream.ConnectOptions;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.auth.VerifiedToken;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpException;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;

import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code /ws/adaptive-immunity}: one instance per connection. Checks the origin and the token at the
 * upgrade, hands the connection to the {@link StreamManager}, answers client pings and {@code ping}
 * messages, caps what a client may send, and closes with 1008 when the token expires unless the client
 * renews it in-band ({@link TokenLease}).
 * See {@code docs/stream-protocol.md}.
 */
public final class StreamEndpoint implements WsListener {
    /** The subprotocol the server selects when a client offers it. */
    public static final String SUBPROTOCOL = "immunity.v1";
    private static final System.Logger LOG = System.getLogger(StreamEndpoint.class.getName());
    private static final HeaderName PROTOCOL = HeaderNames.create("Sec-WebSocket-Protocol");

    private final StreamManager stream;
    private final WsSettings settings;
    private final JwtVerifier verifier;
    private final ScheduledExecutorService scheduler;
    private final Set<StreamEndpoint> open;
    private final InstantSource clock;
    private final dev.immunity.server.OriginCheck origins;
    /** WebSocket sessions per client address, when {@code immunity.http.max-connections-per-ip} is set; else null. */
    private final ConnectionGuard perAddress;
    /** RFC 6455 §7.4.1: try again later. */
    private static final int TRY_AGAIN_LATER = 1013;
    private final java.util.function.IntSupplier httpPort;

    private ConnectOptions options = ConnectOptions.fresh();
    private VerifiedToken token;
    private volatile String connectionId;
    private volatile WsConnection connection;
    private volatile TokenLease lease;
    private volatile java.net.InetAddress address;
    private StringBuilder partial;

    /**
     * @param verifier null when auth is off
     * @param open     the set of open endpoints, for server pings
     */
    public StreamEndpoint(StreamManager stream, WsSettings settings, JwtVerifier verifier,
                          ScheduledExecutorService scheduler, Set<StreamEndpoint> open, InstantSource clock,
                          dev.immunity.server.OriginCheck origins, java.util.function.IntSupplier httpPort,
                          ConnectionGuard perAddress) {
        this.perAddress = perAddress;
        this.origins = origins;
        this.httpPort = httpPort;
        this.stream = stream;
        this.settings = settings;
        this.verifier = verifier;
        this.scheduler = scheduler;
        this.open = open;
        this.clock = clock;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        if (!origins.allows(headers.first(HeaderNames.ORIGIN).orElse(null), headers.first(HeaderNames.HOST).orElse(null),
                httpPort.getAsInt())) {
            throw new HttpException("origin not allowed", Status.FORBIDDEN_403, true);
        }
        UriQuery query = prologue.query();
        StreamUpgrade upgrade;
        try {
            upgrade = StreamUpgrade.check(name -> all(query, name), headers.first(PROTOCOL).orElse(""), verifier,
                    stream.sla().ownership());
        } catch (StreamUpgrade.Refused e) {
            throw new HttpException(e.getMessage(), Status.create(e.status), true);
        }
        options = upgrade.options();
        token = upgrade.token();
        if (upgrade.selectProtocol()) {
            WritableHeaders<?> response = WritableHeaders.create();
            response.set(PROTOCOL, SUBPROTOCOL);
            return Optional.of(response);
        }
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        if (perAddress != null) {
            java.net.InetAddress ip = session.socketContext().remotePeer().address() instanceof java.net.InetSocketAddress a
                    ? a.getAddress() : null;
            if (ip != null && !perAddress.tryOpen(ip)) {
                session.close(TRY_AGAIN_LATER, "too many connections from your address (immunity.http.max-connections-per-ip)");
                return;
            }
            address = ip;
        }
        connection = new WsConnection(session);
        open.add(this);
        connectionId = stream.connect(connection, options);
        if (token != null) {
            TokenLease l = new TokenLease(verifier, stream, scheduler, clock);
            l.start(connectionId, token);
            lease = l;
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (connectionId == null) {
            return;
        }
        int held = partial == null ? 0 : partial.length();
        if (held + text.length() > settings.maxMessageBytes()) {
            partial = null;
            stream.close(connectionId, CloseCodes.MESSAGE_TOO_BIG, ClientMessages.tooBig(settings.maxMessageBytes()));
            return;
        }
        if (!last) {
            if (partial == null) {
                partial = new StringBuilder();
            }
            partial.append(text);
            return;
        }
        String message = partial == null ? text : partial.append(text).toString();
        partial = null;
        stream.reply(connectionId, ClientMessages.answer(message, clock, lease));
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        if (connectionId != null) {
            stream.reply(connectionId, ClientMessages.binaryRefused(clock));
        }
    }

    @Override
    public void onPing(WsSession session, BufferData buffer) {
        WsConnection c = connection;
        if (c != null) {
            c.pong(buffer);
        } else {
            session.pong(buffer);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        gone();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        LOG.log(System.Logger.Level.DEBUG, "WebSocket error", t);
        gone();
    }

    /** Sends a WebSocket ping (keeps listen-only clients within the idle timeout). */
    void ping() {
        WsConnection c = connection;
        if (c != null && c.isClosed()) {
            open.remove(this); // closed by the server, and possibly dropped without Helidon telling us
            return;
        }
        if (c != null) {
            try {
                c.ping();
            } catch (RuntimeException e) {
                // Helidon reports an abruptly vanished peer by failing writes, not by onClose.
                LOG.log(System.Logger.Level.DEBUG, "ping failed: client gone", e);
                gone();
            }
        }
    }

    /** Closes this client (server shutdown). */
    void closeGoingAway() {
        String id = connectionId;
        if (id != null) {
            stream.close(id, CloseCodes.GOING_AWAY, "server shutting down: reconnect and resume");
        }
    }

    private void gone() {
        java.net.InetAddress ip = address;
        address = null;
        if (ip != null) {
            perAddress.closed(ip);
        }
        open.remove(this);
        WsConnection c = connection;
        if (c != null) {
            c.clientClosed();
        }
        TokenLease l = lease;
        if (l != null) {
            l.cancel();
        }
        String id = connectionId;
        if (id != null) {
            stream.disconnect(id);
        }
    }

    private static List<String> all(UriQuery query, String name) {
        return query.contains(name) ? query.all(name) : List.of();
    }
}
