package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.auth.Credentials;
import dev.immunity.cli.auth.OidcLogin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code immunity login}: signs in at the server's identity provider and stores the tokens, like
 * {@code gh auth login} or kubelogin. The server names the provider and the public client
 * ({@code GET /api/adaptive-immunity/auth/config}).
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Sign in at the server's identity provider and store the token for the other commands.",
                "Uses the device authorization grant when the provider offers it, else a browser with a loopback redirect.",
                "The token is kept in credentials.json under IMMUNITY_CONFIG_DIR (default ~/.config/immunity), mode 0600."})
public final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--browser", description = "Sign in in a browser even when the provider offers the device grant.")
    boolean browser;

    @Option(names = "--device", description = "Use the device authorization grant (sign in on another device).")
    boolean device;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long to wait for the sign-in (default: ${DEFAULT-VALUE}).")
    String timeout;

    private final CliContext context;

    public LoginCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (browser && device) {
            throw new ServerOptions.BadUsage("--browser and --device: choose one");
        }
        Duration wait;
        try {
            wait = dev.immunity.server.config.ServerConfig.parseDuration(timeout);
        } catch (IllegalArgumentException e) {
            throw new ServerOptions.BadUsage("--timeout: expected a duration such as 90s or 5m (got '"
                    + Sanitizer.escape(timeout) + "')");
        }
        JsonNode config = new ApiClient(context.http(), server.base(), null).get(ApiClient.API + "/auth/config", Map.of());
        JsonNode oidc = config.path("oidc");
        if (!oidc.isObject()) {
            throw new ImmunityCli.UserException(server.base() + (config.path("auth_required").asBoolean()
                    ? " requires a token but offers no sign-in (immunity.auth.oidc.client-id is not set there): pass --token"
                    : " does not require a token: nothing to sign in to"));
        }
        List<String> scopes = new ArrayList<>();
        oidc.path("scopes").forEach(s -> scopes.add(s.asText()));
        var client = new OidcLogin.ClientConfig(oidc.path("issuer").asText(), oidc.path("client_id").asText(), scopes);
        PrintWriter out = spec.commandLine().getOut();
        Credentials credentials;
        try {
            credentials = new OidcLogin(context.clock(), out).login(client,
                    browser ? OidcLogin.Flow.BROWSER : device ? OidcLogin.Flow.DEVICE : OidcLogin.Flow.AUTO, wait);
        } catch (OidcLogin.LoginException e) {
            throw new ImmunityCli.UserException(Sanitizer.escape(e.getMessage()));
        }
        var store = context.credentials();
        store.put(server.base(), credentials);
        out.println("Signed in to " + server.base() + " at " + Sanitizer.escape(client.issuer())
                + (credentials.expiresAt() == null ? "" : "; the token expires at " + credentials.expiresAt())
                + (credentials.refreshToken() == null ? "" : " and is renewed automatically")
                + ". Stored in " + store.file());
        return 0;
    }
}
