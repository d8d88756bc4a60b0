package dev.immunity.server.auth;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A token whose signature, algorithm and time/issuer/audience claims have been verified.
 *
 * @param subject   the {@code sub} claim, or {@code null} when the token has none
 * @param expiresAt the {@code exp} claim
 * @param scopes    the union of the {@code scope} (space-separated string) and {@code scp}
 *                  (array of strings, or space-separated string) claims; unmodifiable
 * @param claims    every claim of the payload as plain Java values (String, Boolean, Number, List, Map,
 *                  or {@code null}); unmodifiable
 */
public record VerifiedToken(String subject, Instant expiresAt, Set<String> scopes, Map<String, Object> claims) {

    public VerifiedToken {
        Objects.requireNonNull(expiresAt, "expiresAt");
        scopes = scopes == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(scopes));
        claims = claims == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(claims));
    }

    /** Whether the token grants {@code scope} (exact, case-sensitive match). */
    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /**
     * Returns this token if it grants {@code scope}.
     *
     * @throws AuthException with reason {@link AuthException.Reason#SCOPE} otherwise
     */
    public VerifiedToken requireScope(String scope) throws AuthException {
        if (!hasScope(scope)) {
            throw new AuthException(AuthException.Reason.SCOPE, "missing required scope: " + scope);
        }
        return this;
    }
}
