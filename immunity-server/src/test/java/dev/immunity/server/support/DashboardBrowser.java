package dev.immunity.server.support;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;

/**
 * Debian's headless chromium driven through its own chromedriver, fully offline (Selenium Manager is
 * never asked for anything: both paths are given). One per test class. A missing browser or driver
 * fails the test with a message saying what to install; it never skips.
 */
public final class DashboardBrowser implements AutoCloseable {
    /** Generous: the tests assert behaviour, not speed (the page's budget is 2 s). */
    public static final Duration WAIT = Duration.ofSeconds(10);

    public final ChromeDriver driver;
    private final Path profile;
    private final ChromeDriverService service;

    static {
        // Belt and braces beside surefire's environment: Selenium Manager stays offline and quiet.
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty("SE_AVOID_STATS", "true");
    }

    private DashboardBrowser(int width, int height) {
        File chromium = find("chromium", "chromium-browser");
        File chromedriver = find("chromedriver");
        try {
            this.profile = Files.createTempDirectory("immunity-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height, "--force-device-scale-factor=1", "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        this.service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    /** Starts a browser whose viewport is 1280×800. */
    public static DashboardBrowser start() {
        return start(1280, 800);
    }

    public static DashboardBrowser start(int width, int height) {
        DashboardBrowser b = new DashboardBrowser(width, height);
        b.viewport(width, height);
        return b;
    }

    /** Makes the page's viewport (not the window) exactly this size. */
    public void viewport(int width, int height) {
        Object inner = driver.executeScript("return [window.innerWidth, window.innerHeight]");
        List<?> wh = (List<?>) inner;
        Dimension outer = driver.manage().window().getSize();
        int dw = outer.width - ((Number) wh.get(0)).intValue();
        int dh = outer.height - ((Number) wh.get(1)).intValue();
        driver.manage().window().setSize(new Dimension(width + dw, height + dh));
    }

    /** The browser or driver on the PATH (or in /usr/bin); fails with what to install when it is missing. */
    static File find(String... names) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.add(Path.of("/usr/bin"));
        for (String name : names) {
            for (Path d : dirs) {
                Path p = d.resolve(name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toFile();
                }
            }
        }
        throw new AssertionError("the browser tests need " + String.join(" or ", names)
                + " on the PATH: install Debian's chromium and chromium-driver (.ci/run does)");
    }

    public void open(String url) {
        driver.get(url);
    }

    public <T> T waitFor(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).until(condition);
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public WebElement one(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public String text(String css) {
        return one(css).getText();
    }

    /** Browser console entries since the last call (reading clears them). */
    public List<LogEntry> consoleLogs() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /** Console entries at SEVERE level (errors, failed loads, CSP violations) since the last call. */
    public List<String> consoleErrors() {
        return consoleLogs().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    public byte[] screenshot() {
        return driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
