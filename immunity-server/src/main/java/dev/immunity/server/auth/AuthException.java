package dev.immunity.server.auth;

import java.util.Objects;

/**
 * A request could not be authenticated or authorised. The {@linkplain #getMessage() message} is short
 * and safe to return to the client: it never contains the token, the secret or any claim value
 * taken from the token. No stack trace is captured (these are routine, client-caused failures).
 */
public final class AuthException extends Exception {

    /** Why authentication failed. */
    public enum Reason {
        /** No token was presented. */
        MISSING,
        /** The token is not a well-formed compact JWS, or a required claim is absent or mistyped. */
        MALFORMED,
        /** The signature does not verify with a configured key, or no configured key has the token's {@code kid}. */
        BAD_SIGNATURE,
        /** The header {@code alg} is not among the accepted algorithms. */
        ALGORITHM,
        /** {@code exp} has passed (beyond the allowed clock skew). */
        EXPIRED,
        /** {@code nbf} or {@code iat} lies in the future (beyond the allowed clock skew). */
        NOT_YET_VALID,
        /** {@code iss} is not the configured issuer. */
        ISSUER,
        /** {@code aud} does not contain the configured audience. */
        AUDIENCE,
        /** {@code exp} lies further ahead than the longest lifetime accepted. */
        LIFETIME,
        /** The token is valid but lacks a required scope. */
        SCOPE,
        /** The signing keys could not be loaded (identity provider unreachable, none cached): not the client's fault. */
        UNAVAILABLE;

        /** The HTTP status this maps to: 403 for {@link #SCOPE}, 503 for {@link #UNAVAILABLE}, 401 otherwise. */
        public int httpStatus() {
            return this == SCOPE ? 403 : this == UNAVAILABLE ? 503 : 401;
        }
    }

    private final Reason reason;

    /**
     * @param reason  why authentication failed
     * @param message short client-facing text; must not contain the token or secrets
     */
    public AuthException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why authentication failed. */
    public Reason reason() {
        return reason;
    }
}
