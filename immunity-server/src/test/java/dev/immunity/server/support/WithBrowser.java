package dev.immunity.server.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * A page test: one headless browser ({@link DashboardBrowser}) for the class, and a server of each test's own in
 * {@link #server} (the test starts it; it is closed after the test), so that no test sees what another published.
 */
public abstract class WithBrowser {
    protected static DashboardBrowser browser;
    protected TestServer server;

    @BeforeAll
    static void startBrowser() {
        browser = DashboardBrowser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }
}
