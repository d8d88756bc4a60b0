package dev.immunity.server.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How bearer tokens are verified. Immutable; validated on construction. Verification itself is
 * nimbus-jose-jwt's ({@link JwtVerifier}); this record only says which keys, algorithms and claims.
 *
 * <p>Where the keys come from, exactly one of:
 * <ul>
 *   <li>{@code hs256Secret}: a shared HMAC secret; only {@code HS256} is accepted;</li>
 *   <li>{@code publicKey}: an RSA key ({@code RS256}, {@code PS256}; at least 2048 bits) or an EC P-256 key
 *       ({@code ES256});</li>
 *   <li>{@code jwksUri}: a JWK Set URL ({@code RS256}, {@code PS256}, {@code ES256}, {@code EdDSA});</li>
 *   <li>none of them, with an {@code issuer}: the issuer's OpenID Connect discovery document names the JWK
 *       Set ({@code jwks_uri}); same algorithms.</li>
 * </ul>
 * {@code algorithm}, when given, narrows the accepted algorithms to that one (it must fit the key).
 *
 * <p>Configuration keys (under {@code immunity.auth}): {@code hs256-secret}, {@code public-key},
 * {@code jwks-uri}, {@code issuer}, {@code audience}, {@code algorithm}, {@code trigger-scope},
 * {@code clock-skew}, {@code max-token-lifetime}, {@code oidc.client-id}, {@code oidc.scopes}. Validation
 * errors name these keys.
 *
 * @param enabled          whether requests must carry a valid token; when {@code false} nothing else is used
 * @param hs256Secret      HMAC secret for {@code HS256}, at least 32 bytes in UTF-8; or {@code null}
 * @param publicKey        RSA or EC public key; or {@code null}
 * @param jwksUri          JWK Set URL (http or https); or {@code null}
 * @param algorithm        the one algorithm to accept, or {@code null} for every algorithm the key allows
 * @param issuer           required {@code iss} (exact match), or {@code null} not to check it
 * @param audience         a value {@code aud} must hold (exact match), or {@code null} not to check it
 * @param triggerScope     scope needed to trigger; {@code null} or blank means {@value #DEFAULT_TRIGGER_SCOPE}
 * @param clockSkew        tolerance for {@code exp}/{@code nbf}/{@code iat}, 0 to {@link #MAX_CLOCK_SKEW};
 *                         {@code null} means {@link #DEFAULT_CLOCK_SKEW}
 * @param maxTokenLifetime tokens whose {@code exp} lies further ahead than this are refused; {@code null}
 *                         means {@link #DEFAULT_MAX_TOKEN_LIFETIME}
 * @param oidc             the page's and the CLI's sign-in client, or {@code null} when they cannot sign in
 */
public record AuthSettings(boolean enabled, String hs256Secret, PublicKey publicKey, URI jwksUri, String algorithm,
                           String issuer, String audience, String triggerScope, Duration clockSkew,
                           Duration maxTokenLifetime, OidcClient oidc) {

    /** Scope that allows triggering, unless configured otherwise. */
    public static final String DEFAULT_TRIGGER_SCOPE = "immunity:trigger";
    /** Clock skew tolerated unless configured otherwise. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** Largest clock skew accepted: more would quietly extend every token's lifetime. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    /** Longest token lifetime accepted unless configured otherwise. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    /** Shortest HS256 secret accepted, in UTF-8 bytes (the HMAC-SHA256 output size, RFC 7518 §3.2). */
    public static final int MIN_SECRET_BYTES = 32;
    /** Algorithms accepted from a JWK Set (JWKS URL or discovery). */
    public static final Set<String> REMOTE_ALGORITHMS = Set.of("RS256", "PS256", "ES256", "EdDSA");

    private static final String PREFIX = "immunity.auth.";
    private static final String PEM_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PEM_END = "-----END PUBLIC KEY-----";

    /**
     * The OAuth client the page and {@code immunity login} sign in with: a public client (no secret), using
     * the authorization code flow with PKCE, or the device authorization grant.
     *
     * @param clientId the client id registered at the identity provider
     * @param scopes   scopes to request; {@code openid} is always among them
     */
    public record OidcClient(String clientId, List<String> scopes) {
        public OidcClient {
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException(PREFIX + "oidc.client-id is empty");
            }
            clientId = clientId.strip();
            java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
            all.add("openid");
            if (scopes != null) {
                scopes.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(all::add);
            }
            scopes = List.copyOf(all);
        }
    }

    public AuthSettings {
        issuer = blankToNull(issuer);
        audience = blankToNull(audience);
        triggerScope = triggerScope == null || triggerScope.isBlank() ? DEFAULT_TRIGGER_SCOPE : triggerScope.strip();
        clockSkew = clockSkew == null ? DEFAULT_CLOCK_SKEW : clockSkew;
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException(PREFIX + "clock-skew must be between 0s and 10m (got " + clockSkew + ")");
        }
        maxTokenLifetime = maxTokenLifetime == null ? DEFAULT_MAX_TOKEN_LIFETIME : maxTokenLifetime;
        if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
            throw new IllegalArgumentException(PREFIX + "max-token-lifetime must be positive (got " + maxTokenLifetime + ")");
        }
        hs256Secret = hs256Secret == null || hs256Secret.isEmpty() ? null : hs256Secret;
        algorithm = blankToNull(algorithm);
        if (enabled) {
            algorithm = checkKeys(hs256Secret, publicKey, jwksUri, issuer, algorithm);
            if (oidc != null && issuer == null) {
                throw new IllegalArgumentException(PREFIX + "oidc.client-id needs " + PREFIX
                        + "issuer: the identity provider people sign in at");
            }
        }
    }

    /** Authentication switched off: every request is allowed. */
    public static AuthSettings disabled() {
        return new AuthSettings(false, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * HS256 with a shared secret, default scope, skew and lifetime, no issuer/audience check.
     *
     * @throws IllegalArgumentException naming {@code immunity.auth.hs256-secret} if shorter than 32 bytes
     */
    public static AuthSettings hs256(String secret) {
        return new AuthSettings(true, secret, null, null, null, null, null, null, null, null, null);
    }

    /**
     * An RSA (RS256, PS256) or EC P-256 (ES256) public key, default scope, skew and lifetime.
     *
     * @throws IllegalArgumentException naming {@code immunity.auth.public-key} for any other key
     */
    public static AuthSettings forPublicKey(PublicKey key) {
        return new AuthSettings(true, null, key, null, null, null, null, null, null, null, null);
    }

    /** Keys from a JWK Set URL. */
    public static AuthSettings forJwks(URI jwksUri) {
        return new AuthSettings(true, null, null, jwksUri, null, null, null, null, null, null, null);
    }

    /** Keys from the issuer's OpenID Connect discovery document; {@code iss} must equal {@code issuer}. */
    public static AuthSettings forIssuer(String issuer) {
        return new AuthSettings(true, null, null, null, null, issuer, null, null, null, null, null);
    }

    /** A copy that requires {@code iss} to equal {@code issuer} ({@code null} not to check). */
    public AuthSettings withIssuer(String issuer) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy that requires {@code aud} to hold {@code audience} ({@code null} not to check). */
    public AuthSettings withAudience(String audience) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy that accepts only {@code algorithm}. */
    public AuthSettings withAlgorithm(String algorithm) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy with another trigger scope. */
    public AuthSettings withTriggerScope(String triggerScope) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy with another clock skew. */
    public AuthSettings withClockSkew(Duration clockSkew) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy with another longest token lifetime. */
    public AuthSettings withMaxTokenLifetime(Duration maxTokenLifetime) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** A copy with a sign-in client for the page and the CLI. */
    public AuthSettings withOidc(OidcClient oidc) {
        return new AuthSettings(enabled, hs256Secret, publicKey, jwksUri, algorithm, issuer, audience, triggerScope,
                clockSkew, maxTokenLifetime, oidc);
    }

    /** Whether keys are fetched over the network (a JWKS URL, or discovery): they may be missing at first. */
    public boolean remoteKeys() {
        return enabled && hs256Secret == null && publicKey == null;
    }

    /** The algorithms accepted, as JOSE names. */
    public Set<String> algorithms() {
        if (algorithm != null) {
            return Set.of(algorithm);
        }
        if (hs256Secret != null) {
            return Set.of("HS256");
        }
        if (publicKey instanceof RSAPublicKey) {
            return Set.of("RS256", "PS256");
        }
        if (publicKey instanceof ECPublicKey) {
            return Set.of("ES256");
        }
        return REMOTE_ALGORITHMS;
    }

    /**
     * Reads a PEM {@code -----BEGIN PUBLIC KEY-----} block (X.509 SubjectPublicKeyInfo, as written by
     * {@code openssl pkey -pubout}) holding an RSA or EC key. Text around the block is ignored, and
     * literal {@code \n} sequences (as in environment variables) are accepted as line breaks.
     *
     * @throws IllegalArgumentException naming {@code immunity.auth.public-key} and what is wrong
     */
    public static PublicKey parsePublicKeyPem(String pem) {
        String key = PREFIX + "public-key";
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException(key + " is empty: expected a PEM " + PEM_BEGIN + " block");
        }
        if (pem.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException(key + " holds a private key: configure the public key only"
                    + " (openssl pkey -in key.pem -pubout)");
        }
        if (pem.contains("-----BEGIN RSA PUBLIC KEY-----")) {
            throw new IllegalArgumentException(key + " is a PKCS#1 RSA PUBLIC KEY: convert it to " + PEM_BEGIN
                    + " (openssl rsa -RSAPublicKey_in -in key.pem -pubout)");
        }
        if (pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException(key + " is a certificate: extract its public key"
                    + " (openssl x509 -in cert.pem -pubkey -noout)");
        }
        int begin = pem.indexOf(PEM_BEGIN);
        int end = begin < 0 ? -1 : pem.indexOf(PEM_END, begin);
        if (end < 0) {
            throw new IllegalArgumentException(key + " is not PEM: expected " + PEM_BEGIN + " ... " + PEM_END);
        }
        String body = pem.substring(begin + PEM_BEGIN.length(), end).replace("\\n", "").replaceAll("\\s+", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": the PEM body is not valid base64");
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this key type; try the next
            }
        }
        throw new IllegalArgumentException(key + " is neither an RSA nor an EC public key"
                + " (expected X.509 SubjectPublicKeyInfo)");
    }

    /** Redacts the secret. */
    @Override
    public String toString() {
        return "AuthSettings[enabled=" + enabled + ", algorithms=" + (enabled ? algorithms() : Set.of())
                + ", hs256Secret=" + (hs256Secret == null ? "null" : "***")
                + ", publicKey=" + (publicKey == null ? "null" : publicKey.getAlgorithm())
                + ", jwksUri=" + jwksUri + ", issuer=" + issuer + ", audience=" + audience
                + ", triggerScope=" + triggerScope + ", clockSkew=" + clockSkew
                + ", maxTokenLifetime=" + maxTokenLifetime + ", oidc=" + oidc + "]";
    }

    /** Validates the key material and returns the normalised algorithm (or null). */
    private static String checkKeys(String secret, PublicKey key, URI jwks, String issuer, String algorithm) {
        int sources = (secret != null ? 1 : 0) + (key != null ? 1 : 0) + (jwks != null ? 1 : 0);
        if (sources > 1) {
            throw new IllegalArgumentException("configure only one of " + PREFIX + "hs256-secret, " + PREFIX
                    + "public-key or " + PREFIX + "jwks-uri");
        }
        if (sources == 0 && issuer == null) {
            throw new IllegalArgumentException("authentication needs a key: set " + PREFIX + "issuer (keys from its"
                    + " OpenID Connect discovery), " + PREFIX + "jwks-uri, " + PREFIX + "public-key or " + PREFIX
                    + "hs256-secret");
        }
        if (secret != null) {
            int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(PREFIX + "hs256-secret must be at least " + MIN_SECRET_BYTES
                        + " bytes (got " + bytes + ")");
            }
        }
        if (jwks != null && (jwks.getScheme() == null || !jwks.getScheme().matches("(?i)https?") || jwks.getHost() == null)) {
            throw new IllegalArgumentException(PREFIX + "jwks-uri must be an http(s) URL (got " + jwks + ")");
        }
        if (issuer != null && secret == null && key == null && jwks == null) {
            URI i;
            try {
                i = URI.create(issuer);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PREFIX + "issuer must be a URL for discovery (got " + issuer + ")");
            }
            if (i.getScheme() == null || !i.getScheme().matches("(?i)https?") || i.getHost() == null) {
                throw new IllegalArgumentException(PREFIX + "issuer must be an http(s) URL for discovery (got "
                        + issuer + ")");
            }
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 2048) {
            throw new IllegalArgumentException(PREFIX + "public-key: RSA keys must be at least 2048 bits (got "
                    + rsa.getModulus().bitLength() + ")");
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new IllegalArgumentException(PREFIX + "public-key: EC keys must be on curve P-256 (ES256)");
        }
        if (key != null && !(key instanceof RSAPublicKey) && !(key instanceof ECPublicKey)) {
            throw new IllegalArgumentException(PREFIX + "public-key must be an RSA or EC P-256 key (got "
                    + key.getAlgorithm() + ")");
        }
        if (algorithm == null) {
            return null;
        }
        String alg = algorithm.equalsIgnoreCase("eddsa") ? "EdDSA" : algorithm.toUpperCase(Locale.ROOT);
        boolean fits = secret != null ? alg.equals("HS256")
                : key instanceof RSAPublicKey ? alg.equals("RS256") || alg.equals("PS256")
                : key instanceof ECPublicKey ? alg.equals("ES256")
                : REMOTE_ALGORITHMS.contains(alg);
        if (!fits) {
            throw new IllegalArgumentException(PREFIX + "algorithm " + alg + " does not fit the configured key"
                    + (secret != null ? " (an hs256-secret means HS256)"
                    : key instanceof RSAPublicKey ? " (an RSA key means RS256 or PS256)"
                    : key instanceof ECPublicKey ? " (an EC key means ES256)"
                    : " (a JWK Set allows " + String.join(", ", new java.util.TreeSet<>(REMOTE_ALGORITHMS)) + ")"));
        }
        return alg;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
