package dev.immunity.server.ws;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.server.auth.AuthException;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.auth.VerifiedToken;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The token one stream connection runs on. The connection is closed with 1008 when the token expires, unless
 * the client renews it in-band first with {@code {"type":"auth","token":"<jwt>"}}: the new token is verified
 * like the first, must have the same subject, and then replaces it (the way Centrifugo refreshes a
 * connection). Both transports use it. Thread-safe.
 */
final class TokenLease {
    private final JwtVerifier verifier;
    private final StreamManager stream;
    private final ScheduledExecutorService scheduler;
    private final InstantSource clock;
    private String connectionId;
    private VerifiedToken token;
    private ScheduledFuture<?> expiry;

    TokenLease(JwtVerifier verifier, StreamManager stream, ScheduledExecutorService scheduler, InstantSource clock) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.stream = stream;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** Starts the clock of the token the connection opened with. */
    synchronized void start(String connectionId, VerifiedToken token) {
        this.connectionId = connectionId;
        this.token = token;
        schedule();
    }

    /**
     * Renews the token: verified like at the upgrade, same subject.
     *
     * @return when the new token expires
     * @throws AuthException why it was refused; the current token stays in force
     */
    synchronized Instant renew(String presented) throws AuthException {
        VerifiedToken fresh = verifier.verify(presented);
        if (!Objects.equals(fresh.subject(), token == null ? null : token.subject())) {
            throw new AuthException(AuthException.Reason.MALFORMED,
                    "the new token is for another subject: reconnect to change user");
        }
        token = fresh;
        if (connectionId != null) {
            schedule();
        }
        return fresh.expiresAt();
    }

    /** Stops the clock (the connection is gone). */
    synchronized void cancel() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    private void schedule() {
        cancel();
        String id = connectionId;
        long delay = Math.max(0, Duration.between(clock.instant(), token.expiresAt()).toMillis());
        expiry = scheduler.schedule(() -> stream.close(id, CloseCodes.POLICY_VIOLATION,
                "token expired: renew it in-band or reconnect with a new token"), delay, TimeUnit.MILLISECONDS);
    }
}
