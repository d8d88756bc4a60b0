package dev.immunity.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.stream.Envelope;

import dev.immunity.server.auth.AuthException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

/** The answers to what a client sends on the stream (see {@code docs/stream-protocol.md}), for both transports. */
final class ClientMessages {
    private ClientMessages() {
    }

    /**
     * The reply to one text message: a {@code pong} to a {@code ping}; to an {@code auth} (a renewed token),
     * {@code auth_ok} with its expiry, or an {@code error} saying why it was refused; an {@code error} to
     * anything else.
     *
     * @param lease the connection's token, or null when auth is off
     */
    static byte[] answer(String message, InstantSource clock, TokenLease lease) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(message);
        } catch (Exception e) {
            return error("malformed JSON: expected an object such as {\"type\":\"ping\"}", clock);
        }
        String type = node != null && node.path("type").isTextual() ? node.path("type").textValue() : "";
        if ("ping".equals(type)) {
            return Json.writeBytes(new Envelope("pong", clock.instant(),
                    Map.of("echo", node.path("payload").isMissingNode() ? "" : node.path("payload")), null, null));
        }
        if ("auth".equals(type)) {
            if (lease == null) {
                return error("authentication is off on this server: there is no token to renew", clock);
            }
            JsonNode token = node.path("token");
            if (!token.isTextual()) {
                return error("auth: token is required (a string)", clock);
            }
            try {
                Instant expires = lease.renew(token.textValue());
                return Json.writeBytes(new Envelope("auth_ok", clock.instant(), Map.of("expires_at", expires), null, null));
            } catch (AuthException e) {
                return error("auth: token refused (" + e.getMessage() + "); the current one stays in force", clock);
            }
        }
        return error("unknown message type: only {\"type\":\"ping\"} and {\"type\":\"auth\"} are accepted", clock);
    }

    /** The reply to a binary message. */
    static byte[] binaryRefused(InstantSource clock) {
        return error("binary messages are not accepted: send JSON text", clock);
    }

    /** The reason of a 1009 close. */
    static String tooBig(int maxMessageBytes) {
        return "message too big: at most " + maxMessageBytes + " bytes";
    }

    /**
     * A close frame's reason cut to fit a control frame (125 bytes with the 2-byte code), never in the middle of a
     * UTF-8 sequence.
     */
    static String closeReason(String reason) {
        if (reason == null) {
            return "";
        }
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        if (text.length <= 123) {
            return reason;
        }
        int n = 123;
        while (n > 0 && (text[n] & 0xC0) == 0x80) {
            n--;
        }
        return new String(text, 0, n, StandardCharsets.UTF_8);
    }

    private static byte[] error(String message, InstantSource clock) {
        return Json.writeBytes(new Envelope("error", clock.instant(), Map.of("error", message), null, null));
    }
}
