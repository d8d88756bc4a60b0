package dev.immunity.cli.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;
import java.time.Instant;

/**
 * What {@code immunity login} keeps for one server: the tokens and where to renew them.
 *
 * @param issuer        the identity provider's issuer
 * @param clientId      the public client signed in with
 * @param tokenEndpoint where the refresh token is exchanged
 * @param accessToken   the bearer token sent to the server
 * @param refreshToken  the refresh token, or null when the provider gave none
 * @param expiresAt     when the access token expires, or null when the provider did not say
 */
public record Credentials(String issuer,
                          @JsonProperty("client_id") String clientId,
                          @JsonProperty("token_endpoint") String tokenEndpoint,
                          @JsonProperty("access_token") String accessToken,
                          @JsonProperty("refresh_token") String refreshToken,
                          @JsonProperty("expires_at") Instant expiresAt) {

    /** Whether the access token expires within {@code margin} of {@code now} (never, when unknown). */
    public boolean expiresWithin(Duration margin, Instant now) {
        return expiresAt != null && !now.plus(margin).isBefore(expiresAt);
    }

    /** Redacts the tokens. */
    @Override
    public String toString() {
        return "Credentials[issuer=" + issuer + ", clientId=" + clientId + ", expiresAt=" + expiresAt + "]";
    }
}
