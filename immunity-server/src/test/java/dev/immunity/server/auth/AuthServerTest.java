package dev.immunity.server.auth;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.immunity.server.support.Transport;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** JWT auth on the real server: REST, the trigger scope, and the WebSocket (header, query, expiry). */
class AuthServerTest {
    private static final String AUDIENCE = "immunity-api";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(ServerSettings.forTests().withStreamPort(0)
                .withAuth(AuthSettings.hs256(TestTokens.SECRET).withAudience(AUDIENCE)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Map<String, Object> claims() {
        Map<String, Object> c = TestTokens.claims(Instant.now());
        c.put("aud", AUDIENCE);
        return c;
    }

    private static String valid() {
        return TestTokens.hs256(TestTokens.SECRET, claims());
    }

    private static HttpResponse<String> apvs(String token) {
        return token == null ? server.get("/api/adaptive-immunity/apvs")
                : server.get("/api/adaptive-immunity/apvs", "Authorization", "Bearer " + token);
    }

    @Test
    void rest_refusesMissingExpiredWronglySignedAlgNoneAndWrongAudience() {
        Map<String, Object> expired = claims();
        expired.put("exp", Instant.now().minusSeconds(3600).getEpochSecond());
        Map<String, Object> otherAudience = claims();
        otherAudience.put("aud", "someone-else");
        List<String> bad = List.of(
                TestTokens.hs256(TestTokens.SECRET, expired),
                TestTokens.hs256("another-secret-that-is-long-enough-too!", claims()),
                TestTokens.unsigned(Map.of("alg", "none", "typ", "JWT"), claims()),
                TestTokens.hs256(TestTokens.SECRET, otherAudience),
                "not.a.token");
        HttpResponse<String> missing = apvs(null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        for (String token : bad) {
            HttpResponse<String> r = apvs(token);
            assertThat(r.statusCode()).as("token %s", token).isEqualTo(401);
            assertThat(TestServer.json(r).path("error").asText()).isNotBlank().doesNotContain(token);
        }
    }

    @Test
    void rest_acceptsAValidToken() {
        assertThat(apvs(valid()).statusCode()).isEqualTo(200);
    }

    @Test
    void trigger_needsTheTriggerScope() {
        Map<String, Object> readOnly = claims();
        readOnly.put("scope", "immunity:read");
        String body = "{\"cve_id\":\"CVE-2024-TEST\"}";
        HttpResponse<String> refused = server.post("/api/test/trigger-apv", "application/json", body,
                "Authorization", "Bearer " + TestTokens.hs256(TestTokens.SECRET, readOnly));
        assertThat(refused.statusCode()).isEqualTo(403);
        HttpResponse<String> accepted = server.post("/api/test/trigger-apv", "application/json", body,
                "Authorization", "Bearer " + valid());
        assertThat(accepted.statusCode()).isEqualTo(202);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void websocket_refusesAMissingOrBadToken(Transport transport) {
        assertThat(WsTestClient.handshakeStatus(transport.ws(server, null), Map.of())).isEqualTo(401);
        assertThat(WsTestClient.handshakeStatus(transport.ws(server, "token=" + TestTokens.hs256(
                "another-secret-that-is-long-enough-too!", claims())), Map.of())).isEqualTo(401);
        assertThat(WsTestClient.handshakeStatus(transport.ws(server, null), Map.of(), "immunity.v1", "bearer.not-a-jwt"))
                .isEqualTo(401);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void websocket_acceptsTheTokenInTheSubprotocolHeader_andSelectsImmunityV1(Transport transport) {
        try (WsTestClient c = WsTestClient.connect(transport.ws(server, null), Map.of(), "immunity.v1", "bearer." + valid())) {
            assertThat(c.socket().getSubprotocol()).isEqualTo("immunity.v1");
            assertThat(c.next().path("type").asText()).isEqualTo("hello");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void websocket_tokenInTheQuery_isAccepted_andNeverLogged(Transport transport) {
        dev.immunity.server.support.LogCapture capture = new dev.immunity.server.support.LogCapture(Level.ALL);
        String token = valid();
        Map<String, Object> expired = claims();
        expired.put("exp", Instant.now().minusSeconds(3600).getEpochSecond());
        String expiredToken = TestTokens.hs256(TestTokens.SECRET, expired);
        try {
            try (WsTestClient c = WsTestClient.connect(transport.ws(server, "token=" + token))) {
                assertThat(c.next().path("type").asText()).isEqualTo("hello");
            }
            assertThat(WsTestClient.handshakeStatus(transport.ws(server, "token=" + expiredToken), Map.of())).isEqualTo(401);
        } finally {
            capture.close();
        }
        {
            List<LogRecord> records = capture.records();
            assertThat(records).isNotEmpty();
            for (LogRecord r : records) {
                String text = String.valueOf(r.getMessage()) + " " + java.util.Arrays.toString(r.getParameters())
                        + " " + (r.getThrown() == null ? "" : r.getThrown().toString());
                assertThat(text).doesNotContain(token).doesNotContain(expiredToken);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void websocket_whoseTokenExpires_isClosedWith1008(Transport transport) {
        Map<String, Object> shortLived = claims();
        shortLived.put("exp", Instant.now().plusSeconds(2).getEpochSecond());
        try (WsTestClient c = WsTestClient.connect(transport.ws(server, null), Map.of(), "immunity.v1",
                "bearer." + TestTokens.hs256(TestTokens.SECRET, shortLived))) {
            assertThat(c.next().path("type").asText()).isEqualTo("hello");
            assertThat(c.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void websocket_tokenRenewedInBand_keepsTheSameConnectionPastTheFirstExpiry(Transport transport) {
        Map<String, Object> shortLived = claims();
        Instant firstExpiry = Instant.now().plusSeconds(2);
        shortLived.put("exp", firstExpiry.getEpochSecond());
        try (WsTestClient c = WsTestClient.connect(transport.ws(server, null), Map.of(), "immunity.v1",
                "bearer." + TestTokens.hs256(TestTokens.SECRET, shortLived))) {
            String connection = c.next("hello").path("payload").path("connection_id").asText();

            Map<String, Object> otherUser = claims();
            otherUser.put("sub", "mallory");
            c.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestTokens.SECRET, otherUser) + "\"}");
            assertThat(c.next("error").path("payload").path("error").asText()).contains("another subject");
            c.send("{\"type\":\"auth\",\"token\":\"not-a-jwt\"}");
            assertThat(c.next("error").path("payload").path("error").asText()).contains("token refused");

            c.send("{\"type\":\"auth\",\"token\":\"" + valid() + "\"}");
            JsonNode ok = c.next("auth_ok");
            assertThat(Instant.parse(ok.path("payload").path("expires_at").asText())).isAfter(firstExpiry.plusSeconds(60));

            dev.immunity.server.support.Await.await("the first token's expiry has passed", Duration.ofSeconds(10),
                    () -> Instant.now().isAfter(firstExpiry.plusMillis(500)));
            c.send("{\"type\":\"ping\",\"payload\":\"still here\"}");
            assertThat(c.next("pong").path("payload").path("echo").asText()).isEqualTo("still here");
            assertThat(c.closeFuture()).isNotDone();
            assertThat(server.server.stream().connectionCount()).isPositive();
            assertThat(connection).isNotBlank();
        }
    }

    @Test
    void observeMetrics_needsTheMetricsScope_whileHealthStaysOpen() {
        assertThat(server.get("/observe/metrics").statusCode()).isEqualTo(401);
        assertThat(server.get("/observe/metrics", "Authorization", "Bearer " + valid()).statusCode()).isEqualTo(403);
        Map<String, Object> withScope = claims();
        withScope.put("scope", "immunity:read immunity:metrics");
        assertThat(server.get("/observe/metrics", "Authorization", "Bearer "
                + TestTokens.hs256(TestTokens.SECRET, withScope)).statusCode()).isEqualTo(200);
        assertThat(server.get("/observe/health/ready").statusCode()).isEqualTo(200);
        assertThat(server.get("/observe/health/live").statusCode()).isEqualTo(200);
    }
}
