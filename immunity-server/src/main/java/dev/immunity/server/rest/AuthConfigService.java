package dev.immunity.server.rest;

import dev.immunity.core.json.Json;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.auth.AuthSettings;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/adaptive-immunity/auth/config}, open to everyone: what a client needs to sign in. Whether
 * a token is required and, when the server has a sign-in client, the identity provider's issuer (its
 * discovery document lists the endpoints), the public client id and the scopes to request. Nothing secret.
 */
public final class AuthConfigService implements HttpService {
    /** The full path, which the auth filter leaves open. */
    public static final String PATH = ImmunityServer.API_PATH + "/auth/config";

    private final byte[] answer;

    public AuthConfigService(AuthSettings auth) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("auth_required", auth.enabled());
        if (auth.enabled() && auth.oidc() != null) {
            Map<String, Object> oidc = new LinkedHashMap<>();
            oidc.put("issuer", auth.issuer());
            oidc.put("client_id", auth.oidc().clientId());
            oidc.put("scopes", auth.oidc().scopes());
            body.put("oidc", oidc);
        } else {
            body.put("oidc", null);
        }
        this.answer = Json.writeBytes(body);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/auth/config", this::config);
    }

    private void config(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, HttpMediaTypes.JSON_UTF_8.text());
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(answer);
    }
}
