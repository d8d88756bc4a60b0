package dev.immunity.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WithBrowser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard page in a real browser (Debian's headless chromium) against the real server: what it shows
 * and that untrusted text never runs.
 */
class DashboardPageTest extends WithBrowser {
    @BeforeEach
    void openPage() {
        server = new TestServer(ServerSettings.forTests());
        browser.open(server.http("/").toString());
        waitConnected();
        browser.consoleLogs(); // start each test with an empty console
    }

    private static void waitConnected() {
        browser.waitFor(d -> "connected".equals(browser.one("#conn").getDomAttribute("data-state")));
    }

    private static WebElement apvCard(String cve) {
        return browser.waitFor(d -> browser.all("#apvs [data-cve='" + cve + "']").stream().findFirst().orElse(null));
    }

    private static String metric(String id) {
        return browser.text("[data-metric='" + id + "'] .value");
    }

    @Test
    void page_loadsWithoutConsoleErrors_andShowsConnectedWithColourAndText() {
        browser.open(server.http("/adaptive-immunity").toString());
        waitConnected();
        browser.open(server.http("/").toString());
        waitConnected();

        assertThat(browser.text("#conn")).isEqualTo("connected");
        assertThat(browser.one("#conn").getCssValue("color")).isNotEqualTo(browser.one("#conn-detail").getCssValue("color"));
        assertThat(browser.text("h1")).isEqualTo("Immunity");
        assertThat(browser.text("#server")).isEqualTo("127.0.0.1:" + server.server.port());
        // Nothing measured yet: "no data" shows as a dash, never 0.
        assertThat(metric("mttr")).isEqualTo("—");
        assertThat(metric("success")).isEqualTo("—");
        assertThat(browser.all("#metrics svg.spark")).hasSize(6);
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void triggeredApv_appearsOnTheTimeline_newestFirst() {
        long start = System.nanoTime();
        assertThat(server.trigger("{\"cve_id\": \"CVE-2024-41001\"}").statusCode()).isEqualTo(202);
        WebElement card = apvCard("CVE-2024-41001");
        System.out.printf("triggered APV shown after %d ms%n", (System.nanoTime() - start) / 1_000_000);

        assertThat(card.getText()).contains("CVE-2024-41001");
        assertThat(card.findElement(org.openqa.selenium.By.cssSelector(".prio")).getText()).isNotBlank();
        assertThat(browser.text("#received")).doesNotStartWith("0 ");

        server.server.stream().publish(Fixtures.apv("CVE-2024-41002", "critical", List.of("checkout-api")));
        WebElement newest = apvCard("CVE-2024-41002");
        assertThat(browser.all("#apvs > li").getFirst().findElement(org.openqa.selenium.By.cssSelector("[data-cve]"))
                .getDomAttribute("data-cve")).isEqualTo("CVE-2024-41002");
        // Severity is a word, not only a colour; packages with their fixed version; services; strategy.
        assertThat(newest.getText()).contains("CRITICAL", "CVSS 9.8 critical", "example-lib 2.0.0 → 2.0.1",
                "checkout-api", "dependency upgrade");

        // The card expands to the full details, by keyboard too.
        WebElement summary = newest.findElement(org.openqa.selenium.By.cssSelector("details summary"));
        summary.sendKeys(org.openqa.selenium.Keys.ENTER);
        browser.waitFor(d -> newest.findElement(org.openqa.selenium.By.cssSelector(".details-text")).isDisplayed());
        assertThat(newest.getText()).contains("A crafted payload lets an attacker execute code", "CVSS:3.1/AV:N");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void patchMovingThroughItsLifecycle_updatesItsCard_andMetricsChange() {
        String cve = "CVE-2024-42001";
        String detectedBefore = metric("detected");
        server.server.stream().publish(Fixtures.apv(cve));
        apvCard(cve);
        browser.waitFor(d -> !metric("detected").equals(detectedBefore));

        String patchCss = "#patches [data-cve='" + cve + "']";
        for (String status : List.of("pending", "validating", "applied", "merged")) {
            server.server.stream().publish(Fixtures.patch(cve, status));
            browser.waitFor(d -> browser.all(patchCss).stream()
                    .anyMatch(e -> status.equals(e.getDomAttribute("data-status"))));
            assertThat(browser.all(patchCss)).as("one card per patch, updated in place").hasSize(1);
            assertThat(browser.one(patchCss).findElement(org.openqa.selenium.By.cssSelector(".status")).getText())
                    .endsWith(status.toUpperCase(java.util.Locale.ROOT));
        }
        WebElement patch = browser.one(patchCss);
        assertThat(patch.getText()).contains("Pull request", "93 %", "requirements.txt");
        assertThat(patch.findElement(org.openqa.selenium.By.cssSelector("a.pr")).getDomAttribute("href"))
                .isEqualTo("https://github.com/example-org/payments-api/pull/42");
        // The APV card follows its patch, and the merged patch gives MTTR and success-rate figures.
        browser.waitFor(d -> apvCard(cve).getText().contains("MERGED"));
        browser.waitFor(d -> !metric("mttr").equals("—") && metric("success").equals("100 %"));
        assertThat(browser.text("[data-metric='applied'] .value")).isNotEqualTo("—");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void hostileApv_isShownAsText_andRunsNothing() {
        String cve = "CVE-2024-66666";
        String rlo = "\u202E";
        ObjectNode n = Fixtures.apvJson(cve, "critical", List.of(
                "<img src=x onerror=\"window.__pwned='service'\">", "pay" + rlo + "ments-api"));
        n.put("summary", "<img src=x onerror=\"window.__pwned='summary'\"><script>window.__pwned='script'</script> "
                + "safe" + rlo + "txt.exe");
        n.put("details", "<svg onload=\"window.__pwned='details'\"></svg><a href=\"javascript:window.__pwned='a'\">x</a>");
        n.put("remediation_notes", "<iframe src=\"javascript:window.__pwned='notes'\"></iframe>");
        server.server.stream().publish(WireFormat.parseApv(n));

        ObjectNode p = Json.mapper().createObjectNode();
        p.put("patch_id", "patch-" + cve + "-20261125-101500");
        p.put("cve_id", cve);
        p.put("strategy_used", "<b onmouseover=\"window.__pwned='strategy'\">code_patch</b>");
        p.putArray("files_modified").add("<img src=x onerror=\"window.__pwned='file'\">");
        p.put("status", "failed");
        p.put("pr_url", "javascript:window.__pwned='pr'");
        p.put("error_message", "<script>window.__pwned='error'</script>");
        p.put("generated_at", Instant.now().toString());
        Patch patch = WireFormat.parsePatch(p, Instant.now());
        server.server.stream().publish(patch);

        WebElement card = apvCard(cve);
        browser.waitFor(d -> !browser.all("#patches [data-cve='" + cve + "']").isEmpty());
        card.findElement(org.openqa.selenium.By.cssSelector("details summary")).click();

        assertThat(card.getText()).contains("<img src=x onerror=\"window.__pwned='summary'\">",
                "<script>window.__pwned='script'</script>", "safe[U+202E]txt.exe", "pay[U+202E]ments-api",
                "<img src=x onerror=\"window.__pwned='service'\">", "<svg onload=");
        WebElement patchCard = browser.one("#patches [data-cve='" + cve + "']");
        assertThat(patchCard.getText()).contains("javascript:window.__pwned='pr'", "<script>window.__pwned='error'</script>");
        assertThat(patchCard.findElements(org.openqa.selenium.By.cssSelector("a"))).as("no link for a javascript: URL").isEmpty();
        // The SLA list names its services as text too.
        String slaRow = "#sla-list [data-cve='" + cve + "']";
        browser.waitFor(d -> !browser.all(slaRow).isEmpty());
        assertThat(textOf(slaRow + " .sla-services")).contains("<img src=x onerror=\"window.__pwned='service'\">", "pay[U+202E]ments-api");
        // Nothing from the event became markup, and nothing ran.
        assertThat(browser.all("#apvs img, #apvs script, #apvs iframe, #apvs svg, #apvs a, #patches img, #patches script, #patches b,"
                + " #sla-list img, #sla-list script")).isEmpty();
        assertThat(browser.js("return typeof window.__pwned")).isEqualTo("undefined");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void page_usesNoHtmlSinks() throws Exception {
        for (String file : List.of("app.js", "dom.js", "views.js", "format.js", "stream.js", "sla.js")) {
            var res = server.get("/" + file);
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Type").orElse("")).contains("javascript");
            assertThat(res.body()).as(file).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML",
                    "document.write", "eval(", "new Function");
        }
        var index = server.get("/");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("script-src 'self'", "style-src 'self'", "connect-src 'self'");
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.body()).doesNotContain("<script>", " style=", "onclick");
    }

    @Test
    void clientCutOff_reconnectsByItself_andResumesWithTheMissedEventsOnceEach() {
        for (int i = 0; i < 3; i++) {
            server.server.stream().publish(Fixtures.apv("CVE-2024-4300" + i));
        }
        apvCard("CVE-2024-43002");
        String connection = browser.one("#conn").getDomAttribute("data-connection");
        int before = received();
        long resumes = server.server.stream().stats().resumes();

        // Cut the page off server-side, then produce events while it is away.
        server.server.stream().close(connection, 1011, "test: cut off");
        List<String> missed = List.of("CVE-2024-43100", "CVE-2024-43101", "CVE-2024-43102");
        missed.forEach(c -> server.server.stream().publish(Fixtures.apv(c)));

        browser.waitFor(d -> !connection.equals(browser.one("#conn").getDomAttribute("data-connection"))
                && "connected".equals(browser.one("#conn").getDomAttribute("data-state")));
        missed.forEach(DashboardPageTest::apvCard);
        assertThat(browser.one("#conn").getDomAttribute("data-mode")).isEqualTo("resume");
        assertThat(browser.one("#conn").getDomAttribute("data-recovered")).isEqualTo("true");
        assertThat(server.server.stream().stats().resumes()).isEqualTo(resumes + 1);
        for (String c : missed) {
            assertThat(browser.all("#apvs [data-cve='" + c + "']")).as(c).hasSize(1);
        }
        // Exactly the three missed events were delivered again: no snapshot, no duplicate.
        assertThat(received()).isEqualTo(before + missed.size());
    }

    @Test
    void filters_areAppliedByTheServer_andKeptInTheUrl() {
        server.server.stream().publish(Fixtures.apv("CVE-2024-44001", "low", List.of("search-api")));
        server.server.stream().publish(Fixtures.apv("CVE-2024-44002", "critical", List.of("billing-api")));
        apvCard("CVE-2024-44002");

        browser.one("#filters input[value=critical]").click();
        browser.one("#filters button[type=submit]").click();
        browser.waitFor(d -> browser.all("#apvs [data-cve='CVE-2024-44001']").isEmpty());
        waitConnected();
        assertThat(browser.driver.getCurrentUrl()).endsWith("/?priority=critical");
        assertThat(browser.all("#apvs .prio")).isNotEmpty()
                .allMatch(e -> e.getText().endsWith("CRITICAL") && "critical".equals(e.getDomAttribute("data-priority")));
        server.server.stream().publish(Fixtures.apv("CVE-2024-44003", "low", List.of("search-api")));
        server.server.stream().publish(Fixtures.apv("CVE-2024-44004", "critical", List.of("search-api")));
        apvCard("CVE-2024-44004");
        assertThat(browser.all("#apvs [data-cve='CVE-2024-44003']")).isEmpty();

        browser.open(server.http("/?service=search-api").toString());
        waitConnected();
        apvCard("CVE-2024-44004");
        assertThat(browser.one("#service").getDomProperty("value")).isEqualTo("search-api");
        assertThat(browser.all("#apvs [data-cve='CVE-2024-44002']")).isEmpty();
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void scrolledAway_newApvsAreCounted_notScrolledTo() {
        for (int i = 0; i < 30; i++) {
            server.server.stream().publish(Fixtures.apv("CVE-2024-45" + (100 + i)));
        }
        apvCard("CVE-2024-45129");
        browser.js("document.getElementById('apvs').scrollTop = 400");
        browser.waitFor(d -> ((Number) browser.js("return document.getElementById('apvs').scrollTop")).intValue() > 100);
        server.server.stream().publish(Fixtures.apv("CVE-2024-45200"));
        server.server.stream().publish(Fixtures.apv("CVE-2024-45201"));
        browser.waitFor(d -> browser.one("#new-items").isDisplayed() && browser.text("#new-items").contains("2 new"));
        assertThat(((Number) browser.js("return document.getElementById('apvs').scrollTop")).intValue()).isGreaterThan(100);

        browser.one("#new-items").click();
        browser.waitFor(d -> ((Number) browser.js("return document.getElementById('apvs').scrollTop")).intValue() == 0);
        browser.waitFor(d -> !browser.one("#new-items").isDisplayed());
    }

    @Test
    void timeline_isCapped_oldestCardsGoFirst() {
        for (int i = 0; i < 210; i++) {
            server.server.stream().publish(Fixtures.apv("CVE-2024-46" + (100 + i)));
        }
        apvCard("CVE-2024-46309");
        browser.waitFor(d -> browser.all("#apvs > li").size() == 200);
        assertThat(browser.text("#apv-count")).isEqualTo("200 (latest 200)");
        assertThat(browser.all("#apvs [data-cve='CVE-2024-46100']")).isEmpty();
        assertThat(browser.all("#apvs [data-cve='CVE-2024-46110']")).hasSize(1);
    }

    @Test
    void viewDiff_showsAddedAndRemovedLines_withLineNumbers_andEscapeCloses() {
        String cve = "CVE-2024-47001";
        String diff = String.join("\n",
                "diff --git a/app/payments.py b/app/payments.py",
                "index 1a2b3c4..5d6e7f8 100644",
                "--- a/app/payments.py",
                "+++ b/app/payments.py",
                "@@ -10,3 +10,3 @@ def charge(amount):",
                "     total = amount",
                "-    fee = total * 0.1",
                "+    fee = round(total * 0.1, 2)",
                "     return total + fee") + "\n";
        server.server.stream().publish(Fixtures.apv(cve));
        server.server.stream().publish(Fixtures.patch(cve, "applied").withDiff(PatchDiff.of(diff)));

        WebElement card = patchCard(cve);
        assertThat(card.getText()).contains("9 lines");
        card.findElement(By.cssSelector("button.view-diff")).click();
        WebElement panel = shownPanel();
        assertThat(browser.one("#diff-title").getDomProperty("textContent")).isEqualTo("Patch for " + cve);

        List<WebElement> rows = panel.findElements(By.cssSelector(".diff tbody tr"));
        assertThat(rows).extracting(r -> r.getDomAttribute("data-kind"))
                .containsExactly("file", "meta", "file", "file", "hunk", "ctx", "del", "add", "ctx");
        WebElement removed = panel.findElement(By.cssSelector("tr.diff-del"));
        WebElement added = panel.findElement(By.cssSelector("tr.diff-add"));
        assertThat(cells(removed)).containsExactly("11", "", "-    fee = total * 0.1");
        assertThat(cells(added)).containsExactly("", "11", "+    fee = round(total * 0.1, 2)");
        assertThat(cells(rows.getLast())).containsExactly("12", "12", "     return total + fee");
        // Added, removed and context lines look different (and keep their + and - for those who cannot see colour).
        String addedBg = added.findElement(By.cssSelector(".code")).getCssValue("background-color");
        String removedBg = removed.findElement(By.cssSelector(".code")).getCssValue("background-color");
        String contextBg = rows.getLast().findElement(By.cssSelector(".code")).getCssValue("background-color");
        assertThat(List.of(addedBg, removedBg, contextBg)).doesNotHaveDuplicates();
        assertThat(panel.getText()).contains("✓ passed", "dependency upgrade", "No test results reported.");
        assertThat(panel.findElements(By.cssSelector(".notice"))).as("a whole diff needs no notice").isEmpty();

        panel.findElement(By.cssSelector("button.copy-diff")).click();
        browser.waitFor(d -> !panel.findElement(By.cssSelector(".copy-status")).getText().isEmpty());

        browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        browser.waitFor(d -> !panelOpen());
        assertThat(browser.js("return document.activeElement.closest('[data-patch]')?.dataset.cve")).isEqualTo(cve);
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void hostileDiffAndPrUrl_areShownAsText_andRunNothing() {
        String cve = "CVE-2024-47666";
        String now = Instant.now().toString();
        String diff = String.join("\n",
                "diff --git a/app/view.py b/app/view.py",
                "--- a/app/view.py",
                "+++ b/app/view.py",
                "@@ -1,2 +1,3 @@",
                "-<img src=x onerror=\"window.__pwned=1\">",
                "+</pre><script>window.__pwned=1</script>",
                "+\u001b[31mred",
                " <a href=\"javascript:window.__pwned=1\">x</a>") + "\n";
        ObjectNode inner = Json.mapper().createObjectNode();
        inner.put("patch_id", "patch-" + cve + "-20261125-101500");
        inner.put("cve_id", cve);
        inner.put("strategy_used", "code_patch");
        inner.put("diff_content", diff);
        inner.putArray("files_modified").add("app/view.py");
        inner.put("validation_passed", false);
        ObjectNode tests = inner.putObject("test_results");
        tests.put("exit_code", 1);
        tests.put("stdout", "<img src=x onerror=\"window.__pwned=1\">");
        tests.put("stderr", "</pre><script>window.__pwned=1</script>\u001b[31mFAILED");
        tests.put("duration_seconds", 7.5);
        inner.put("pr_url", "javascript:window.__pwned=1");
        inner.put("generated_at", now);
        // A remediation result, as the remediation engine publishes one: it carries the strategy attempts.
        ObjectNode result = Json.mapper().createObjectNode();
        result.set("patch", inner);
        result.put("status", "failed");
        result.put("started_at", now);
        result.put("completed_at", now);
        result.putArray("strategy_attempts").add("dependency_upgrade").add("<b onmouseover=\"window.__pwned=1\">code_patch</b>");
        result.put("error_message", "<script>window.__pwned=1</script>");
        server.server.stream().publish(Fixtures.apv(cve));
        server.server.stream().publish(WireFormat.parsePatch(result, Instant.now()));

        patchCard(cve).findElement(By.cssSelector("button.view-diff")).click();
        WebElement panel = shownPanel();

        assertThat(panel.getText()).contains("-<img src=x onerror=\"window.__pwned=1\">",
                "+</pre><script>window.__pwned=1</script>", "+[U+001B][31mred",
                " <a href=\"javascript:window.__pwned=1\">x</a>",
                "PR: javascript:window.__pwned=1", "✕ failed", "7.5 s",
                "</pre><script>window.__pwned=1</script>[U+001B][31mFAILED",
                "<b onmouseover=\"window.__pwned=1\">code_patch</b>", "Error: <script>window.__pwned=1</script>");
        assertThat(panel.findElements(By.cssSelector("tr.diff-add"))).hasSize(2);
        assertThat(panel.findElements(By.cssSelector("img, script, iframe, svg, b, a")))
                .as("nothing from the patch became markup, and no link for a javascript: URL").isEmpty();
        assertThat(browser.js("return typeof window.__pwned")).isEqualTo("undefined");

        browser.one("#diff-close").click();
        browser.waitFor(d -> !panelOpen());
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void deadlinePassingOnThePagesClock_isShownBreachedAtOnce_beforeTheServerSaysSo() {
        String cve = "CVE-2026-13001";
        String row = "#sla-list [data-cve='" + cve + "']";
        String card = "#apvs [data-cve='" + cve + "'] .apv-sla";
        server.server.stream().publish(Fixtures.apv(cve, "critical", List.of("ledger-api")));
        browser.waitFor(d -> textOf(row + " .countdown").startsWith("due in 6d 23:") && textOf(card).startsWith("SLA: due in 6d 23h"));
        browser.waitFor(d -> !textOf("#sla-table tr[data-priority=critical] [data-col=open]").equals("—"));
        assertThat(textOf("#sla-table tr[data-priority=critical] [data-col=breached]")).isEqualTo("0");

        // The page's clock a week ahead: the server's clock is not, so only the page can see the deadline pass.
        browser.js("const now = Date.now; Date.now = () => now() + 7 * 86_400_000;");
        browser.waitFor(d -> "breached".equals(attrOf(row, "data-state")) && textOf(row + " .countdown").startsWith("overdue by ")
                && textOf(card).startsWith("SLA: overdue "));
        assertThat(server.server.stream().sla().status(cve, Instant.now()).orElseThrow().state().wire()).isEqualTo("within");
        // Every open critical APV passed its deadline on the page, and the counts say so until the metrics do.
        browser.waitFor(d -> textOf("#sla-table tr[data-priority=critical] [data-col=breached]")
                .equals(textOf("#sla-table tr[data-priority=critical] [data-col=open]")));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void slaPanel_countsDownLive_andShowsTheBreachOnRowCountsAndCard_thenTheMiss() {
        var settings = ServerConfig.load(Map.of("immunity.port", "0", "immunity.host", "127.0.0.1",
                "immunity.sla.critical", "6s"), Map.of());
        try (TestServer slaServer = new TestServer(settings)) {
            browser.open(slaServer.http("/").toString());
            waitConnected();
            String cve = "CVE-2026-12001";
            String row = "#sla-list [data-cve='" + cve + "']";
            String card = "#apvs [data-cve='" + cve + "'] .apv-sla";
            slaServer.server.stream().publish(Fixtures.apv(cve, "critical", List.of("payments-api")));
            slaServer.server.stream().publish(Fixtures.apv("CVE-2026-12002", "high", List.of("search-api")));

            // Within its SLA: the deadline comes from the server, the countdown from the page's clock.
            String first = browser.waitFor(d -> textOf(row + " .countdown").startsWith("due in ") ? textOf(row + " .countdown") : null);
            assertThat(first).matches("due in 00:00:0[1-6]");
            assertThat(textOf(row + " .sla-services")).isEqualTo("payments-api");
            assertThat(browser.text(row + " .prio")).endsWith("CRITICAL");
            browser.waitFor(d -> textOf(card).startsWith("SLA: due in ") || textOf(card).startsWith("SLA: overdue "));
            String second = browser.waitFor(d -> textOf(row + " .countdown").equals(first) ? null : textOf(row + " .countdown"));
            assertThat(seconds(second)).as(first + " then " + second).isLessThan(seconds(first));
            browser.waitFor(d -> browser.all("#sla-list > li").size() == 2);
            assertThat(browser.all("#sla-list > li")).extracting(e -> e.getDomAttribute("data-cve"))
                    .as("soonest deadline first").containsExactly(cve, "CVE-2026-12002");
            assertThat(textOf("#sla-list [data-cve='CVE-2026-12002'] .countdown")).matches("due in 29d 23:5\\d:\\d\\d");

            // The deadline passes: the row, the counts and the card say so.
            String breached = "#sla-table tr[data-priority=critical] [data-col=breached]";
            await(Duration.ofSeconds(15), () -> "breached".equals(attrOf(row, "data-state"))
                    && textOf(row + " .countdown").startsWith("overdue by ")
                    && "1".equals(textOf(breached))
                    && textOf(card).startsWith("SLA: overdue "));
            assertThat(textOf(row + " .sla-state")).endsWith("breached");
            assertThat(textOf("#sla-table tr[data-priority=all] [data-col=breached]")).isEqualTo("1");
            assertThat(textOf("#sla-table tr[data-priority=critical] [data-col=compliance]")).isEqualTo("—");
            assertThat(browser.one(breached).getCssValue("color"))
                    .isNotEqualTo(browser.one("#sla-table tr[data-priority=high] [data-col=breached]").getCssValue("color"));

            // Merged after its deadline: off the open list, the card says missed, compliance follows the metrics.
            slaServer.server.stream().publish(Fixtures.patch(cve, "merged"));
            browser.waitFor(d -> browser.all(row).isEmpty() && textOf(card).equals("SLA: missed")
                    && "0".equals(textOf(breached)) && "0 %".equals(textOf("#sla-table tr[data-priority=critical] [data-col=compliance]")));
            assertThat(textOf("#sla-table tr[data-priority=all] [data-col=compliance]")).isEqualTo("0 %");
            assertThat(textOf("#sla-table tr[data-priority=high] [data-col=compliance]")).isEqualTo("—");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    /** Waits longer than the browser's default, for a clock that runs on its own. */
    private static void await(Duration timeout, BooleanSupplier condition) {
        new WebDriverWait(browser.driver, timeout).until(d -> condition.getAsBoolean());
    }

    /** The text of the first element matching {@code css}, read in one step (rows may be moved meanwhile), or "". */
    private static String textOf(String css) {
        Object t = browser.js("return document.querySelector(arguments[0])?.textContent ?? ''", css);
        return String.valueOf(t);
    }

    private static String attrOf(String css, String name) {
        return (String) browser.js("return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null", css, name);
    }

    private static final Pattern COUNTDOWN = Pattern.compile("(due in|overdue by) (?:(\\d+)d )?(\\d\\d):(\\d\\d):(\\d\\d)");

    /** A countdown's seconds: positive when due, negative when overdue ("due in 1d 00:00:05" is 86405). */
    private static long seconds(String countdown) {
        Matcher m = COUNTDOWN.matcher(countdown);
        assertThat(m.matches()).as(countdown).isTrue();
        long s = (m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 86_400) + Long.parseLong(m.group(3)) * 3600
                + Long.parseLong(m.group(4)) * 60 + Long.parseLong(m.group(5));
        return m.group(1).equals("due in") ? s : -s;
    }

    private static WebElement patchCard(String cve) {
        return browser.waitFor(d -> browser.all("#patches [data-cve='" + cve + "']").stream().findFirst().orElse(null));
    }

    /** The patch panel, once open with the patch loaded. */
    private static WebElement shownPanel() {
        return browser.waitFor(d -> panelOpen() && "shown".equals(browser.one("#diff-dialog").getDomAttribute("data-state"))
                ? browser.one("#diff-dialog") : null);
    }

    private static boolean panelOpen() {
        return Boolean.TRUE.equals(browser.js("return document.getElementById('diff-dialog').open"));
    }

    /** A diff row's old line number, new line number and line, exactly as in the page. */
    private static List<String> cells(WebElement row) {
        return row.findElements(By.cssSelector("td")).stream().map(td -> td.getDomProperty("textContent")).toList();
    }

    private static int received() {
        return Integer.parseInt(browser.text("#received").split(" ")[0].replace(",", ""));
    }
}
