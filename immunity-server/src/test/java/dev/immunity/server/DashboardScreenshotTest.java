package dev.immunity.server;

import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.support.DashboardBrowser;
import dev.immunity.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard with demo data at 1280×800, as most people will see it, with a critical APV breaching its SLA
 * live: the SLAs are the demo's minutes, critical shortened to {@value #CRITICAL_SLA} so that the breach happens
 * during the test. Always written to
 * {@code target/dashboard.png}; to refresh the README's picture run
 * {@code ./mvnw -pl immunity-server test -Dtest=DashboardScreenshotTest -Ddashboard.screenshot=../docs/dashboard.png}.
 */
class DashboardScreenshotTest {
    private static final String CRITICAL_SLA = "20s";
    private static final String BREACHING = "CVE-2026-21042";
    private static TestServer server;
    private static DashboardBrowser browser;

    @BeforeAll
    static void start() {
        server = new TestServer(ServerConfig.load(Map.of("immunity.port", "0", "immunity.host", "127.0.0.1",
                "immunity.sla.critical", CRITICAL_SLA, "immunity.sla.high", "2m", "immunity.sla.medium", "4m",
                "immunity.sla.low", "8m"), Map.of()).withDemo(true));
        browser = DashboardBrowser.start(1280, 800);
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void demoDashboard_at1280x800_withoutConsoleErrors() throws Exception {
        browser.open(server.http("/").toString());
        browser.waitFor(d -> "connected".equals(browser.one("#conn").getDomAttribute("data-state")));
        browser.waitFor(d -> browser.all("#apvs > li").size() >= 10 && browser.all("#patches > li").size() >= 5
                && !browser.text("[data-metric='mttr'] .value").equals("—"));
        assertThat(server.trigger("{\"cve_id\": \"" + BREACHING + "\", \"priority\": \"critical\"}").statusCode()).isEqualTo(202);
        String row = "#sla-list [data-cve='" + BREACHING + "']";
        new WebDriverWait(browser.driver, Duration.ofSeconds(40)).until(d -> browser.js(
                "const r = document.querySelector(arguments[0]); return r?.dataset.state === 'breached'"
                        + " && r.querySelector('.countdown').textContent.startsWith('overdue by')", row));
        browser.js("document.querySelector(arguments[0]).scrollIntoView({block: 'nearest'})", row); // older breaches sort first
        // A typical moment rather than the instant of the breach: the row at least two seconds overdue.
        dev.immunity.server.support.Await.await("the breach two seconds old", Duration.ofSeconds(20), () -> (Boolean) browser.js(
                "const t = document.querySelector(arguments[0]).querySelector('.countdown').textContent;"
                        + " return !/overdue by 00:00:0[01]$/.test(t)", row));

        byte[] png = browser.screenshot();
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(800);
        Files.write(Path.of("target", "dashboard.png"), png);
        String out = System.getProperty("dashboard.screenshot");
        if (out != null && !out.isBlank()) {
            Files.write(Path.of(out), png);
        }
        assertThat(browser.consoleErrors()).isEmpty();
    }
}
