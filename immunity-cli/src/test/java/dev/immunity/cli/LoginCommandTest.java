package dev.immunity.cli;

import dev.immunity.cli.auth.Credentials;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.config.ServerSettings;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code immunity login} against a real OpenID Connect provider in this JVM (mock-oauth2-server: discovery,
 * authorization code with PKCE, refresh tokens), then the other commands with no {@code --token}.
 */
class LoginCommandTest {
    private static MockOAuth2Server idp;
    private static ImmunityServer server;
    private static String url;

    @TempDir
    Path config;

    @BeforeAll
    static void start() {
        idp = new MockOAuth2Server();
        idp.start();
        String issuer = idp.issuerUrl("default").toString();
        server = ImmunityServer.start(ServerSettings.forTests().withAuth(AuthSettings.forIssuer(issuer)
                .withOidc(new AuthSettings.OidcClient("immunity-cli", List.of("profile")))));
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.shutdown();
    }

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                CliContext.system().withConfigDir(config)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs {@code login --browser} and plays the browser: opens the URL it prints and follows the redirects. */
    private Run login() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                CliContext.system().withConfigDir(config));
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                () -> cli.execute("login", "--browser", "--timeout", "60s", "--server", url));
        String authorize = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (authorize == null && System.nanoTime() < deadline && !code.isDone()) {
            authorize = out.toString().lines().filter(l -> l.startsWith("http")).findFirst().orElse(null);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(authorize).as("login printed the URL to open; out=%s err=%s", out, err).isNotNull();
        assertThat(authorize).contains("code_challenge_method=S256").contains("client_id=immunity-cli")
                .contains("redirect_uri=http%3A%2F%2F127.0.0.1");
        HttpResponse<String> browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build()
                .send(HttpRequest.newBuilder(URI.create(authorize)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(browser.body()).contains("Signed in");
        return new Run(code.get(30, TimeUnit.SECONDS), out.toString(), err.toString());
    }

    @Test
    void login_thenApvsWithoutAToken_andTheTokenFileIsOwnerOnly() throws Exception {
        assertThat(run("apvs", "--server", url).code()).as("refused before signing in").isEqualTo(1);

        Run login = login();
        assertThat(login.code()).as(login.err()).isZero();
        assertThat(login.out()).contains("Signed in to " + url);

        Run apvs = run("apvs", "--server", url);
        assertThat(apvs.code()).as(apvs.err()).isZero();
        Path file = config.resolve("credentials.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rwx------");

        assertThat(run("logout", "--server", url).out()).contains("Signed out");
        assertThat(run("apvs", "--server", url).code()).isEqualTo(1);
    }

    @Test
    void anExpiringStoredToken_isRenewedWithItsRefreshToken() throws Exception {
        assertThat(login().code()).isZero();
        var store = CliContext.system().withConfigDir(config).credentials();
        Credentials signedIn = store.get(URI.create(url)).orElseThrow();
        assertThat(signedIn.refreshToken()).isNotBlank();
        store.put(URI.create(url), new Credentials(signedIn.issuer(), signedIn.clientId(), signedIn.tokenEndpoint(),
                "expired-and-no-longer-valid", signedIn.refreshToken(), Instant.now().minusSeconds(5)));

        Run apvs = run("apvs", "--server", url);

        assertThat(apvs.code()).as(apvs.err()).isZero();
        Credentials renewed = store.get(URI.create(url)).orElseThrow();
        assertThat(renewed.accessToken()).isNotEqualTo("expired-and-no-longer-valid");
        assertThat(renewed.expiresAt()).isAfter(Instant.now().plus(Duration.ofMinutes(5)));
    }

    @Test
    void watch_renewsItsStoredTokenInBand_onTheSameConnection() throws Exception {
        // A token that expires 62 s after sign-in: inside the 60 s margin 2 s later, so watch renews it then.
        idp.enqueueCallback(new no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback("default", "alice", "JWT",
                List.of("default"), java.util.Map.of(), 62L));
        assertThat(login().code()).isZero();
        String before = CliContext.system().withConfigDir(config).credentials().get(URI.create(url)).orElseThrow().accessToken();

        StringWriter out = new StringWriter();
        var cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                CliContext.system().withConfigDir(config));
        CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(
                () -> cli.execute("watch", "-o", "ndjson", "--count", "1", "--server", url));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!out.toString().contains("\"type\":\"auth_ok\"") && System.nanoTime() < deadline && !watch.isDone()) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(out.toString()).as("watch renewed its token in-band").contains("\"type\":\"auth_ok\"");
        server.stream().publish(TestApvs.apv("CVE-2024-66001", "high", "payments", "renewed in-band while streaming", 7.5, Instant.now()));

        assertThat(watch.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).contains("CVE-2024-66001");
        assertThat(out.toString().split("\"type\":\"hello\"", -1)).as("one connection, never reopened").hasSize(2);
        assertThat(CliContext.system().withConfigDir(config).credentials().get(URI.create(url)).orElseThrow().accessToken())
                .isNotEqualTo(before);
    }

    @Test
    void login_againstAServerWithoutSignIn_saysWhatToDo() {
        ImmunityServer open = ImmunityServer.start(ServerSettings.forTests());
        try {
            Run r = run("login", "--server", "http://127.0.0.1:" + open.port());
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("does not require a token");
        } finally {
            open.close();
        }
    }
}
