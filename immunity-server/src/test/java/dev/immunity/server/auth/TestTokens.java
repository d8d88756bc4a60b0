package dev.immunity.server.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Test-only JWT minting with JDK crypto. Tokens are compact JWS with unpadded base64url parts. */
final class TestTokens {
    static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
    static final KeyPair RSA = keyPair("RSA", 2048);
    static final KeyPair EC = ecKeyPair("secp256r1");

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestTokens() {
    }

    /** Typical claims: {@code sub}, {@code scope} and {@code exp} five minutes after {@code now}; mutable. */
    static Map<String, Object> claims(Instant now) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", "ci-bot");
        claims.put("scope", "immunity:read immunity:trigger");
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.plusSeconds(300).getEpochSecond());
        return claims;
    }

    static String hs256(String secret, Map<String, ?> claims) {
        return hs256(secret.getBytes(StandardCharsets.UTF_8), claims);
    }

    static String hs256(byte[] key, Map<String, ?> claims) {
        return sign(Map.of("alg", "HS256", "typ", "JWT"), claims, input -> hmac(key, input));
    }

    static String rs256(PrivateKey key, Map<String, ?> claims) {
        return sign(Map.of("alg", "RS256", "typ", "JWT"), claims, input -> jca("SHA256withRSA", key, input));
    }

    static String es256(PrivateKey key, Map<String, ?> claims) {
        return sign(Map.of("alg", "ES256", "typ", "JWT"), claims,
                input -> jca("SHA256withECDSAinP1363Format", key, input));
    }

    /** A token with an arbitrary header, HMAC-signed with {@link #SECRET}. */
    static String hs256WithHeader(Map<String, ?> header, Map<String, ?> claims) {
        return sign(header, claims, input -> hmac(SECRET.getBytes(StandardCharsets.UTF_8), input));
    }

    /** A token with an empty signature part. */
    static String unsigned(Map<String, ?> header, Map<String, ?> claims) {
        return sign(header, claims, input -> new byte[0]);
    }

    static String sign(Map<String, ?> header, Map<String, ?> claims, Signer signer) {
        String input = b64(json(header)) + "." + b64(json(claims));
        return input + "." + b64(signer.sign(input.getBytes(StandardCharsets.US_ASCII)));
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static KeyPair keyPair(String algorithm, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] jca(String algorithm, PrivateKey key, byte[] input) {
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(input);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, as RFC 7518 §3.5 defines PS256. */
    static byte[] jcaPss(PrivateKey key, byte[] input) {
        try {
            Signature signature = Signature.getInstance("RSASSA-PSS");
            signature.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            signature.initSign(key);
            signature.update(input);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RS256 token whose header names {@code kid}. */
    static String rs256(PrivateKey key, String kid, Map<String, ?> claims) {
        return sign(Map.of("alg", "RS256", "typ", "JWT", "kid", kid), claims, input -> jca("SHA256withRSA", key, input));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    interface Signer {
        byte[] sign(byte[] input);
    }
}
