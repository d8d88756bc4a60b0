package dev.immunity.server.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.immunity.server.auth.AuthException.Reason;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies JWT bearer tokens (compact JWS, RFC 7515/7519) against {@link AuthSettings}, with the JDK's
 * own crypto. Thread-safe; create one per settings and share it.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>at most {@value #MAX_TOKEN_LENGTH} characters, exactly three base64url parts; padding ({@code =})
 *       and any character outside the base64url alphabet are refused (RFC 7515 §2);</li>
 *   <li>the header is a UTF-8 JSON object whose {@code alg} equals the pinned algorithm exactly (so
 *       {@code none}, {@code hs256}, or {@code HS256} when {@code RS256} is pinned, are refused)
 *       <em>before</em> any signature check; a {@code crit} header is refused;</li>
 *   <li>the signature verifies: HMAC-SHA256 compared in constant time, RSASSA-PKCS1-v1_5 SHA-256,
 *       or ECDSA P-256 SHA-256 in the 64-byte JOSE {@code R||S} form (not DER);</li>
 *   <li>the payload is a UTF-8 JSON object without duplicate names; {@code exp} is required and
 *       {@code now < exp + skew}; {@code nbf} and {@code iat}, if present, are {@code <= now + skew};
 *       NumericDates may be fractional;</li>
 *   <li>{@code iss} equals the configured issuer, and {@code aud} (string or array) contains the configured
 *       audience, when those are configured.</li>
 * </ol>
 * Scopes are not enforced here: check {@link VerifiedToken#requireScope}.
 */
public final class JwtVerifier {

    /** Longest token accepted, in characters. */
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** The WebSocket subprotocol the server selects; see {@link #fromWebSocketProtocols}. */
    public static final String WEBSOCKET_PROTOCOL = "immunity.v1";

    private static final String BEARER = "Bearer ";
    private static final String WS_BEARER = "bearer.";
    /** Clamp NumericDates to 9999-12-31T23:59:59Z either way, so skew arithmetic cannot overflow. */
    private static final BigDecimal MAX_DATE = BigDecimal.valueOf(253_402_300_799L);
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final AuthSettings settings;
    private final InstantSource clock;
    private final String algorithm;
    private final SecretKeySpec hmacKey;
    private final PublicKey publicKey;

    /**
     * @param settings enabled settings (their algorithm and key are pinned)
     * @param clock    source of "now" for {@code exp}/{@code nbf}/{@code iat}
     * @throws IllegalArgumentException if the settings are disabled
     */
    public JwtVerifier(AuthSettings settings, InstantSource clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!settings.enabled()) {
            throw new IllegalArgumentException("authentication is disabled (immunity.auth.enabled=false): nothing to verify");
        }
        this.algorithm = settings.algorithm();
        this.hmacKey = settings.hs256Secret() == null ? null
                : new SecretKeySpec(settings.hs256Secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.publicKey = settings.publicKey();
    }

    /**
     * Verifies a compact JWS and returns its claims.
     *
     * @param token the token without any {@code Bearer } prefix; {@code null} or blank means missing
     * @throws AuthException with a client-safe message and the {@link Reason} it was refused for
     */
    public VerifiedToken verify(String token) throws AuthException {
        if (token == null || token.isBlank()) {
            throw new AuthException(Reason.MISSING, "missing bearer token");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw malformed("token too large");
        }
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
            throw malformed("token must have three parts");
        }
        String headerPart = token.substring(0, dot1);
        String payloadPart = token.substring(dot1 + 1, dot2);
        String signaturePart = token.substring(dot2 + 1);

        JsonNode header = parseObject(headerPart, "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !alg.textValue().equals(algorithm)) {
            throw new AuthException(Reason.ALGORITHM, "token algorithm not accepted");
        }
        if (header.has("crit")) {
            throw malformed("unsupported critical header");
        }
        byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
        if (!signatureValid(signingInput, decode(signaturePart))) {
            throw new AuthException(Reason.BAD_SIGNATURE, "invalid token signature");
        }

        JsonNode claims = parseObject(payloadPart, "payload");
        Instant now = clock.instant();
        Duration skew = settings.clockSkew();
        Instant exp = numericDate(claims, "exp");
        if (exp == null) {
            throw malformed("token has no exp claim");
        }
        if (!now.isBefore(exp.plus(skew))) {
            throw new AuthException(Reason.EXPIRED, "token expired");
        }
        Instant nbf = numericDate(claims, "nbf");
        Instant iat = numericDate(claims, "iat");
        Instant latest = now.plus(skew);
        if ((nbf != null && nbf.isAfter(latest)) || (iat != null && iat.isAfter(latest))) {
            throw new AuthException(Reason.NOT_YET_VALID, "token not yet valid");
        }
        if (settings.issuer() != null && !settings.issuer().equals(text(claims, "iss"))) {
            throw new AuthException(Reason.ISSUER, "token issuer not accepted");
        }
        if (settings.audience() != null && !audienceMatches(claims.get("aud"), settings.audience())) {
            throw new AuthException(Reason.AUDIENCE, "token audience not accepted");
        }
        Set<String> scopes = new LinkedHashSet<>();
        addScopes(claims.get("scope"), false, scopes);
        addScopes(claims.get("scp"), true, scopes);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) toJava(claims);
        return new VerifiedToken(text(claims, "sub"), exp, scopes, map);
    }

    /**
     * The token of an {@code Authorization: Bearer <token>} header value; the scheme is matched
     * case-insensitively and surrounding whitespace is ignored.
     *
     * @return the token, or empty for {@code null}, another scheme, or no token
     */
    public static Optional<String> bearer(String authorizationHeaderValue) {
        if (authorizationHeaderValue == null) {
            return Optional.empty();
        }
        String value = authorizationHeaderValue.strip();
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        String token = value.substring(BEARER.length()).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    /**
     * The token a browser WebSocket client passes in {@code Sec-WebSocket-Protocol}, since browsers cannot
     * set an {@code Authorization} header on a WebSocket handshake.
     *
     * <p>Convention: the client offers two subprotocols, {@code immunity.v1, bearer.<jwt>} (e.g.
     * {@code new WebSocket(url, ["immunity.v1", "bearer." + jwt])}; a JWT's characters are all valid in a
     * subprotocol token). The server verifies the token and selects {@value #WEBSOCKET_PROTOCOL} in its
     * response, never echoing the {@code bearer.} entry.
     *
     * @param secWebSocketProtocolHeader the comma-separated header value (join repeated headers with
     *                                   {@code ","}); entries are trimmed, the {@code bearer.} prefix is
     *                                   matched case-insensitively
     * @return the token of the first non-empty {@code bearer.} entry, or empty
     */
    public static Optional<String> fromWebSocketProtocols(String secWebSocketProtocolHeader) {
        if (secWebSocketProtocolHeader == null) {
            return Optional.empty();
        }
        for (String entry : secWebSocketProtocolHeader.split(",")) {
            String protocol = entry.strip();
            if (protocol.length() > WS_BEARER.length()
                    && protocol.regionMatches(true, 0, WS_BEARER, 0, WS_BEARER.length())) {
                return Optional.of(protocol.substring(WS_BEARER.length()));
            }
        }
        return Optional.empty();
    }

    private boolean signatureValid(byte[] input, byte[] signature) {
        try {
            switch (algorithm) {
                case "HS256" -> {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(hmacKey);
                    return MessageDigest.isEqual(mac.doFinal(input), signature);
                }
                case "RS256" -> {
                    return verifySignature("SHA256withRSA", input, signature);
                }
                case "ES256" -> {
                    return signature.length == 64 && verifySignature("SHA256withECDSAinP1363Format", input, signature);
                }
                default -> throw new IllegalStateException("unsupported algorithm " + algorithm);
            }
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private boolean verifySignature(String jca, byte[] input, byte[] signature) throws GeneralSecurityException {
        Signature verifier = Signature.getInstance(jca);
        verifier.initVerify(publicKey);
        verifier.update(input);
        return verifier.verify(signature);
    }

    private static JsonNode parseObject(String part, String what) throws AuthException {
        JsonNode node;
        try {
            String json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(decode(part))).toString();
            node = MAPPER.readTree(json);
        } catch (CharacterCodingException e) {
            throw malformed("token " + what + " is not UTF-8");
        } catch (IOException e) {
            throw malformed("token " + what + " is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw malformed("token " + what + " is not a JSON object");
        }
        return node;
    }

    /** Strict base64url without padding. */
    private static byte[] decode(String part) throws AuthException {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                throw malformed("token is not base64url");
            }
        }
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw malformed("token is not base64url");
        }
    }

    private static Instant numericDate(JsonNode claims, String name) throws AuthException {
        JsonNode node = claims.get(name);
        if (node == null) {
            return null;
        }
        try {
            if (node.isNumber()) {
                BigDecimal value = node.decimalValue().max(MAX_DATE.negate()).min(MAX_DATE);
                BigDecimal seconds = value.setScale(0, RoundingMode.FLOOR);
                long nanos = value.subtract(seconds).movePointRight(9).setScale(0, RoundingMode.FLOOR).longValue();
                return Instant.ofEpochSecond(seconds.longValueExact(), nanos);
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // falls through: not a usable number (e.g. infinite)
        }
        throw malformed("invalid " + name + " claim");
    }

    /** A string claim, or {@code null} when absent; any other type is malformed. */
    private static String text(JsonNode claims, String name) throws AuthException {
        JsonNode node = claims.get(name);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw malformed("invalid " + name + " claim");
        }
        return node.textValue();
    }

    private static boolean audienceMatches(JsonNode aud, String expected) {
        if (aud == null) {
            return false;
        }
        if (aud.isTextual()) {
            return aud.textValue().equals(expected);
        }
        for (JsonNode entry : aud) {
            if (entry.isTextual() && entry.textValue().equals(expected)) {
                return true;
            }
        }
        return false;
    }

    private static void addScopes(JsonNode node, boolean arrayAllowed, Set<String> out) throws AuthException {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            for (String scope : node.textValue().split(" ")) {
                if (!scope.isEmpty()) {
                    out.add(scope);
                }
            }
            return;
        }
        if (arrayAllowed && node.isArray()) {
            for (JsonNode entry : node) {
                if (!entry.isTextual()) {
                    throw malformed("invalid scp claim");
                }
                if (!entry.textValue().isEmpty()) {
                    out.add(entry.textValue());
                }
            }
            return;
        }
        throw malformed("invalid " + (arrayAllowed ? "scp" : "scope") + " claim");
    }

    /** JSON to unmodifiable plain Java values. */
    private static Object toJava(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                node.properties().forEach(e -> map.put(e.getKey(), toJava(e.getValue())));
                yield Collections.unmodifiableMap(map);
            }
            case ARRAY -> {
                var list = new ArrayList<>(node.size());
                node.forEach(e -> list.add(toJava(e)));
                yield Collections.unmodifiableList(list);
            }
            case STRING -> node.textValue();
            case NUMBER -> node.numberValue();
            case BOOLEAN -> node.booleanValue();
            default -> null;
        };
    }

    private static AuthException malformed(String message) {
        return new AuthException(Reason.MALFORMED, message);
    }
}
