package dev.immunity.server.ws;

import dev.immunity.server.HostCheck;
import dev.immunity.server.ImmunityServer;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The checks a request to the {@link StreamPort} passes before Netty's handshaker answers it: the path, the
 * method, a WebSocket version 13 upgrade with a well-formed key, the host and origin, and then what
 * {@link StreamUpgrade} checks on both ports (query parameters, subprotocol, token). Netty's HTTP codec has
 * parsed the request and its {@link QueryStringDecoder} the query.
 */
final class UpgradeRequest {
    private UpgradeRequest() {
    }

    /** The accepted upgrade, or why it is refused (an HTTP status and a plain-text reason). */
    static StreamUpgrade check(HttpRequest request, StreamPort.Context ctx) throws StreamUpgrade.Refused {
        if (request.decoderResult().isFailure()) {
            throw request.decoderResult().cause() instanceof TooLongFrameException
                    ? new StreamUpgrade.Refused(431, "request header too large")
                    : new StreamUpgrade.Refused(400, "malformed HTTP request");
        }
        HttpHeaders headers = request.headers();
        // parameters split on & only (as on the HTTP port), + and %XX decoded as UTF-8
        QueryStringDecoder target = QueryStringDecoder.builder().charset(StandardCharsets.UTF_8)
                .semicolonIsNormalChar(true).build(request.uri());
        if (!target.rawPath().equals(ImmunityServer.WS_PATH)) {
            throw new StreamUpgrade.Refused(404, "no such endpoint: this port serves only " + ImmunityServer.WS_PATH);
        }
        if (!request.method().equals(HttpMethod.GET)) {
            throw new StreamUpgrade.Refused(405, "the stream is opened with GET and a WebSocket upgrade");
        }
        if (!"websocket".equalsIgnoreCase(header(headers, HttpHeaderNames.UPGRADE))
                || !header(headers, HttpHeaderNames.CONNECTION).toLowerCase(Locale.ROOT).contains("upgrade")) {
            throw new StreamUpgrade.Refused(426, "this port serves only the WebSocket stream: send a WebSocket upgrade");
        }
        if (!"13".equals(header(headers, HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            throw new StreamUpgrade.Refused(426, "WebSocket version 13 is required");
        }
        String key = headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY).size() != 1 || !isNonce(key)) {
            throw new StreamUpgrade.Refused(400, "Sec-WebSocket-Key is missing or malformed");
        }
        String host = headers.contains(HttpHeaderNames.HOST) ? header(headers, HttpHeaderNames.HOST) : null;
        if (!ctx.hostCheck().allows(host)) {
            throw new StreamUpgrade.Refused(421, HostCheck.refusal());
        }
        String origin = headers.contains(HttpHeaderNames.ORIGIN) ? header(headers, HttpHeaderNames.ORIGIN) : null;
        if (!ctx.originCheck().allows(origin, host, ctx.mainPort().getAsInt())) {
            throw new StreamUpgrade.Refused(403, "origin not allowed");
        }
        Map<String, List<String>> query;
        try {
            query = target.parameters();
        } catch (IllegalArgumentException e) {
            throw new StreamUpgrade.Refused(400, "malformed query string");
        }
        return StreamUpgrade.check(name -> query.getOrDefault(name, List.of()),
                header(headers, HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL), ctx.verifier(), ctx.stream().sla().ownership());
    }

    /** Every value of a header, joined as one (as a repeated header means); "" when there is none. */
    private static String header(HttpHeaders headers, CharSequence name) {
        List<String> all = headers.getAll(name);
        return all.isEmpty() ? "" : String.join(", ", all);
    }

    /** RFC 6455 4.1: the key is a base64-encoded 16-byte nonce. */
    private static boolean isNonce(String key) {
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
