package dev.immunity.server.ws;

import dev.immunity.core.stream.ConnectOptions;
import dev.immunity.core.stream.StreamFilter;
import dev.immunity.server.auth.AuthException;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.auth.VerifiedToken;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a stream client asked for when it opened the WebSocket (filter, cursor, batching, subprotocol),
 * checked along with its token. Both transports use it, so both accept and refuse exactly the same.
 *
 * @param options        the stream options
 * @param token          the verified token, or null when auth is off
 * @param selectProtocol whether to answer with the {@link StreamEndpoint#SUBPROTOCOL} subprotocol
 */
record StreamUpgrade(ConnectOptions options, VerifiedToken token, boolean selectProtocol) {

    /** An upgrade refused with an HTTP status and a message for the client. */
    static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * @param query   every value of a query parameter (empty when absent)
     * @param offered the {@code Sec-WebSocket-Protocol} header, or ""
     * @param verifier  null when auth is off
     * @param ownership which team owns which service: {@code team=T} selects the services T owns
     */
    static StreamUpgrade check(Function<String, List<String>> query, String offered, JwtVerifier verifier,
                               dev.immunity.core.sla.Ownership ownership) throws Refused {
        VerifiedToken token = null;
        if (verifier != null) {
            Optional<String> presented = JwtVerifier.fromWebSocketProtocols(offered)
                    .or(() -> query.apply("token").stream().findFirst());
            try {
                token = verifier.verify(presented.orElse(null));
            } catch (AuthException e) {
                throw new Refused(e.reason().httpStatus(), e.getMessage());
            }
        }
        StreamFilter filter;
        try {
            List<String> services = new java.util.ArrayList<>(query.apply("service"));
            for (String team : query.apply("team")) {
                if (!ownership.knows(team.strip())) {
                    throw new Refused(400, "team: no team " + dev.immunity.core.json.WireFormat.quoted(team)
                            + " in the ownership map (immunity.ownership.file)");
                }
                services.addAll(ownership.services(team.strip()));
            }
            filter = StreamFilter.parse(query.apply("priority"), services);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
        String cursor = query.apply("cursor").stream().findFirst().orElse(null);
        boolean batch = query.apply("batch").stream().findFirst().map("ndjson"::equals).orElse(false);
        boolean selectProtocol = Arrays.stream(offered.split(",")).map(String::strip)
                .anyMatch(StreamEndpoint.SUBPROTOCOL::equals);
        return new StreamUpgrade(new ConnectOptions(cursor == null || cursor.isBlank() ? null : cursor, filter, batch),
                token, selectProtocol);
    }
}
