package dev.immunity.server;

import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.auth.PublicTestTokens;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WithBrowser;
import dev.immunity.server.support.WsBlockingProxy;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page on a bad day: the server goes away and comes back, the WebSocket cannot get through.
 * The waits are long because the page backs off (0.5 s doubling, up to 30 s); they assert behaviour, not speed.
 */
class DashboardResilienceTest extends WithBrowser {
    private static final Duration BACKOFF_WAIT = Duration.ofSeconds(45);

    private static String state() {
        return browser.one("#conn").getDomAttribute("data-state");
    }

    private static void waitLong(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(browser.driver, BACKOFF_WAIT).until(condition);
    }

    private static void waitCard(String cve) {
        waitLong(d -> !browser.all("#apvs [data-cve='" + cve + "']").isEmpty());
    }

    @Test
    void serverStoppedAndRestarted_pageReconnectsByItself_andShowsEveryEventOnce() {
        ServerSettings settings = ServerSettings.forTests().withPort(TestServer.freePort());
        server = new TestServer(settings);
        browser.open(server.http("/").toString());
        browser.waitFor(d -> "connected".equals(state()));
        List<String> before = List.of("CVE-2024-51001", "CVE-2024-51002");
        before.forEach(c -> server.server.stream().publish(Fixtures.apv(c)));
        before.forEach(DashboardResilienceTest::waitCard);

        server.close();
        browser.waitFor(d -> "reconnecting".equals(state()) && browser.text("#conn").startsWith("reconnecting in "));

        // The same port, a new in-memory server: a new history, so the page's cursor cannot be resumed and it
        // gets recovered:false plus a snapshot. The source delivers again what it had, and what came meanwhile.
        server = new TestServer(settings);
        List<String> meanwhile = List.of("CVE-2024-51003", "CVE-2024-51004");
        before.forEach(c -> server.server.stream().publish(Fixtures.apv(c)));
        meanwhile.forEach(c -> server.server.stream().publish(Fixtures.apv(c)));

        waitLong(d -> "connected".equals(state()));
        meanwhile.forEach(DashboardResilienceTest::waitCard);
        for (String c : List.of("CVE-2024-51001", "CVE-2024-51002", "CVE-2024-51003", "CVE-2024-51004")) {
            assertThat(browser.all("#apvs [data-cve='" + c + "']")).as(c).hasSize(1);
        }
        assertThat(browser.all("#apvs > li")).hasSize(4);
        assertThat(browser.one("#conn").getDomAttribute("data-recovered")).isEqualTo("false");
        assertThat(browser.one("#conn").getDomAttribute("title")).startsWith("resynchronised: ");
    }

    @Test
    void webSocketUnreachable_pageShowsPolling_stillShowsNewApvs_thenReturnsToTheWebSocket() {
        server = new TestServer(ServerSettings.forTests());
        server.server.stream().publish(Fixtures.apv("CVE-2024-52001"));
        // The page is served through a proxy that passes HTTP but refuses WebSocket upgrades.
        try (WsBlockingProxy proxy = new WsBlockingProxy(server.server.port())) {
            browser.open(proxy.url("/"));

            browser.waitFor(d -> "polling".equals(state()));
            assertThat(browser.text("#conn")).isEqualTo("polling");
            assertThat(proxy.refused()).isPositive();
            waitCard("CVE-2024-52001");
            server.server.stream().publish(Fixtures.apv("CVE-2024-52002"));
            assertThat(server.trigger("{\"cve_id\": \"CVE-2024-52003\"}").statusCode()).isEqualTo(202);
            waitCard("CVE-2024-52002");
            waitCard("CVE-2024-52003");
            assertThat(server.server.stream().connectionCount()).isZero();
            assertThat(browser.text("[data-metric='detected'] .value")).isNotEqualTo("—");

            // The WebSocket gets through again: the page goes back to it, resuming from the cursor polling reached.
            proxy.blockWebSockets(false);
            waitLong(d -> "connected".equals(state()));
            assertThat(browser.one("#conn").getDomAttribute("data-mode")).isEqualTo("resume");
            assertThat(browser.one("#conn").getDomAttribute("data-recovered")).isEqualTo("true");
            server.server.stream().publish(Fixtures.apv("CVE-2024-52004"));
            waitCard("CVE-2024-52004");
            for (String c : List.of("CVE-2024-52001", "CVE-2024-52002", "CVE-2024-52003", "CVE-2024-52004")) {
                assertThat(browser.all("#apvs [data-cve='" + c + "']")).as(c).hasSize(1);
            }
        }
    }

    @Test
    void serverRequiringAToken_pageAsksForOne_andKeepsItForTheTab() {
        server = new TestServer(ServerSettings.forTests().withAuth(AuthSettings.hs256(PublicTestTokens.SECRET)));
        server.server.stream().publish(Fixtures.apv("CVE-2024-53001"));
        browser.open(server.http("/").toString());
        browser.js("sessionStorage.clear()");
        browser.open(server.http("/").toString());

        // A refused upgrade looks like any failed connection to a page; the REST probe tells it a token is needed.
        browser.waitFor(d -> browser.one("#auth").isDisplayed());
        assertThat(state()).isEqualTo("disconnected");
        assertThat(browser.text("#conn-detail")).isEqualTo("token needed");
        browser.one("#token").sendKeys(PublicTestTokens.hs256(), org.openqa.selenium.Keys.ENTER);

        browser.waitFor(d -> "connected".equals(state()));
        waitCard("CVE-2024-53001");
        assertThat(browser.one("#auth").isDisplayed()).isFalse();
        assertThat(browser.js("return sessionStorage.getItem('immunity.token') !== null")).isEqualTo(true);

        // Kept for the tab: a reload connects without asking again.
        browser.driver.navigate().refresh();
        browser.waitFor(d -> "connected".equals(state()));
        assertThat(browser.one("#auth").isDisplayed()).isFalse();
        browser.js("sessionStorage.clear()");
    }
}
