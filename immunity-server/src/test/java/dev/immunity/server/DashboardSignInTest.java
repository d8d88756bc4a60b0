package dev.immunity.server;

import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.DashboardBrowser;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page signs in through a real OpenID Connect provider's login form (mock-oauth2-server, in this JVM,
 * with interactive login), streams, and renews its short-lived token in-band: the connection that outlives
 * the first token is the same one.
 */
class DashboardSignInTest {
    private static final long TOKEN_SECONDS = 20;
    private static MockOAuth2Server idp;
    private static TestServer server;
    private static DashboardBrowser browser;

    @BeforeAll
    static void start() {
        var callback = new DefaultOAuth2TokenCallback("default", "ignored", "JWT", List.of("immunity"),
                Map.of("scope", "immunity:read"), TOKEN_SECONDS);
        idp = new MockOAuth2Server(new OAuth2Config(true, null, null, false, new OAuth2TokenProvider(), Set.of(callback)));
        idp.start();
        String issuer = idp.issuerUrl("default").toString();
        server = new TestServer(ServerSettings.forTests().withAuth(AuthSettings.forIssuer(issuer).withAudience("immunity")
                .withOidc(new AuthSettings.OidcClient("immunity-web", List.of()))));
        // As a load balancer would: no traffic before the server is ready, that is, has the provider's keys.
        dev.immunity.server.support.Await.await("the server has the provider's signing keys", Duration.ofSeconds(30),
                () -> server.get("/observe/health/ready").statusCode() == 200);
        browser = DashboardBrowser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        server.close();
        idp.shutdown();
    }

    private static String conn(String attribute) {
        return browser.one("#conn").getDomAttribute(attribute);
    }

    @Test
    void page_signsInAtTheProvider_streams_andRenewsItsTokenWithoutReconnecting() {
        browser.open(server.http("/").toString());
        browser.waitFor(d -> browser.one("#sign-in").isDisplayed());
        assertThat(browser.text("#sign-in")).startsWith("Sign in with localhost:");
        assertThat(browser.one("#token-form").isDisplayed()).isFalse();

        browser.one("#sign-in").click();
        browser.waitFor(d -> !d.findElements(By.name("username")).isEmpty()); // the provider's own login form
        browser.driver.findElement(By.name("username")).sendKeys("alice");
        browser.driver.findElement(By.cssSelector("input[type=submit]")).click();

        browser.waitFor(d -> "connected".equals(conn("data-state")));
        assertThat(browser.driver.getCurrentUrl()).doesNotContain("code=").doesNotContain("state=");
        String connection = conn("data-connection");
        assertThat(connection).isNotBlank();
        assertThat(browser.one("#sign-out").isDisplayed()).isTrue();
        long firstExpiry = ((Number) browser.js(
                "return JSON.parse(sessionStorage.getItem('immunity.oidc')).expires_at")).longValue();

        server.server.stream().publish(Fixtures.apv("CVE-2024-77001"));
        browser.waitFor(d -> !browser.all("#apvs [data-cve='CVE-2024-77001']").isEmpty());

        new WebDriverWait(browser.driver, Duration.ofSeconds(TOKEN_SECONDS + 10))
                .until(d -> "1".equals(conn("data-renewals")) || "2".equals(conn("data-renewals")));
        new WebDriverWait(browser.driver, Duration.ofSeconds(TOKEN_SECONDS + 10))
                .until(d -> System.currentTimeMillis() > firstExpiry + 1500);

        server.server.stream().publish(Fixtures.apv("CVE-2024-77002"));
        browser.waitFor(d -> !browser.all("#apvs [data-cve='CVE-2024-77002']").isEmpty());
        assertThat(conn("data-state")).isEqualTo("connected");
        assertThat(conn("data-connection")).as("the same connection, renewed in-band").isEqualTo(connection);
        // the provider's login page links a web font it cannot fetch offline: its error, not ours
        assertThat(browser.consoleErrors()).filteredOn(e -> !e.contains("fonts.googleapis.com")).isEmpty();
    }
}
