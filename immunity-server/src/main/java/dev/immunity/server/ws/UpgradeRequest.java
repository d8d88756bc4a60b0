package dev.immunity.server.ws;

import dev.immunity.server.HostCheck;
import dev.immunity.server.ImmunityServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP side of a {@link StreamPort} connection. The checks a request passes before Netty's handshaker answers
 * it: the path, the
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
        // Netty's decoder: parameters split on & only, + and %XX decoded as UTF-8, at most 1,024 of them
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

    /**
     * Netty's RFC 6455 handshake for an accepted upgrade, with the subprotocol it selected. Its frame decoder
     * expects masked frames up to the largest client message, lets reserved bits through only with deflate on
     * (the handler refuses any a negotiated extension did not take off), and reports violations to the handler
     * instead of closing, so that it closes with the same codes as the HTTP port.
     */
    static WebSocketServerHandshaker handshaker(StreamUpgrade checked, WsSettings ws) {
        return new Handshaker(checked.selectProtocol() ? StreamEndpoint.SUBPROTOCOL : null,
                WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(ws.maxMessageBytes())
                        .expectMaskedFrames(true)
                        .allowMaskMismatch(false)
                        .allowExtensions(ws.deflate())
                        .closeOnProtocolViolation(false) // reported to exceptionCaught: the handler closes, with our codes
                        .withUTF8Validator(false)        // whole messages are checked by the handler, as on the HTTP port
                        .build());
    }

    /** The plain-text answer to a refused request; the connection closes after it. */
    static FullHttpResponse refusal(int status, String message) {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
        h.set("X-Content-Type-Options", "nosniff");
        if (status == 426) {
            h.set(HttpHeaderNames.UPGRADE, "websocket");
            h.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        h.set(HttpHeaderNames.CONNECTION, "close");
        return response;
    }

    /** A handshaker whose frame decoder leaves close frames' codes and reasons to the handler (1002 or 1007 there). */
    private static final class Handshaker extends WebSocketServerHandshaker13 {
        Handshaker(String subprotocol, WebSocketDecoderConfig config) {
            super(ImmunityServer.WS_PATH, subprotocol, config);
        }

        @Override
        protected WebSocketFrameDecoder newWebsocketDecoder() {
            return new WebSocket13FrameDecoder(decoderConfig()) {
                @Override
                protected void checkCloseFrameBody(ChannelHandlerContext c, ByteBuf buffer) {
                    // checked by the handler, with the codes the HTTP port's endpoint answers
                }
            };
        }
    }
}
