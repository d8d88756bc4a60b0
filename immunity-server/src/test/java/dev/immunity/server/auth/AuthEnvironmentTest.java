package dev.immunity.server.auth;

import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server configured as an operator would, by environment: {@code IMMUNITY_AUTH_HS256_SECRET} and
 * {@code IMMUNITY_AUTH_AUDIENCE=immunity}. Tokens are minted with the JDK's own crypto ({@link TestTokens}),
 * a second implementation beside nimbus-jose-jwt, which verifies them.
 */
class AuthEnvironmentTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(ServerConfig.load(Map.of("immunity.port", "0"),
                Map.of("IMMUNITY_AUTH_HS256_SECRET", TestTokens.SECRET, "IMMUNITY_AUTH_AUDIENCE", "immunity")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static int status(Map<String, Object> claims) {
        return status(TestTokens.hs256(TestTokens.SECRET, claims));
    }

    private static int status(String token) {
        return server.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + token).statusCode();
    }

    private static Map<String, Object> claims(Object aud) {
        Map<String, Object> c = TestTokens.claims(Instant.now());
        c.put("aud", aud);
        return c;
    }

    @Test
    void audienceAsAnObjectOrANumber_isRefusedWith401() {
        assertThat(status(claims(Map.of("x", "immunity")))).isEqualTo(401);
        assertThat(status(claims(42))).isEqualTo(401);
    }

    @Test
    void missingExp_nbfInTheFuture_andAlgNone_areRefusedWith401() {
        Map<String, Object> noExp = claims("immunity");
        noExp.remove("exp");
        Map<String, Object> notYet = claims("immunity");
        notYet.put("nbf", Instant.now().plusSeconds(600).getEpochSecond());

        assertThat(status(noExp)).isEqualTo(401);
        assertThat(status(notYet)).isEqualTo(401);
        assertThat(status(TestTokens.unsigned(Map.of("alg", "none", "typ", "JWT"), claims("immunity")))).isEqualTo(401);
    }

    @Test
    void audienceArrayHoldingImmunity_isAccepted() {
        assertThat(status(claims(List.of("other", "immunity")))).isEqualTo(200);
        assertThat(status(claims("immunity"))).isEqualTo(200);
    }

    @Test
    void tokenExpiringIn2100_isRefused() {
        Map<String, Object> c = claims("immunity");
        c.put("exp", Instant.parse("2100-01-01T00:00:00Z").getEpochSecond());

        assertThat(status(c)).isEqualTo(401);
    }

    @Test
    void signInConfig_isOpen_andSaysATokenIsNeededWithoutOidc() {
        var r = server.get("/api/adaptive-immunity/auth/config");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.json(r).path("auth_required").asBoolean()).isTrue();
        assertThat(TestServer.json(r).path("oidc").isNull()).isTrue();
    }

    @Test
    void page_csp_allowsConnectionsToThisOriginOnly() {
        String csp = server.get("/").headers().firstValue("Content-Security-Policy").orElseThrow();

        assertThat(csp).contains("connect-src 'self';").doesNotContain("ws:").doesNotContain("wss:");
    }

    @Test
    void serverWhoseIdentityProviderIsDown_isNotReady_andSaysWhichIssuer() {
        String issuer = "http://127.0.0.1:" + TestServer.freePort() + "/realms/security"; // nothing listens there
        try (TestServer down = new TestServer(ServerConfig.load(Map.of("immunity.port", "0"),
                Map.of("IMMUNITY_AUTH_ISSUER", issuer)))) {
            var ready = down.get("/observe/health/ready");

            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("auth-keys").contains(issuer).contains("no signing keys");
            assertThat(down.get("/observe/health/live").statusCode()).isEqualTo(200);
            var refused = down.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + TestTokens.hs256(
                    TestTokens.SECRET, claims("immunity")));
            assertThat(refused.statusCode()).isIn(401, 503);
        }
    }
}
