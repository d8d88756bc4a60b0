package dev.immunity.cli;

import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/**
 * What the commands need from the outside world, given to them in their constructors: the HTTP
 * client, how to open the terminal, whether standard output is a terminal, {@code NO_COLOR}, the
 * clock and the reconnect backoff. {@link #system()} is the real thing; tests build their own.
 *
 * @param httpClient       makes the HTTP and WebSocket client when a command first needs it (making one sets up
 *                         TLS, half a second that {@code --version} or {@code completion} should not pay)
 * @param terminals        opens the terminal {@code immunity watch} draws on
 * @param stdoutIsTerminal whether standard output is a terminal (else {@code watch} prints NDJSON)
 * @param noColor          {@code NO_COLOR} is set: no colour in the dashboard
 * @param clock            wall clock
 * @param firstBackoff     first reconnect delay (doubles up to {@code maxBackoff}, times a random 0.5–1)
 * @param maxBackoff       longest reconnect delay
 * @param configDir        the user's configuration directory, where {@code immunity login} keeps its tokens
 */
public record CliContext(java.util.function.Supplier<HttpClient> httpClient, TerminalFactory terminals,
                         boolean stdoutIsTerminal, boolean noColor, Clock clock, Duration firstBackoff,
                         Duration maxBackoff, java.nio.file.Path configDir) {

    /** A context around an HTTP client made already (tests). */
    public CliContext(HttpClient http, TerminalFactory terminals, boolean stdoutIsTerminal, boolean noColor, Clock clock,
                      Duration firstBackoff, Duration maxBackoff, java.nio.file.Path configDir) {
        this(() -> http, terminals, stdoutIsTerminal, noColor, clock, firstBackoff, maxBackoff, configDir);
    }

    /** The HTTP and WebSocket client, made on first use. */
    public HttpClient http() {
        return httpClient.get();
    }

    /** Makes {@code make}'s value once, on the first call, and returns it from then on. */
    private static <T> java.util.function.Supplier<T> once(java.util.function.Supplier<T> make) {
        return new java.util.function.Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        if (value == null) {
                            value = make.get();
                        }
                        v = value;
                    }
                }
                return v;
            }
        };
    }

    /** Opens a terminal. */
    @FunctionalInterface
    public interface TerminalFactory {
        Terminal open() throws IOException;
    }

    /** The real environment: system terminal, {@code System.console()}, {@code NO_COLOR}, 0.5 s to 30 s backoff. */
    public static CliContext system() {
        String noColor = System.getenv("NO_COLOR");
        return new CliContext(once(CliContext::defaultHttp),
                () -> TerminalBuilder.builder().system(true).build(),
                System.console() != null && isTerminal(System.console()),
                noColor != null && !noColor.isEmpty(),
                Clock.systemUTC(), Duration.ofMillis(500), Duration.ofSeconds(30), configDir(System.getenv()));
    }

    /**
     * {@code IMMUNITY_CONFIG_DIR}; else {@code $XDG_CONFIG_HOME/immunity}; else {@code %APPDATA%\immunity} on
     * Windows; else {@code ~/.config/immunity}.
     */
    static java.nio.file.Path configDir(java.util.Map<String, String> env) {
        String own = env.get("IMMUNITY_CONFIG_DIR");
        if (own != null && !own.isBlank()) {
            return java.nio.file.Path.of(own);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return java.nio.file.Path.of(xdg, "immunity");
        }
        String appData = env.get("APPDATA");
        if (appData != null && !appData.isBlank() && System.getProperty("os.name", "").startsWith("Windows")) {
            return java.nio.file.Path.of(appData, "immunity");
        }
        return java.nio.file.Path.of(System.getProperty("user.home"), ".config", "immunity");
    }

    /** The tokens {@code immunity login} stored. */
    public dev.immunity.cli.auth.CredentialStore credentials() {
        return new dev.immunity.cli.auth.CredentialStore(configDir);
    }

    private static boolean isTerminal(java.io.Console console) {
        try {
            return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before JDK 22 System.console() is null unless both ends are terminals
        }
    }

    /** The HTTP client the CLI uses: HTTP/1.1, 5 s connect timeout. */
    public static HttpClient defaultHttp() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(LazyTls.context()) // the JDK's default, set up on the first https:// connection
                .sslParameters(LazyTls.parameters())
                .build();
    }

    public CliContext withBackoff(Duration first, Duration max) {
        return new CliContext(httpClient, terminals, stdoutIsTerminal, noColor, clock, first, max, configDir);
    }

    public CliContext withConfigDir(java.nio.file.Path dir) {
        return new CliContext(httpClient, terminals, stdoutIsTerminal, noColor, clock, firstBackoff, maxBackoff, dir);
    }
}
