package dev.immunity.server.auth;

import static dev.immunity.server.auth.TestTokens.EC;
import static dev.immunity.server.auth.TestTokens.RSA;
import static dev.immunity.server.auth.TestTokens.SECRET;
import static dev.immunity.server.auth.TestTokens.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.immunity.server.auth.AuthException.Reason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class JwtVerifierTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private final ManualClock clock = new ManualClock(NOW);
    private final JwtVerifier hs256 = new JwtVerifier(AuthSettings.hs256(SECRET), clock);
    private final JwtVerifier rs256 = new JwtVerifier(AuthSettings.forPublicKey(RSA.getPublic()), clock);
    private final JwtVerifier es256 = new JwtVerifier(AuthSettings.forPublicKey(EC.getPublic()), clock);

    // --- accepted tokens ---

    @Test
    void verify_validHs256Token_isAcceptedWithSubjectScopesAndExpiry() throws AuthException {
        VerifiedToken token = hs256.verify(TestTokens.hs256(SECRET, claims(NOW)));

        assertThat(token.subject()).isEqualTo("ci-bot");
        assertThat(token.scopes()).containsExactly("immunity:read", "immunity:trigger");
        assertThat(token.hasScope("immunity:trigger")).isTrue();
        assertThat(token.expiresAt()).isEqualTo(NOW.plusSeconds(300));
        assertThat(token.claims()).containsEntry("sub", "ci-bot").containsKey("iat");
    }

    @Test
    void verify_validRs256Token_isAccepted() throws AuthException {
        VerifiedToken token = rs256.verify(TestTokens.rs256(RSA.getPrivate(), claims(NOW)));

        assertThat(token.subject()).isEqualTo("ci-bot");
        assertThat(token.scopes()).contains("immunity:trigger");
        assertThat(token.expiresAt()).isEqualTo(NOW.plusSeconds(300));
    }

    @Test
    void verify_validEs256Token_isAccepted() throws AuthException {
        VerifiedToken token = es256.verify(TestTokens.es256(EC.getPrivate(), claims(NOW)));

        assertThat(token.subject()).isEqualTo("ci-bot");
        assertThat(token.scopes()).contains("immunity:trigger");
        assertThat(token.expiresAt()).isEqualTo(NOW.plusSeconds(300));
    }

    @Test
    void verify_scopeStringAndScpArray_areMerged() throws AuthException {
        var claims = claims(NOW);
        claims.put("scope", "a  b");
        claims.put("scp", List.of("b", "c"));

        assertThat(hs256.verify(TestTokens.hs256(SECRET, claims)).scopes()).containsExactly("a", "b", "c");
    }

    @Test
    void verify_scpAsString_isSplitOnSpaces() throws AuthException {
        var claims = claims(NOW);
        claims.remove("scope");
        claims.put("scp", "x y");

        assertThat(hs256.verify(TestTokens.hs256(SECRET, claims)).scopes()).containsExactly("x", "y");
    }

    @Test
    void requireScope_withoutTheScope_isRefusedWithScopeReason() throws AuthException {
        var claims = claims(NOW);
        claims.put("scope", "immunity:read");
        VerifiedToken token = hs256.verify(TestTokens.hs256(SECRET, claims));

        assertThat(token.hasScope("immunity:trigger")).isFalse();
        assertThatThrownBy(() -> token.requireScope("immunity:trigger"))
                .isInstanceOf(AuthException.class)
                .hasFieldOrPropertyWithValue("reason", Reason.SCOPE);
        assertThat(Reason.SCOPE.httpStatus()).isEqualTo(403);
        assertThat(Reason.EXPIRED.httpStatus()).isEqualTo(401);
    }

    // --- malformed input ---

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void verify_missingToken_isRefusedAsMissing(String token) {
        assertRefused(hs256, token, Reason.MISSING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "not a jwt", "!!!.???.***", "é.e30.e30", "bnVsbA.e30.", "W10.e30.",
            "ZXlK.e30.sig", "__8.e30.e30", "e30.e30", ".."})
    void verify_garbage_isRefusedAsMalformed(String token) {
        assertRefused(hs256, token, Reason.MALFORMED);
    }

    @Test
    void verify_wrongNumberOfParts_isRefusedAsMalformed() {
        String valid = TestTokens.hs256(SECRET, claims(NOW));
        String[] parts = valid.split("\\.");

        assertRefused(hs256, parts[0], Reason.MALFORMED);
        assertRefused(hs256, parts[0] + "." + parts[1], Reason.MALFORMED);
        assertRefused(hs256, valid + "." + parts[2], Reason.MALFORMED);
        assertRefused(hs256, valid + ".", Reason.MALFORMED);
    }

    @Test
    void verify_tokenLongerThan8KiB_isRefusedAsMalformed() {
        var claims = claims(NOW);
        claims.put("padding", "x".repeat(JwtVerifier.MAX_TOKEN_LENGTH));

        assertRefused(hs256, TestTokens.hs256(SECRET, claims), Reason.MALFORMED);
    }

    @Test
    void verify_payloadAlteredInItsEncodingOnly_isRefused() {
        String token = TestTokens.hs256(SECRET, claims(NOW));
        String[] parts = token.split("\\.");

        // the same claims, padded: the signature covers the exact characters, so it no longer matches
        assertRefusedAs401(hs256, parts[0] + "." + parts[1] + "==." + parts[2]);
    }

    @Test
    void verify_duplicateClaim_isRefusedAsMalformed() {
        String header = TestTokens.b64("{\"alg\":\"HS256\"}");
        String payload = TestTokens.b64("{\"sub\":\"a\",\"exp\":" + NOW.plusSeconds(60).getEpochSecond()
                + ",\"sub\":\"admin\"}");
        String input = header + "." + payload;
        String token = input + "." + TestTokens.b64(TestTokens.hmac(SECRET.getBytes(StandardCharsets.UTF_8),
                input.getBytes(StandardCharsets.US_ASCII)));

        assertRefused(hs256, token, Reason.MALFORMED);
    }

    // --- time ---

    @Test
    void verify_expiredBeyondSkew_isRefused() {
        String token = TestTokens.hs256(SECRET, claims(NOW));
        clock.set(NOW.plusSeconds(300 + 60));

        assertRefused(hs256, token, Reason.EXPIRED);
    }

    @Test
    void verify_expiredWithinSkew_isAccepted() throws AuthException {
        String token = TestTokens.hs256(SECRET, claims(NOW));
        clock.set(NOW.plusSeconds(300 + 59));

        assertThat(hs256.verify(token).subject()).isEqualTo("ci-bot");
    }

    @Test
    void verify_missingExp_isRefused() {
        var claims = claims(NOW);
        claims.remove("exp");

        assertRefused(hs256, TestTokens.hs256(SECRET, claims), Reason.MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "true", "null"})
    void verify_nonNumericExp_isRefused(String exp) {
        var claims = claims(NOW);
        claims.put("exp", exp.equals("true") ? Boolean.TRUE : exp.equals("null") ? null : exp);

        assertRefused(hs256, TestTokens.hs256(SECRET, claims), Reason.MALFORMED);
    }

    @Test
    void verify_fractionalExpIsAccepted_andAHugeOneRefused() throws AuthException {
        var claims = claims(NOW);
        claims.put("exp", NOW.getEpochSecond() + 10.5);
        assertThat(hs256.verify(TestTokens.hs256(SECRET, claims)).expiresAt()).isEqualTo(NOW.plusSeconds(10));

        claims.put("exp", 1e300);
        assertRefusedAs401(hs256, TestTokens.hs256(SECRET, claims));
    }

    @Test
    void verify_nbfInTheFuture_isRefused() {
        var claims = claims(NOW);
        claims.put("nbf", NOW.plusSeconds(61).getEpochSecond());

        assertRefused(hs256, TestTokens.hs256(SECRET, claims), Reason.NOT_YET_VALID);
    }

    @Test
    void verify_nbfWithinSkew_isAccepted() throws AuthException {
        var claims = claims(NOW);
        claims.put("nbf", NOW.plusSeconds(59).getEpochSecond());

        assertThat(hs256.verify(TestTokens.hs256(SECRET, claims)).subject()).isEqualTo("ci-bot");
    }

    @Test
    void verify_iatInTheFuture_isRefused() {
        var claims = claims(NOW);
        claims.put("iat", NOW.plusSeconds(120).getEpochSecond());

        assertRefused(hs256, TestTokens.hs256(SECRET, claims), Reason.NOT_YET_VALID);
    }

    // --- signatures and algorithms ---

    @Test
    void verify_tokenSignedWithAnotherSecret_isRefused() {
        String token = TestTokens.hs256("another-secret-that-is-also-long-enough!", claims(NOW));

        assertRefused(hs256, token, Reason.BAD_SIGNATURE);
    }

    @Test
    void verify_tokenSignedWithAnotherRsaKey_isRefused() {
        KeyPair other = TestTokens.keyPair("RSA", 2048);

        assertRefused(rs256, TestTokens.rs256(other.getPrivate(), claims(NOW)), Reason.BAD_SIGNATURE);
    }

    @Test
    void verify_tokenSignedWithAnotherEcKey_isRefused() {
        KeyPair other = TestTokens.ecKeyPair("secp256r1");

        assertRefused(es256, TestTokens.es256(other.getPrivate(), claims(NOW)), Reason.BAD_SIGNATURE);
    }

    @Test
    void verify_tamperedPayload_isRefused() {
        String[] parts = TestTokens.hs256(SECRET, claims(NOW)).split("\\.");
        var forged = claims(NOW);
        forged.put("scope", "immunity:admin");
        String forgedPayload = TestTokens.sign(Map.of("alg", "HS256"), forged, in -> new byte[0]).split("\\.")[1];

        assertRefused(hs256, parts[0] + "." + forgedPayload + "." + parts[2], Reason.BAD_SIGNATURE);
    }

    @Test
    void verify_es256SignatureInDerForm_isRefused() {
        String token = TestTokens.sign(Map.of("alg", "ES256"), claims(NOW),
                in -> TestTokens.jca("SHA256withECDSA", EC.getPrivate(), in));

        assertRefused(es256, token, Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void verify_algNoneWithEmptySignature_isRefused(String alg) {
        String token = TestTokens.unsigned(Map.of("alg", alg, "typ", "JWT"), claims(NOW));

        assertRefusedAs401(hs256, token);
        assertRefusedAs401(rs256, token);
        assertRefusedAs401(es256, token);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hs256", "Hs256", "HS384", "HS512", "RS256", "ES256", "HS256 ", ""})
    void verify_algOtherThanThePinnedOne_isRefused(String alg) {
        assertRefused(hs256, TestTokens.hs256WithHeader(Map.of("alg", alg), claims(NOW)), Reason.ALGORITHM);
    }

    @Test
    void verify_headerWithoutStringAlg_isRefused() {
        assertRefusedAs401(hs256, TestTokens.hs256WithHeader(Map.of("typ", "JWT"), claims(NOW)));
        assertRefusedAs401(hs256, TestTokens.hs256WithHeader(Map.of("alg", List.of("HS256")), claims(NOW)));
    }

    @Test
    void verify_hs256TokenSignedWithTheRsaPublicKey_isRefusedWhenRs256IsPinned() {
        byte[] pemBytes = TestTokens.pem(RSA.getPublic()).getBytes(StandardCharsets.US_ASCII);

        assertRefused(rs256, TestTokens.hs256(pemBytes, claims(NOW)), Reason.ALGORITHM);
        assertRefused(rs256, TestTokens.hs256(RSA.getPublic().getEncoded(), claims(NOW)), Reason.ALGORITHM);
    }

    @Test
    void verify_rs256TokenWhenEs256IsPinned_isRefused() {
        assertRefused(es256, TestTokens.rs256(RSA.getPrivate(), claims(NOW)), Reason.ALGORITHM);
    }

    @Test
    void verify_critHeader_isRefused() {
        String token = TestTokens.hs256WithHeader(Map.of("alg", "HS256", "crit", List.of("exp")), claims(NOW));

        assertRefusedAs401(hs256, token);
    }

    // --- issuer and audience ---

    @Test
    void verify_wrongOrMissingAudience_isRefused() {
        var verifier = new JwtVerifier(AuthSettings.hs256(SECRET).withAudience("immunity"), clock);
        var claims = claims(NOW);
        assertRefused(verifier, TestTokens.hs256(SECRET, claims), Reason.AUDIENCE);

        claims.put("aud", "someone-else");
        assertRefused(verifier, TestTokens.hs256(SECRET, claims), Reason.AUDIENCE);

        claims.put("aud", List.of("a", "b"));
        assertRefused(verifier, TestTokens.hs256(SECRET, claims), Reason.AUDIENCE);
    }

    @Test
    void verify_audienceAsStringOrArrayContainingIt_isAccepted() throws AuthException {
        var verifier = new JwtVerifier(AuthSettings.hs256(SECRET).withAudience("immunity"), clock);
        var claims = claims(NOW);
        claims.put("aud", "immunity");
        assertThat(verifier.verify(TestTokens.hs256(SECRET, claims)).subject()).isEqualTo("ci-bot");

        claims.put("aud", List.of("other", "immunity"));
        assertThat(verifier.verify(TestTokens.hs256(SECRET, claims)).claims().get("aud"))
                .isEqualTo(List.of("other", "immunity"));
    }

    @Test
    void verify_wrongOrMissingIssuer_isRefused() {
        var verifier = new JwtVerifier(AuthSettings.hs256(SECRET).withIssuer("https://idp.example"), clock);
        var claims = claims(NOW);
        assertRefused(verifier, TestTokens.hs256(SECRET, claims), Reason.ISSUER);

        claims.put("iss", "https://evil.example");
        assertRefused(verifier, TestTokens.hs256(SECRET, claims), Reason.ISSUER);
    }

    @Test
    void verify_matchingIssuer_isAccepted() throws AuthException {
        var verifier = new JwtVerifier(AuthSettings.hs256(SECRET).withIssuer("https://idp.example"), clock);
        var claims = claims(NOW);
        claims.put("iss", "https://idp.example");

        assertThat(verifier.verify(TestTokens.hs256(SECRET, claims)).claims()).containsEntry("iss", "https://idp.example");
    }

    // --- error messages ---

    @Test
    void authException_message_neverContainsTheToken() {
        var expired = claims(NOW.minusSeconds(3600));
        List<String> tokens = List.of(
                TestTokens.hs256("another-secret-that-is-also-long-enough!", claims(NOW)),
                TestTokens.hs256(SECRET, expired),
                TestTokens.unsigned(Map.of("alg", "none"), claims(NOW)),
                TestTokens.hs256(SECRET, claims(NOW)) + ".extra",
                "eyJhbGciOiJIUzI1NiJ9.not-json-at-all.c2lnbmF0dXJl");
        for (String token : tokens) {
            assertThatThrownBy(() -> hs256.verify(token))
                    .isInstanceOfSatisfying(AuthException.class, e -> {
                        assertThat(e.getMessage()).doesNotContain(token).doesNotContain("ci-bot").hasSizeLessThan(60);
                        for (String part : token.split("\\.")) {
                            if (part.length() > 8) {
                                assertThat(e.getMessage()).doesNotContain(part);
                            }
                        }
                        assertThat(e.toString()).doesNotContain(token);
                        assertThat(e.getStackTrace()).isEmpty();
                    });
        }
    }

    // --- settings ---

    @Test
    void settings_hs256SecretShorterThan32Bytes_isRejectedNamingTheConfigKey() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.hs256("x".repeat(31)))
                .withMessageContaining("immunity.auth.hs256-secret")
                .withMessageContaining("32 bytes")
                .withMessageNotContaining("x".repeat(31));
        assertThat(AuthSettings.hs256("x".repeat(32)).algorithms()).containsExactly("HS256");
    }

    @Test
    void settings_twoKeySourcesOrNone_areRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AuthSettings(true, SECRET, RSA.getPublic(), null, null, null, null, null, null,
                        null, null))
                .withMessageContaining("only one");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AuthSettings(true, null, null, URI.create("https://idp.example/jwks"), null,
                        null, null, null, null, null, null).withAlgorithm(null).withIssuer(null).withAudience(null)
                        .withTriggerScope(null).withClockSkew(null).withMaxTokenLifetime(null).withOidc(null)
                        .withAlgorithm("HS256"))
                .withMessageContaining("does not fit");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AuthSettings(true, null, null, null, null, null, null, null, null, null, null))
                .withMessageContaining("immunity.auth.issuer");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.forJwks(URI.create("file:///etc/passwd")))
                .withMessageContaining("immunity.auth.jwks-uri");
    }

    @Test
    void settings_algorithmNotMatchingTheKey_isRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.forPublicKey(RSA.getPublic()).withAlgorithm("ES256"))
                .withMessageContaining("RS256 or PS256");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.forPublicKey(TestTokens.ecKeyPair("secp384r1").getPublic()))
                .withMessageContaining("P-256");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.forPublicKey(EC.getPublic()).withAlgorithm("HS256"))
                .withMessageContaining("ES256");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.hs256(SECRET).withAlgorithm("none"))
                .withMessageContaining("HS256");
    }

    @Test
    void settings_defaultsAndDisabled_areSensible() {
        AuthSettings disabled = AuthSettings.disabled();
        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.triggerScope()).isEqualTo("immunity:trigger");
        assertThat(disabled.clockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(disabled.maxTokenLifetime()).isEqualTo(Duration.ofHours(24));
        assertThatIllegalArgumentException().isThrownBy(() -> new JwtVerifier(disabled, clock));

        AuthSettings rsa = AuthSettings.forPublicKey(RSA.getPublic()).withIssuer(" ").withClockSkew(Duration.ZERO);
        assertThat(rsa.algorithms()).containsExactlyInAnyOrder("RS256", "PS256");
        assertThat(rsa.issuer()).isNull();
        assertThat(rsa.clockSkew()).isZero();
        assertThat(AuthSettings.forPublicKey(EC.getPublic()).algorithms()).containsExactly("ES256");
        assertThat(AuthSettings.forIssuer("https://idp.example").algorithms())
                .containsExactlyInAnyOrder("RS256", "PS256", "ES256", "EdDSA");
        assertThatIllegalArgumentException().isThrownBy(() -> rsa.withClockSkew(Duration.ofHours(1)))
                .withMessageContaining("immunity.auth.clock-skew");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.hs256(SECRET).withOidc(new AuthSettings.OidcClient("immunity", null)))
                .withMessageContaining("immunity.auth.issuer");
        assertThat(new AuthSettings.OidcClient(" immunity ", List.of("profile", "openid")).scopes())
                .containsExactly("openid", "profile");
    }

    @Test
    void settings_toString_doesNotRevealTheSecret() {
        assertThat(AuthSettings.hs256(SECRET).toString()).doesNotContain(SECRET).contains("HS256");
    }

    @Test
    void parsePublicKeyPem_rsaAndEcKeys_areParsed() {
        assertThat(AuthSettings.parsePublicKeyPem(TestTokens.pem(RSA.getPublic()))).isEqualTo(RSA.getPublic());
        assertThat(AuthSettings.parsePublicKeyPem(TestTokens.pem(EC.getPublic()))).isEqualTo(EC.getPublic());
        String escaped = TestTokens.pem(EC.getPublic()).replace("\n", "\\n");
        assertThat(AuthSettings.parsePublicKeyPem(escaped)).isEqualTo(EC.getPublic());
    }

    @Test
    void parsePublicKeyPem_invalidInput_isRejectedWithClearMessage() {
        assertThatIllegalArgumentException().isThrownBy(() -> AuthSettings.parsePublicKeyPem(""))
                .withMessageContaining("immunity.auth.public-key is empty");
        assertThatIllegalArgumentException().isThrownBy(() -> AuthSettings.parsePublicKeyPem("hello"))
                .withMessageContaining("is not PEM");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.parsePublicKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"))
                .withMessageContaining("private key");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.parsePublicKeyPem("-----BEGIN PUBLIC KEY-----\n*!*\n-----END PUBLIC KEY-----"))
                .withMessageContaining("base64");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AuthSettings.parsePublicKeyPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
                .withMessageContaining("neither an RSA nor an EC public key");
    }

    // --- token extraction ---

    @Test
    void bearer_authorizationHeader_yieldsTheTokenCaseInsensitively() {
        assertThat(JwtVerifier.bearer("Bearer abc.def.ghi")).contains("abc.def.ghi");
        assertThat(JwtVerifier.bearer("bearer abc")).contains("abc");
        assertThat(JwtVerifier.bearer("  BEARER   abc  ")).contains("abc");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Bearerabc", "Token abc"})
    void bearer_otherSchemesOrNoToken_yieldNothing(String header) {
        assertThat(JwtVerifier.bearer(header)).isEmpty();
    }

    @Test
    void fromWebSocketProtocols_bearerEntry_yieldsTheToken() {
        assertThat(JwtVerifier.fromWebSocketProtocols("immunity.v1, bearer.abc.def.ghi")).contains("abc.def.ghi");
        assertThat(JwtVerifier.fromWebSocketProtocols(" bearer.tok ,immunity.v1")).contains("tok");
        assertThat(JwtVerifier.fromWebSocketProtocols("immunity.v1,Bearer.tok")).contains("tok");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"immunity.v1", "immunity.v1, bearer.", "immunity.v1, bearer", "xbearer.tok"})
    void fromWebSocketProtocols_withoutBearerEntry_yieldsNothing(String header) {
        assertThat(JwtVerifier.fromWebSocketProtocols(header)).isEmpty();
    }

    @Test
    void fromWebSocketProtocols_tokenRoundTrip_isVerified() throws AuthException {
        String jwt = TestTokens.es256(EC.getPrivate(), claims(NOW));
        String token = JwtVerifier.fromWebSocketProtocols(JwtVerifier.WEBSOCKET_PROTOCOL + ", bearer." + jwt).orElseThrow();

        assertThat(es256.verify(token).subject()).isEqualTo("ci-bot");
    }

    private static void assertRefusedAs401(JwtVerifier verifier, String token) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.reason().httpStatus()).isEqualTo(401));
    }

    // --- RFC 7519 claim types, lifetime, PS256 ---

    @Test
    void verify_audienceThatIsNotAStringOrArrayOfStrings_isRefused() {
        for (Object aud : List.of(Map.of("x", "immunity"), 42, List.of("immunity", 7), true)) {
            Map<String, Object> c = claims(NOW);
            c.put("aud", aud);
            String token = TestTokens.hs256(SECRET, c);
            assertRefusedAs401(hs256, token);
            assertRefusedAs401(new JwtVerifier(AuthSettings.hs256(SECRET).withAudience("immunity"), clock), token);
        }
    }

    @Test
    void verify_audienceArrayHoldingTheConfiguredOne_isAccepted() throws AuthException {
        Map<String, Object> c = claims(NOW);
        c.put("aud", List.of("other", "immunity"));

        assertThat(new JwtVerifier(AuthSettings.hs256(SECRET).withAudience("immunity"), clock)
                .verify(TestTokens.hs256(SECRET, c)).subject()).isEqualTo("ci-bot");
    }

    @Test
    void verify_expFurtherAheadThanTheMaximumLifetime_isRefused() throws AuthException {
        Map<String, Object> in2100 = claims(NOW);
        in2100.put("exp", Instant.parse("2100-01-01T00:00:00Z").getEpochSecond());
        assertRefused(hs256, TestTokens.hs256(SECRET, in2100), Reason.LIFETIME);
        Map<String, Object> huge = claims(NOW);
        huge.put("exp", 1e20);
        assertRefusedAs401(hs256, TestTokens.hs256(SECRET, huge));

        Map<String, Object> inADay = claims(NOW);
        inADay.put("exp", NOW.plus(Duration.ofHours(24)).getEpochSecond());
        assertThat(hs256.verify(TestTokens.hs256(SECRET, inADay)).expiresAt()).isAfter(NOW);
        assertRefused(new JwtVerifier(AuthSettings.hs256(SECRET).withMaxTokenLifetime(Duration.ofHours(1)), clock),
                TestTokens.hs256(SECRET, inADay), Reason.LIFETIME);
    }

    @Test
    void verify_ps256TokenForAnRsaKey_isAccepted() throws AuthException {
        String token = TestTokens.sign(Map.of("alg", "PS256"), claims(NOW), in -> TestTokens.jcaPss(RSA.getPrivate(), in));

        assertThat(rs256.verify(token).subject()).isEqualTo("ci-bot");
        assertRefused(new JwtVerifier(AuthSettings.forPublicKey(RSA.getPublic()).withAlgorithm("RS256"), clock),
                token, Reason.ALGORITHM);
    }

    private static void assertRefused(JwtVerifier verifier, String token, Reason reason) {
        AbstractThrowableAssert<?, ? extends Throwable> refusal = assertThatThrownBy(() -> verifier.verify(token));
        refusal.isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** A clock the test moves by hand. */
    private static final class ManualClock implements InstantSource {
        private Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
