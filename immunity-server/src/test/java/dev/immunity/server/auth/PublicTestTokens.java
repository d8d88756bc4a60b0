package dev.immunity.server.auth;

import java.time.Instant;

/** {@link TestTokens} for tests outside this package (the dashboard tests). */
public final class PublicTestTokens {
    public static final String SECRET = TestTokens.SECRET;

    private PublicTestTokens() {
    }

    /** An HS256 token with the usual claims, valid for five minutes. */
    public static String hs256() {
        return TestTokens.hs256(SECRET, TestTokens.claims(Instant.now()));
    }
}
