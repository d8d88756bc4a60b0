package dev.immunity.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

/**
 * How bearer tokens are verified. Immutable; validated on construction.
 *
 * <p>When {@code enabled}, exactly one key is configured and it pins the algorithm: an HMAC secret
 * means {@code HS256}; a public key means {@code RS256} (RSA, at least 2048 bits) or {@code ES256}
 * (EC on curve P-256). A {@code null} algorithm is inferred from the key. Tokens whose header names
 * any other algorithm are refused.
 *
 * <p>Configuration keys (under {@code immunity.auth}): {@code enabled}, {@code hs256-secret},
 * {@code public-key} (PEM, see {@link #parsePublicKeyPem}), {@code algorithm}, {@code issuer},
 * {@code audience}, {@code trigger-scope}, {@code clock-skew}. Validation errors name these keys.
 *
 * @param enabled      whether requests must carry a valid token; when {@code false} the key fields are
 *                     not validated and not used
 * @param hs256Secret  HMAC secret for {@code HS256}, at least 32 bytes in UTF-8; or {@code null}
 * @param publicKey    RSA or EC public key for {@code RS256}/{@code ES256}; or {@code null}
 * @param algorithm    {@code "HS256"}, {@code "RS256"} or {@code "ES256"} (case-insensitive here,
 *                     normalised to upper case); {@code null} to infer from the key
 * @param issuer       required {@code iss}, or {@code null} (blank counts as {@code null}) not to check it
 * @param audience     value {@code aud} must contain, or {@code null} (blank counts as {@code null}) not
 *                     to check it
 * @param triggerScope scope needed to trigger a run; {@code null} or blank means {@value #DEFAULT_TRIGGER_SCOPE}
 * @param clockSkew    tolerance for {@code exp}/{@code nbf}/{@code iat}, 0 to {@link #MAX_CLOCK_SKEW};
 *                     {@code null} means {@link #DEFAULT_CLOCK_SKEW}
 */
public record AuthSettings(boolean enabled, String hs256Secret, PublicKey publicKey, String algorithm,
                           String issuer, String audience, String triggerScope, Duration clockSkew) {

    /** Scope that allows triggering a run, unless configured otherwise. */
    public static final String DEFAULT_TRIGGER_SCOPE = "immunity:trigger";
    /** Clock skew tolerated unless configured otherwise. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Largest clock skew accepted: more would quietly extend every token's lifetime. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    /** Shortest HS256 secret accepted, in UTF-8 bytes (the HMAC-SHA256 output size, RFC 7518 §3.2). */
    public static final int MIN_SECRET_BYTES = 32;

    private static final String PREFIX = "immunity.auth.";
    private static final String PEM_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PEM_END = "-----END PUBLIC KEY-----";
    private static final ECParameterSpec P256 = p256();

    public AuthSettings {
        issuer = blankToNull(issuer);
        audience = blankToNull(audience);
        triggerScope = triggerScope == null || triggerScope.isBlank() ? DEFAULT_TRIGGER_SCOPE : triggerScope.strip();
        clockSkew = clockSkew == null ? DEFAULT_CLOCK_SKEW : clockSkew;
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException(PREFIX + "clock-skew must be between 0s and 10m (got " + clockSkew + ")");
        }
        hs256Secret = hs256Secret == null || hs256Secret.isEmpty() ? null : hs256Secret;
        if (enabled) {
            algorithm = checkKeys(hs256Secret, publicKey, algorithm);
        }
    }

    /** Authentication switched off: every request is allowed. */
    public static AuthSettings disabled() {
        return new AuthSettings(false, null, null, null, null, null, null, null);
    }

    /**
     * HS256 with a shared secret, default scope and skew, no issuer/audience check.
     *
     * @throws IllegalArgumentException naming {@code immunity.auth.hs256-secret} if shorter than 32 bytes
     */
    public static AuthSettings hs256(String secret) {
        return new AuthSettings(true, secret, null, "HS256", null, null, null, null);
    }

    /**
     * RS256 for an RSA key or ES256 for an EC P-256 key, default scope and skew, no issuer/audience check.
     *
     * @throws IllegalArgumentException naming {@code immunity.auth.public-key} for any other key
     */
    public static AuthSettings forPublicKey(PublicKey key) {
        return new AuthSettings(true, null, key, null, null, null, null, null);
    }

    /** A copy that requires {@code iss} to equal {@code issuer} ({@code null} not to check). */
    public AuthSettings withIssuer(String issuer) {
        return new AuthSettings(enabled, hs256Secret, publicKey, algorithm, issuer, audience, triggerScope, clockSkew);
    }

    /** A copy that requires {@code aud} to contain {@code audience} ({@code null} not to check). */
    public AuthSettings withAudience(String audience) {
        return new AuthSettings(enabled, hs256Secret, publicKey, algorithm, issuer, audience, triggerScope, clockSkew);
    }

    /** A copy with another trigger scope. */
    public AuthSettings withTriggerScope(String triggerScope) {
        return new AuthSettings(enabled, hs256Secret, publicKey, algorithm, issuer, audience, triggerScope, clockSkew);
    }

    /** A copy with another clock skew. */
    public AuthSettings withClockSkew(Duration clockSkew) {
        return new AuthSettings(enabled, hs256Secret, publicKey, algorithm, issuer, audience, triggerScope, clockSkew);
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
        return "AuthSettings[enabled=" + enabled + ", algorithm=" + algorithm
                + ", hs256Secret=" + (hs256Secret == null ? "null" : "***")
                + ", publicKey=" + (publicKey == null ? "null" : publicKey.getAlgorithm())
                + ", issuer=" + issuer + ", audience=" + audience
                + ", triggerScope=" + triggerScope + ", clockSkew=" + clockSkew + "]";
    }

    /** Validates the key material and returns the pinned algorithm. */
    private static String checkKeys(String secret, PublicKey key, String algorithm) {
        if ((secret == null) == (key == null)) {
            throw new IllegalArgumentException("configure exactly one of " + PREFIX + "hs256-secret or "
                    + PREFIX + "public-key when " + PREFIX + "enabled is true");
        }
        String alg = algorithm == null || algorithm.isBlank() ? inferAlgorithm(secret, key)
                : algorithm.strip().toUpperCase(Locale.ROOT);
        switch (alg) {
            case "HS256" -> {
                if (secret == null) {
                    throw new IllegalArgumentException(PREFIX + "algorithm HS256 needs " + PREFIX + "hs256-secret");
                }
                int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
                if (bytes < MIN_SECRET_BYTES) {
                    throw new IllegalArgumentException(PREFIX + "hs256-secret must be at least " + MIN_SECRET_BYTES
                            + " bytes (got " + bytes + ")");
                }
            }
            case "RS256" -> {
                if (!(key instanceof RSAPublicKey rsa)) {
                    throw new IllegalArgumentException(PREFIX + "algorithm RS256 needs an RSA " + PREFIX + "public-key");
                }
                if (rsa.getModulus().bitLength() < 2048) {
                    throw new IllegalArgumentException(PREFIX + "public-key: RSA keys must be at least 2048 bits (got "
                            + rsa.getModulus().bitLength() + ")");
                }
            }
            case "ES256" -> {
                if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
                    throw new IllegalArgumentException(PREFIX + "algorithm ES256 needs an EC P-256 " + PREFIX + "public-key");
                }
            }
            default -> throw new IllegalArgumentException(PREFIX + "algorithm must be HS256, RS256 or ES256 (got "
                    + algorithm + ")");
        }
        return alg;
    }

    private static String inferAlgorithm(String secret, PublicKey key) {
        if (secret != null) {
            return "HS256";
        }
        if (key instanceof RSAPublicKey) {
            return "RS256";
        }
        if (key instanceof ECPublicKey) {
            return "ES256";
        }
        throw new IllegalArgumentException(PREFIX + "public-key must be an RSA or EC P-256 key (got "
                + key.getAlgorithm() + ")");
    }

    private static boolean isP256(ECParameterSpec spec) {
        return spec.getCurve().equals(P256.getCurve()) && spec.getGenerator().equals(P256.getGenerator())
                && spec.getOrder().equals(P256.getOrder()) && spec.getCofactor() == P256.getCofactor();
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK does not support EC curve secp256r1", e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
