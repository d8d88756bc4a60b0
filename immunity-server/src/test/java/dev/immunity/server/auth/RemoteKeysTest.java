package dev.immunity.server.auth;

import com.sun.net.httpserver.HttpServer;
import dev.immunity.server.auth.AuthException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Keys from a JWK Set served over real HTTP (the JDK's server), found directly or through OpenID Connect
 * discovery: rotation without a restart, cached keys through an outage, and no keys at all.
 */
class RemoteKeysTest {
    private static final KeyPair K1 = TestTokens.keyPair("RSA", 2048);
    private static final KeyPair K2 = TestTokens.keyPair("RSA", 2048);

    private final AtomicReference<String> jwks = new AtomicReference<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private HttpServer http;

    private String startProvider() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String base = "http://127.0.0.1:" + http.getAddress().getPort();
        http.createContext("/jwks", ex -> {
            jwksFetches.incrementAndGet();
            reply(ex, jwks.get());
        });
        http.createContext("/idp/.well-known/openid-configuration", ex -> reply(ex,
                "{\"issuer\":\"" + base + "/idp\",\"jwks_uri\":\"" + base + "/jwks\"}"));
        http.start();
        return base;
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    private static String jwk(KeyPair pair, String kid) {
        RSAPublicKey key = (RSAPublicKey) pair.getPublic();
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\"" + b64(key.getModulus())
                + "\",\"e\":\"" + b64(key.getPublicExponent()) + "\"}";
    }

    private static String b64(BigInteger n) {
        byte[] bytes = n.toByteArray();
        if (bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String token(KeyPair pair, String kid) {
        return TestTokens.rs256(pair.getPrivate(), kid, TestTokens.claims(java.time.Instant.now()));
    }

    @Test
    void jwksUri_acceptsTheKeysKid_andANewKeyAfterRotationWithoutARestart() throws Exception {
        String base = startProvider();
        jwks.set("{\"keys\":[" + jwk(K1, "k1") + "]}");
        JwtVerifier verifier = new JwtVerifier(AuthSettings.forJwks(URI.create(base + "/jwks")), InstantSource.system());

        assertThat(verifier.verify(token(K1, "k1")).subject()).isEqualTo("ci-bot");
        assertThat(verifier.keysReady()).isTrue();

        jwks.set("{\"keys\":[" + jwk(K2, "k2") + "]}"); // the provider rotates its key
        assertThat(verifier.verify(token(K2, "k2")).subject()).isEqualTo("ci-bot");
        assertThat(jwksFetches.get()).isEqualTo(2);

        assertThatThrownBy(() -> verifier.verify(token(K1, "k2"))) // signed by the old key under the new kid
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
        assertThatThrownBy(() -> verifier.verify(TestTokens.hs256(TestTokens.SECRET, TestTokens.claims(java.time.Instant.now()))))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.reason()).isEqualTo(Reason.ALGORITHM));
    }

    @Test
    void server_withImmunityAuthJwksUri_acceptsTheKeysKid_andTheNewKeyAfterRotation() throws Exception {
        String base = startProvider();
        jwks.set("{\"keys\":[" + jwk(K1, "k1") + "]}");
        try (var server = new dev.immunity.server.support.TestServer(dev.immunity.server.config.ServerConfig.load(
                Map.of("immunity.port", "0"), Map.of("IMMUNITY_AUTH_JWKS_URI", base + "/jwks")))) {
            dev.immunity.server.support.Await.await("ready with keys", java.time.Duration.ofSeconds(20),
                    () -> server.get("/observe/health/ready").statusCode() == 200);
            assertThat(server.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + token(K1, "k1"))
                    .statusCode()).isEqualTo(200);

            jwks.set("{\"keys\":[" + jwk(K2, "k2") + "]}");
            assertThat(server.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + token(K2, "k2"))
                    .statusCode()).isEqualTo(200);
            assertThat(server.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + token(K1, "k1"))
                    .statusCode()).isEqualTo(401);
        }
    }

    @Test
    void discovery_findsTheJwksThroughTheIssuer_andCachedKeysOutliveTheProvider() throws Exception {
        String base = startProvider();
        jwks.set("{\"keys\":[" + jwk(K1, "k1") + "]}");
        Map<String, Object> claims = TestTokens.claims(java.time.Instant.now());
        claims.put("iss", base + "/idp");
        JwtVerifier verifier = new JwtVerifier(AuthSettings.forIssuer(base + "/idp"), InstantSource.system());
        verifier.prefetchKeys();
        assertThat(verifier.keysReady()).isTrue();
        assertThat(verifier.verify(TestTokens.rs256(K1.getPrivate(), "k1", claims)).subject()).isEqualTo("ci-bot");

        http.stop(0); // the provider goes down
        http = null;
        assertThat(verifier.verify(TestTokens.rs256(K1.getPrivate(), "k1", claims)).subject()).isEqualTo("ci-bot");
        assertThat(verifier.keysReady()).isTrue();

        Map<String, Object> otherIssuer = TestTokens.claims(java.time.Instant.now());
        otherIssuer.put("iss", base + "/elsewhere");
        assertThatThrownBy(() -> verifier.verify(TestTokens.rs256(K1.getPrivate(), "k1", otherIssuer)))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.reason()).isEqualTo(Reason.ISSUER));
    }

    @Test
    void noProviderAtStart_isNotReady_namesTheIssuer_andAnswersUnavailable() throws Exception {
        String issuer;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            issuer = "http://127.0.0.1:" + socket.getLocalPort() + "/idp"; // nothing will listen there
        }
        JwtVerifier verifier = new JwtVerifier(AuthSettings.forIssuer(issuer), InstantSource.system());
        verifier.prefetchKeys();

        assertThat(verifier.keysReady()).isFalse();
        assertThat(verifier.keysDescription()).contains(issuer).contains("no signing keys");
        assertThatThrownBy(() -> verifier.verify(token(K1, "k1")))
                .isInstanceOfSatisfying(AuthException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.reason().httpStatus()).isEqualTo(503);
                });
    }
}
