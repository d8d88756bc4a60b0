package dev.immunity.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import dev.immunity.server.auth.AuthException.Reason;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies JWT bearer tokens against {@link AuthSettings} with nimbus-jose-jwt: parsing, the algorithm
 * allow-list, the signature, and the claims are all the library's ({@link DefaultJWTProcessor},
 * {@link DefaultJWTClaimsVerifier}). Thread-safe; create one per settings and share it.
 *
 * <p>What is accepted:
 * <ul>
 *   <li>a compact JWS of at most {@value #MAX_TOKEN_LENGTH} characters; unsecured ({@code alg: none})
 *       tokens and JWE are refused, and so is a {@code crit} header;</li>
 *   <li>{@code typ} absent, {@code JWT} or {@code at+jwt} (RFC 9068);</li>
 *   <li>an algorithm in {@link AuthSettings#algorithms()} (so an HS256 token is refused when keys are
 *       public keys: no key confusion), signed by a configured key ({@code jku}, {@code x5u} and
 *       {@code jwk} headers are never used to find keys);</li>
 *   <li>{@code exp} required; {@code now < exp + skew}; {@code nbf} and {@code iat}, if present,
 *       {@code <= now + skew}; {@code exp} at most the maximum lifetime ahead;</li>
 *   <li>{@code iss} equal to the configured issuer and {@code aud} holding the configured audience, when
 *       configured; {@code aud}, when present, is a string or an array of strings, anything else is refused;</li>
 *   <li>scopes from {@code scope} (space-separated) and {@code scp} (array or space-separated string).</li>
 * </ul>
 * Scopes are not enforced here: check {@link VerifiedToken#requireScope}.
 */
public final class JwtVerifier {

    /** Longest token accepted, in characters. */
    public static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** The WebSocket subprotocol the server selects; see {@link #fromWebSocketProtocols}. */
    public static final String WEBSOCKET_PROTOCOL = "immunity.v1";

    private static final String BEARER = "Bearer ";
    private static final String WS_BEARER = "bearer.";

    private final AuthSettings settings;
    private final InstantSource clock;
    private final Set<JWSAlgorithm> algorithms;
    private final RemoteKeys remote;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param settings enabled settings
     * @param clock    source of "now" for {@code exp}/{@code nbf}/{@code iat}
     * @throws IllegalArgumentException if the settings are disabled
     */
    public JwtVerifier(AuthSettings settings, InstantSource clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!settings.enabled()) {
            throw new IllegalArgumentException("authentication is disabled: nothing to verify");
        }
        this.algorithms = settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.remote = settings.remoteKeys() ? new RemoteKeys(settings.jwksUri(), settings.issuer()) : null;
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(
                JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys()));
        processor.setJWTClaimsSetVerifier(new ClaimsVerifier());
    }

    private JWKSource<SecurityContext> keys() {
        if (settings.hs256Secret() != null) {
            return new ImmutableSecret<>(settings.hs256Secret().getBytes(StandardCharsets.UTF_8));
        }
        if (settings.publicKey() instanceof RSAPublicKey rsa) {
            return new ImmutableJWKSet<>(new JWKSet(new RSAKey.Builder(rsa).build()));
        }
        if (settings.publicKey() instanceof ECPublicKey ec) {
            return new ImmutableJWKSet<>(new JWKSet(new ECKey.Builder(Curve.P_256, ec).build()));
        }
        return remote;
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
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw malformed("token is not a signed JWT");
        }
        if (!algorithms.contains(jwt.getHeader().getAlgorithm())) {
            throw new AuthException(Reason.ALGORITHM, "token algorithm not accepted");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (ClaimException e) {
            throw new AuthException(e.reason, e.getMessage());
        } catch (ExpiredJWTException e) {
            throw new AuthException(Reason.EXPIRED, "token expired");
        } catch (BadJWSException e) {
            throw new AuthException(Reason.BAD_SIGNATURE, "invalid token signature");
        } catch (BadJWTException e) {
            throw classify(e);
        } catch (BadJOSEException e) {
            // the key selector found no key for this token (unknown kid), or the header is not acceptable
            throw new AuthException(Reason.BAD_SIGNATURE, "token not signed by a known key");
        } catch (KeySourceException e) {
            // With keys loaded, a failed refetch (rate-limited, provider down) means this token's kid is unknown.
            throw keysReady() ? new AuthException(Reason.BAD_SIGNATURE, "token not signed by a known key")
                    : new AuthException(Reason.UNAVAILABLE, "signing keys unavailable: try again shortly");
        } catch (JOSEException e) {
            throw new AuthException(Reason.BAD_SIGNATURE, "invalid token signature");
        } catch (RuntimeException e) { // a header or claims set that parses but that nimbus cannot handle
            throw malformed("token not accepted");
        }
        return new VerifiedToken(claims.getSubject(), claims.getExpirationTime().toInstant(), scopes(claims),
                claims.toJSONObject());
    }

    /** Fetches remote keys now if none are loaded yet (no-op for configured keys). */
    public void prefetchKeys() {
        if (remote != null) {
            remote.prefetch();
        }
    }

    /** Whether tokens can be verified: configured keys always; remote keys once a set has been loaded. */
    public boolean keysReady() {
        return remote == null || remote.ready();
    }

    /** Where keys come from and their state, naming the JWKS URL or issuer: for the readiness check. */
    public String keysDescription() {
        return remote == null ? "configured key (" + String.join(", ", settings.algorithms()) + ")" : remote.describe();
    }

    /** The settings this verifier checks against. */
    public AuthSettings settings() {
        return settings;
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

    /** Client-safe messages for nimbus's claim failures (its own messages may quote claim values). */
    private static AuthException classify(BadJWTException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("before use time")) {
            return new AuthException(Reason.NOT_YET_VALID, "token not yet valid");
        }
        if (m.contains("aud claim")) {
            return new AuthException(Reason.AUDIENCE, "token audience not accepted");
        }
        if (m.contains("missing required claims")) {
            return m.contains("exp") ? malformed("token has no exp claim")
                    : m.contains("aud") ? new AuthException(Reason.AUDIENCE, "token audience not accepted")
                    : new AuthException(Reason.ISSUER, "token issuer not accepted");
        }
        if (m.contains("iss claim")) {
            return new AuthException(Reason.ISSUER, "token issuer not accepted");
        }
        return malformed("token claims not accepted");
    }

    private static Set<String> scopes(JWTClaimsSet claims) throws AuthException {
        Set<String> scopes = new LinkedHashSet<>();
        try {
            String scope = claims.getStringClaim("scope");
            if (scope != null) {
                split(scope, scopes);
            }
        } catch (ParseException e) {
            throw malformed("invalid scope claim");
        }
        Object scp = claims.getClaim("scp");
        if (scp instanceof String s) {
            split(s, scopes);
        } else if (scp instanceof List<?> list) {
            for (Object entry : list) {
                if (!(entry instanceof String s)) {
                    throw malformed("invalid scp claim");
                }
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
        } else if (scp != null) {
            throw malformed("invalid scp claim");
        }
        return scopes;
    }

    private static void split(String value, Set<String> out) {
        for (String scope : value.split(" ")) {
            if (!scope.isEmpty()) {
                out.add(scope);
            }
        }
    }

    private static AuthException malformed(String message) {
        return new AuthException(Reason.MALFORMED, message);
    }

    /** A claim refused by our own rules, with the reason to report. */
    private static final class ClaimException extends BadJWTException {
        private final Reason reason;

        ClaimException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /**
     * nimbus's claim checks ({@code exp} required and not passed, {@code nbf}, {@code iss} exact, {@code aud}
     * accepted) on the injected clock, plus the claim types RFC 7519 requires, {@code iat} not in the future
     * and the maximum lifetime.
     */
    private final class ClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
        ClaimsVerifier() {
            super(settings.audience() == null ? null : Set.of(settings.audience()),
                    settings.issuer() == null ? null : new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                    requiredClaims(settings), null);
            setMaxClockSkew((int) settings.clockSkew().toSeconds());
        }

        @Override
        protected Date currentTime() {
            return Date.from(clock.instant());
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            Object aud = claims.getClaim("aud");
            if (aud != null && !(aud instanceof String)
                    && !(aud instanceof List<?> list && list.stream().allMatch(String.class::isInstance))) {
                throw new ClaimException(Reason.MALFORMED, "invalid aud claim: must be a string or an array of strings");
            }
            if (!(claims.getClaim("exp") instanceof Date)) {
                throw new ClaimException(Reason.MALFORMED, "token has no exp claim");
            }
            super.verify(claims, context);
            Instant now = clock.instant();
            Instant latest = now.plus(settings.clockSkew());
            if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(latest)) {
                throw new ClaimException(Reason.NOT_YET_VALID, "token not yet valid");
            }
            if (claims.getExpirationTime().toInstant().isAfter(latest.plus(settings.maxTokenLifetime()))) {
                throw new ClaimException(Reason.LIFETIME, "token lifetime too long: at most "
                        + settings.maxTokenLifetime().toHours() + " h accepted");
            }
        }
    }

    private static Set<String> requiredClaims(AuthSettings settings) {
        Set<String> required = new HashSet<>(Set.of("exp"));
        if (settings.issuer() != null) {
            required.add("iss");
        }
        return required;
    }
}
