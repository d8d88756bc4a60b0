package dev.immunity.server.rest;

import dev.immunity.server.auth.AuthException;
import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.auth.VerifiedToken;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** Filters every HTTP request goes through: security headers, and JWT auth on the API when configured. */
public final class HttpFilters {
    /**
     * The page's Content-Security-Policy: no inline script, connections only to this server's own origin
     * (HTTP and, as CSP Level 3 defines {@code 'self'}, its WebSocket).
     */
    public static final String CSP = csp(null);

    // Built once: each answer adds them without re-validating or re-encoding them.
    private static final Header NOSNIFF = HeaderValues.createCached(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
    private static final Header NO_REFERRER = HeaderValues.createCached("Referrer-Policy", "no-referrer");
    private static final Header FRAME_DENY = HeaderValues.createCached("X-Frame-Options", "DENY");

    private HttpFilters() {
    }

    /**
     * The CSP for a server whose page signs in at {@code identityProvider} (an origin such as
     * {@code https://idp.example.com}, for its discovery document and token endpoint), or at none.
     */
    static String csp(String identityProvider) {
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
                + (identityProvider == null ? "" : " " + identityProvider)
                + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /** The origin ({@code scheme://host[:port]}) of a URL. */
    static String origin(String url) {
        java.net.URI u = java.net.URI.create(url);
        return u.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + u.getHost().toLowerCase(java.util.Locale.ROOT)
                + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    /**
     * Adds {@code X-Content-Type-Options}, a CSP, and other hardening headers to every answer. When the page
     * signs in with OpenID Connect, the CSP also lets it reach the identity provider's origin.
     */
    public static Filter securityHeaders(AuthSettings auth) {
        Header csp = HeaderValues.createCached("Content-Security-Policy",
                auth.enabled() && auth.oidc() != null ? csp(origin(auth.issuer())) : CSP);
        return (chain, req, res) -> {
            res.header(NOSNIFF);
            res.header(csp);
            res.header(NO_REFERRER);
            res.header(FRAME_DENY);
            chain.proceed();
        };
    }

    /**
     * Refuses requests whose {@code Host} the server does not answer to (DNS rebinding) with 421 Misdirected
     * Request, before anything else: REST, the page, health and metrics alike.
     */
    public static Filter hostCheck(dev.immunity.server.HostCheck check) {
        return (chain, req, res) -> {
            if (!check.allows(req.headers().first(HeaderNames.HOST).orElse(null))) {
                Errors.send(req, res, Status.create(421, "Misdirected Request"), dev.immunity.server.HostCheck.refusal());
                return;
            }
            chain.proceed();
        };
    }

    /**
     * With auth on, {@code /observe/metrics} (vulnerability counts) needs a valid token with the metrics scope;
     * health ({@code /observe/health}) stays open for load balancers.
     */
    public static Filter metricsAuth(JwtVerifier verifier, String metricsScope) {
        return (chain, req, res) -> {
            String path = req.path().path();
            if (!path.startsWith("/observe/metrics") || authorized(verifier, req, res, metricsScope)) {
                chain.proceed();
            }
        };
    }

    /**
     * Requires a valid bearer token on {@code /api/**}; the trigger ({@code /api/test/**}) also needs the
     * trigger scope. Answers 401 (no or bad token) or 403 (missing scope) as JSON.
     */
    public static Filter auth(JwtVerifier verifier, String triggerScope) {
        return (chain, req, res) -> {
            String path = req.path().path();
            if (!path.startsWith("/api/") || path.equals(AuthConfigService.PATH)
                    || authorized(verifier, req, res, path.startsWith("/api/test/") ? triggerScope : null)) {
                chain.proceed();
            }
        };
    }

    /** Whether the request carries a valid token (with {@code scope}, unless null); if not, the refusal is sent. */
    private static boolean authorized(JwtVerifier verifier, ServerRequest req, ServerResponse res, String scope) {
        try {
            String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
            VerifiedToken token = verifier.verify(JwtVerifier.bearer(header).orElse(null));
            if (scope != null) {
                token.requireScope(scope);
            }
            return true;
        } catch (AuthException e) {
            if (e.reason() != AuthException.Reason.SCOPE) {
                res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            }
            Errors.send(req, res, Status.create(e.reason().httpStatus()), e.getMessage());
            return false;
        }
    }
}
