package dev.immunity.cli.auth;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Signs a terminal user in at the server's identity provider, as {@code gh auth login} and kubelogin do,
 * with the Nimbus OAuth 2.0 SDK: the device authorization grant (RFC 8628) when the provider offers it,
 * else the authorization code flow with PKCE (S256) and a loopback redirect (RFC 8252). Public client: no
 * secret. Also renews stored tokens with their refresh token.
 */
public final class OidcLogin {
    /** What the server says in {@code GET /api/adaptive-immunity/auth/config}. */
    public record ClientConfig(String issuer, String clientId, List<String> scopes) {
    }

    /** How to sign in. */
    public enum Flow {
        /** The device grant when the provider offers it, else the browser. */
        AUTO,
        /** The authorization code flow in a browser, with a loopback redirect. */
        BROWSER,
        /** The device authorization grant. */
        DEVICE
    }

    /** Sign-in failed; the message is what the user should read. */
    public static final class LoginException extends Exception {
        public LoginException(String message) {
            super(message);
        }
    }

    private final Clock clock;
    private final PrintWriter out;

    /** @param out where the user is told what to open, or which code to enter */
    public OidcLogin(Clock clock, PrintWriter out) {
        this.clock = clock;
        this.out = out;
    }

    /** Signs in and returns the tokens, with how long to wait for the user. */
    public Credentials login(ClientConfig config, Flow flow, Duration timeout) throws LoginException {
        OIDCProviderMetadata provider = discover(config.issuer());
        ClientID client = new ClientID(config.clientId());
        Scope scope = new Scope(config.scopes().toArray(String[]::new));
        boolean device = provider.getDeviceAuthorizationEndpointURI() != null;
        if (flow == Flow.DEVICE && !device) {
            throw new LoginException("the identity provider " + config.issuer()
                    + " does not offer the device authorization grant: use --browser");
        }
        Tokens tokens = flow != Flow.BROWSER && device
                ? deviceGrant(provider, client, scope, timeout)
                : browser(provider, client, scope, timeout);
        return credentials(config.issuer(), config.clientId(), provider.getTokenEndpointURI(), tokens, null);
    }

    /** Renews credentials with their refresh token. */
    public Credentials refresh(Credentials current) throws LoginException {
        if (current.refreshToken() == null) {
            throw new LoginException("the stored token has expired and the identity provider gave no refresh token:"
                    + " run 'immunity login' again");
        }
        URI endpoint = URI.create(current.tokenEndpoint());
        Tokens tokens = token(new TokenRequest(endpoint, new ClientID(current.clientId()),
                new RefreshTokenGrant(new RefreshToken(current.refreshToken()))), "refresh");
        return credentials(current.issuer(), current.clientId(), endpoint, tokens, current.refreshToken());
    }

    private OIDCProviderMetadata discover(String issuer) throws LoginException {
        try {
            return OIDCProviderMetadata.resolve(new Issuer(issuer), 5_000, 5_000);
        } catch (GeneralException | IOException e) {
            throw new LoginException("cannot read the OpenID Connect discovery document of " + issuer + ": "
                    + e.getMessage());
        }
    }

    private Tokens deviceGrant(OIDCProviderMetadata provider, ClientID client, Scope scope, Duration timeout)
            throws LoginException {
        DeviceAuthorizationSuccessResponse started;
        try {
            DeviceAuthorizationResponse r = DeviceAuthorizationResponse.parse(
                    new DeviceAuthorizationRequest(provider.getDeviceAuthorizationEndpointURI(), client, scope)
                            .toHTTPRequest().send());
            if (!r.indicatesSuccess()) {
                throw new LoginException("the identity provider refused the device sign-in: "
                        + describe(r.toErrorResponse().getErrorObject()));
            }
            started = r.toSuccessResponse();
        } catch (IOException | ParseException e) {
            throw new LoginException("device sign-in failed: " + e.getMessage());
        }
        URI complete = started.getVerificationURIComplete();
        out.println("To sign in, open " + started.getVerificationURI() + " and enter the code "
                + started.getUserCode().getValue());
        if (complete != null) {
            out.println("(or open " + complete + ")");
        }
        out.flush();
        long interval = Math.max(1, started.getInterval() > 0 ? started.getInterval() : 5);
        Instant deadline = clock.instant().plus(min(timeout, Duration.ofSeconds(
                started.getLifetime() > 0 ? started.getLifetime() : timeout.toSeconds())));
        TokenRequest poll = new TokenRequest(provider.getTokenEndpointURI(), client, new DeviceCodeGrant(started.getDeviceCode()));
        while (clock.instant().isBefore(deadline)) {
            sleep(Duration.ofSeconds(interval));
            TokenResponse r = send(poll, "device");
            if (r.indicatesSuccess()) {
                return r.toSuccessResponse().getTokens();
            }
            String code = r.toErrorResponse().getErrorObject().getCode();
            if ("slow_down".equals(code)) {
                interval += 5; // RFC 8628 §3.5
            } else if (!"authorization_pending".equals(code)) {
                throw new LoginException("sign-in failed: " + describe(r.toErrorResponse().getErrorObject()));
            }
        }
        throw new LoginException("sign-in timed out: nobody entered the code in time");
    }

    private Tokens browser(OIDCProviderMetadata provider, ClientID client, Scope scope, Duration timeout)
            throws LoginException {
        CodeVerifier verifier = new CodeVerifier();
        State state = new State();
        CompletableFuture<URI> callback = new CompletableFuture<>();
        HttpServer loopback;
        try {
            loopback = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new LoginException("cannot listen on a loopback port for the sign-in redirect: " + e.getMessage());
        }
        URI redirect = URI.create("http://127.0.0.1:" + loopback.getAddress().getPort() + "/callback");
        loopback.createContext("/callback", ex -> {
            byte[] page = ("<!doctype html><meta charset=utf-8><title>Immunity</title>"
                    + "<p>Signed in. You can close this tab and return to the terminal.</p>")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.getResponseHeaders().add("Content-Security-Policy", "default-src 'none'");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
            callback.complete(ex.getRequestURI());
        });
        loopback.start();
        try {
            URI authorize = new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE), client)
                    .endpointURI(provider.getAuthorizationEndpointURI())
                    .redirectionURI(redirect)
                    .scope(scope)
                    .state(state)
                    .codeChallenge(verifier, CodeChallengeMethod.S256)
                    .build()
                    .toURI();
            out.println("To sign in, open this URL in a browser on this machine:");
            out.println(authorize);
            out.flush();
            URI back = callback.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            AuthorizationResponse response = AuthorizationResponse.parse(URI.create(redirect + "?" + back.getRawQuery()));
            if (!state.equals(response.getState())) {
                throw new LoginException("sign-in failed: the redirect's state does not match (a stale or forged redirect)");
            }
            if (!response.indicatesSuccess()) {
                throw new LoginException("sign-in failed: " + describe(response.toErrorResponse().getErrorObject()));
            }
            AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
            AuthorizationGrant grant = new AuthorizationCodeGrant(code, redirect, verifier);
            return token(new TokenRequest(provider.getTokenEndpointURI(), client, grant), "sign-in");
        } catch (TimeoutException e) {
            throw new LoginException("sign-in timed out: the browser did not come back within " + timeout.toSeconds() + " s");
        } catch (ExecutionException | ParseException e) {
            throw new LoginException("sign-in failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoginException("sign-in interrupted");
        } finally {
            loopback.stop(0);
        }
    }

    private Tokens token(TokenRequest request, String what) throws LoginException {
        TokenResponse r = send(request, what);
        if (!r.indicatesSuccess()) {
            throw new LoginException(what + " failed: " + describe(r.toErrorResponse().getErrorObject()));
        }
        return r.toSuccessResponse().getTokens();
    }

    private static TokenResponse send(TokenRequest request, String what) throws LoginException {
        try {
            return TokenResponse.parse(request.toHTTPRequest().send());
        } catch (IOException | ParseException e) {
            throw new LoginException(what + " failed: cannot reach the token endpoint " + request.getEndpointURI()
                    + ": " + e.getMessage());
        }
    }

    private Credentials credentials(String issuer, String clientId, URI tokenEndpoint, Tokens tokens, String oldRefresh) {
        long lifetime = tokens.getAccessToken().getLifetime();
        RefreshToken refresh = tokens.getRefreshToken();
        return new Credentials(issuer, clientId, tokenEndpoint.toString(), tokens.getAccessToken().getValue(),
                refresh != null ? refresh.getValue() : oldRefresh,
                lifetime > 0 ? clock.instant().plusSeconds(lifetime) : null);
    }

    private static String describe(ErrorObject error) {
        return (error.getCode() == null ? "error" : error.getCode())
                + (error.getDescription() == null ? "" : ": " + error.getDescription());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration d) throws LoginException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoginException("sign-in interrupted");
        }
    }
}
