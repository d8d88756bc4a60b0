package dev.immunity.cli;

import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URISyntaxException;

/** The options every client command shares: {@code --server}, {@code --token}, {@code --verbose}. */
public final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:IMMUNITY_SERVER:-http://localhost:8001}",
            description = "Server base URL (default: IMMUNITY_SERVER, else http://localhost:8001).")
    String server;

    @Option(names = "--token", paramLabel = "JWT", defaultValue = "${env:IMMUNITY_TOKEN}",
            description = "Bearer token when the server requires one (default: IMMUNITY_TOKEN, else the one "
                    + "'immunity login' stored).")
    String token;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    /** The server's base URL, without a trailing slash. */
    public URI base() {
        String s = server == null ? "" : server.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            URI uri = new URI(s);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(s, "not an http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new BadUsage("--server: '" + Sanitizer.escape(server) + "' is not an http(s) URL such as http://localhost:8001");
        }
    }

    /** The token given with {@code --token} or {@code IMMUNITY_TOKEN}, or null. */
    public String token() {
        return token == null || token.isBlank() ? null : token.strip();
    }

    /**
     * The token to send: {@code --token} or {@code IMMUNITY_TOKEN}; else the one {@code immunity login} stored for
     * this server, renewed first with its refresh token when it expires within a minute; else null.
     */
    public String token(CliContext context) {
        String explicit = token();
        return explicit != null ? explicit : StoredTokens.accessToken(context, base()).orElse(null);
    }

    /** Whether the token comes from {@code immunity login} (so it can be renewed), not from the user. */
    public boolean storedToken(CliContext context) {
        return token() == null && context.credentials().get(base()).isPresent();
    }

    /** Bad usage found after parsing (exit 2). */
    public static final class BadUsage extends RuntimeException {
        public BadUsage(String message) {
            super(message);
        }
    }
}
