package dev.immunity.server.rest;

import dev.immunity.server.auth.AuthException;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.auth.VerifiedToken;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;

/** Filters every HTTP request goes through: security headers, and JWT auth on the API when configured. */
public final class HttpFilters {
    /** The page's Content-Security-Policy: no inline script, connections only to this server (HTTP and WebSocket). */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    // Built once: each answer adds them without re-validating or re-encoding them.
    private static final Header NOSNIFF = HeaderValues.createCached(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
    private static final Header CSP_HEADER = HeaderValues.createCached("Content-Security-Policy", CSP);
    private static final Header NO_REFERRER = HeaderValues.createCached("Referrer-Policy", "no-referrer");
    private static final Header FRAME_DENY = HeaderValues.createCached("X-Frame-Options", "DENY");

    private HttpFilters() {
    }

    /** Adds {@code X-Content-Type-Options}, a CSP, and other hardening headers to every answer. */
    public static Filter securityHeaders() {
        return (chain, req, res) -> {
            res.header(NOSNIFF);
            res.header(CSP_HEADER);
            res.header(NO_REFERRER);
            res.header(FRAME_DENY);
            chain.proceed();
        };
    }

    /**
     * Requires a valid bearer token on {@code /api/**}; the trigger ({@code /api/test/**}) also needs the
     * trigger scope. Answers 401 (no or bad token) or 403 (missing scope) as JSON.
     */
    public static Filter auth(JwtVerifier verifier, String triggerScope) {
        return (chain, req, res) -> {
            String path = req.path().path();
            if (!path.startsWith("/api/")) {
                chain.proceed();
                return;
            }
            try {
                String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
                VerifiedToken token = verifier.verify(JwtVerifier.bearer(header).orElse(null));
                if (path.startsWith("/api/test/")) {
                    token.requireScope(triggerScope);
                }
            } catch (AuthException e) {
                if (e.reason() != AuthException.Reason.SCOPE) {
                    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                }
                Errors.send(res, Status.create(e.reason().httpStatus()), e.getMessage());
                return;
            }
            chain.proceed();
        };
    }
}
