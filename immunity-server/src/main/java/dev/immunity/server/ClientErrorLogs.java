package dev.immunity.server;

import java.time.Duration;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps what clients cause out of the log's way. Helidon logs a malformed or abandoned request on the
 * connection level as a WARNING with a full stack trace (1,000 bad requests wrote 1.2 MB); through this
 * filter each such record becomes at most one line per ten seconds, without a stack trace, counting the rest.
 * SEVERE records (a listener that stops, say) pass untouched; so do our own loggers.
 */
public final class ClientErrorLogs implements Filter {
    /** Helidon's loggers that report per-connection, client-caused failures. */
    static final List<String> LOGGERS = List.of(
            "io.helidon.webserver.http1.Http1Connection",
            "io.helidon.webserver.http.DirectHandlers",
            "io.helidon.webserver.ConnectionHandler",
            "io.helidon.webserver.http.ErrorHandlers",
            "io.helidon.webserver.websocket.WsConnection");
    // Strong references: java.util.logging keeps loggers weakly, and a collected logger would lose its filter.
    private static final List<Logger> INSTALLED = LOGGERS.stream().map(Logger::getLogger).toList();
    private static final System.Logger LOG = System.getLogger(ClientErrorLogs.class.getName());

    private final RateLimitedLog lines = new RateLimitedLog(LOG, Duration.ofSeconds(10));

    private ClientErrorLogs() {
    }

    /** Installs the filter on Helidon's per-connection loggers (idempotent). */
    public static synchronized void install() {
        for (Logger logger : INSTALLED) {
            if (!(logger.getFilter() instanceof ClientErrorLogs)) {
                logger.setFilter(new ClientErrorLogs());
            }
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue() || record.getLevel().intValue() < Level.WARNING.intValue()) {
            return true;
        }
        Throwable root = record.getThrown();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = root == null ? "" : ": " + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : " " + firstLine(root.getMessage()));
        lines.log(() -> "client request failed (" + firstLine(String.valueOf(record.getMessage())) + cause + ")");
        return false;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
