package dev.immunity.server.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.health.HealthStatus;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * Signing keys from a JWK Set URL, found directly or through the issuer's OpenID Connect discovery
 * document. Fetching, caching, the refetch on an unknown {@code kid} (at most twice per 30 s), retries and
 * keeping the last good set while the provider is unreachable are nimbus-jose-jwt's
 * ({@link JWKSourceBuilder}); this class only resolves the URL and remembers how the last fetch went, for
 * the readiness check.
 */
final class RemoteKeys implements JWKSource<SecurityContext> {
    private static final System.Logger LOG = System.getLogger(RemoteKeys.class.getName());
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 5_000;
    private static final int SIZE_LIMIT = 256 * 1024;
    /** How often discovery is retried while it fails (each verification in between fails fast). */
    private static final long DISCOVERY_RETRY_MS = 5_000;

    private final URI configuredJwks;
    private final String issuer;
    private final DefaultResourceRetriever retriever =
            new DefaultResourceRetriever(CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, SIZE_LIMIT);

    private volatile JWKSource<SecurityContext> source;
    private volatile boolean everLoaded;
    private volatile boolean healthy;
    private volatile String lastError = "not fetched yet";
    private volatile long lastDiscoveryAttempt;

    /**
     * @param jwksUri the JWK Set URL, or null to discover it from {@code issuer}
     * @param issuer  the issuer (needed when {@code jwksUri} is null)
     */
    RemoteKeys(URI jwksUri, String issuer) {
        this.configuredJwks = jwksUri;
        this.issuer = issuer;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        return source().get(selector, context);
    }

    /** Fetches the keys now if none were ever loaded (start-up, and the readiness check while not ready). */
    void prefetch() {
        if (everLoaded) {
            return;
        }
        try {
            get(new JWKSelector(new JWKMatcher.Builder().build()), null);
            everLoaded = true;
            healthy = true;
        } catch (KeySourceException | RuntimeException e) {
            lastError = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "no signing keys yet from " + where() + ": " + e.getMessage());
        }
    }

    /** Whether a key set has been loaded at least once (cached keys keep working through an outage). */
    boolean ready() {
        return everLoaded;
    }

    /** Where keys come from, and how the last fetch went: for health details and logs. */
    String describe() {
        return where() + (everLoaded ? (healthy ? ": keys loaded" : ": keys cached, provider unreachable (" + lastError + ")")
                : ": no signing keys yet (" + lastError + ")");
    }

    private String where() {
        return configuredJwks != null ? "JWKS " + configuredJwks : "issuer " + issuer;
    }

    private JWKSource<SecurityContext> source() throws KeySourceException {
        JWKSource<SecurityContext> s = source;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (source != null) {
                return source;
            }
            long now = System.currentTimeMillis();
            if (configuredJwks == null && now - lastDiscoveryAttempt < DISCOVERY_RETRY_MS) {
                throw new KeySourceException("discovery at " + issuer + " failed: " + lastError);
            }
            lastDiscoveryAttempt = now;
            URL url = configuredJwks != null ? toUrl(configuredJwks) : discover();
            source = JWKSourceBuilder.<SecurityContext>create(url, retriever)
                    .retrying(true)
                    .outageTolerantForever()
                    .healthReporting(report -> {
                        healthy = report.getHealthStatus() == HealthStatus.HEALTHY;
                        if (healthy) {
                            everLoaded = true;
                        } else if (report.getException() != null) {
                            lastError = report.getException().getMessage();
                        }
                    })
                    .build();
            LOG.log(System.Logger.Level.INFO, "signing keys from " + url + (configuredJwks == null
                    ? " (discovered from " + issuer + ")" : ""));
            return source;
        }
    }

    /** Reads {@code jwks_uri} from the issuer's {@code /.well-known/openid-configuration}. */
    private URL discover() throws KeySourceException {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URL url = toUrl(URI.create(base + "/.well-known/openid-configuration"));
        try {
            Map<String, Object> doc = JSONObjectUtils.parse(retriever.retrieveResource(url).getContent());
            String docIssuer = JSONObjectUtils.getString(doc, "issuer");
            if (!issuer.equals(docIssuer)) {
                throw new KeySourceException("discovery document at " + url + " names another issuer: " + docIssuer);
            }
            URI jwks = JSONObjectUtils.getURI(doc, "jwks_uri");
            if (jwks == null) {
                throw new KeySourceException("discovery document at " + url + " has no jwks_uri");
            }
            return toUrl(jwks);
        } catch (IOException | ParseException e) {
            lastError = "discovery at " + url + ": " + e.getMessage();
            throw new KeySourceException(lastError, e);
        } catch (KeySourceException e) {
            lastError = e.getMessage();
            throw e;
        }
    }

    private static URL toUrl(URI uri) throws KeySourceException {
        try {
            return uri.toURL();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new KeySourceException("not a URL: " + uri, e);
        }
    }
}
