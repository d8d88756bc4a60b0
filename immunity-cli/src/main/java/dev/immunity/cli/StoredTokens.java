package dev.immunity.cli;

import dev.immunity.cli.auth.Credentials;
import dev.immunity.cli.auth.OidcLogin;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The access token {@code immunity login} stored for a server, renewed when it is about to expire. */
public final class StoredTokens {
    /** Renew when the token expires within this. */
    public static final Duration MARGIN = Duration.ofSeconds(60);

    private StoredTokens() {
    }

    /** The stored token for {@code server}, renewed (and stored again) when it expires within {@link #MARGIN}. */
    public static Optional<String> accessToken(CliContext context, URI server) {
        return current(context, server, false).map(Credentials::accessToken);
    }

    /**
     * The stored credentials, renewed first when they expire within {@link #MARGIN} or when {@code force}.
     *
     * @throws ImmunityCli.UserException when renewal fails
     */
    public static Optional<Credentials> current(CliContext context, URI server, boolean force) {
        var store = context.credentials();
        Optional<Credentials> stored = store.get(server);
        if (stored.isEmpty() || (!force && !stored.get().expiresWithin(MARGIN, context.clock().instant()))) {
            return stored;
        }
        try {
            Credentials renewed = new OidcLogin(context.clock(), new PrintWriter(new StringWriter())).refresh(stored.get());
            store.put(server, renewed);
            return Optional.of(renewed);
        } catch (OidcLogin.LoginException e) {
            throw new ImmunityCli.UserException("the token stored for " + server + " could not be renewed: "
                    + Sanitizer.escape(e.getMessage()) + " (run 'immunity login --server " + server + "')");
        }
    }

    /**
     * The stream's token: {@code --token}/{@code IMMUNITY_TOKEN} as given (never renewed), else the stored one,
     * renewed in-band a minute before it expires while it has a refresh token. A failed renewal is retried
     * after 10 s; the connection keeps its current token meanwhile.
     */
    public static dev.immunity.cli.watch.TokenSource streamTokens(CliContext context, URI server, String explicit) {
        if (explicit != null) {
            return dev.immunity.cli.watch.TokenSource.fixed(explicit);
        }
        return new dev.immunity.cli.watch.TokenSource() {
            private Credentials held = current(context, server, false).orElse(null);
            private java.time.Instant retryAt;

            @Override
            public synchronized String token() {
                held = current(context, server, false).orElse(null);
                return held == null ? null : held.accessToken();
            }

            @Override
            public synchronized java.time.Instant renewAt() {
                if (held == null || held.refreshToken() == null || held.expiresAt() == null) {
                    return null;
                }
                java.time.Instant due = held.expiresAt().minus(MARGIN);
                return retryAt != null && retryAt.isAfter(due) ? retryAt : due;
            }

            @Override
            public synchronized String renew() {
                retryAt = context.clock().instant().plusSeconds(10);
                held = current(context, server, true).orElse(null);
                retryAt = null;
                return held == null ? null : held.accessToken();
            }
        };
    }
}
