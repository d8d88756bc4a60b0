package dev.immunity.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes HTTP connections whose request does not arrive in time, which Helidon 4.5 does not do by itself (its
 * socket read timeout is not applied, and its idle timeout only covers waiting for a request line). Listens to
 * Helidon's HTTP/1 connection events:
 * <ul>
 *   <li>request line read: the headers must follow within {@code immunity.http.header-timeout};</li>
 *   <li>headers read: a request without a body, or a WebSocket upgrade (the stream has its own idle rules), is
 *       let go; with a body, the connection must be done with it within twice the header timeout plus one second
 *       per KiB declared (at least 1 KiB/s), or plus ten seconds when chunked. The deadline also covers Helidon
 *       draining a body it refused, and the keep-alive wait after it; the next request line sets a new one.</li>
 * </ul>
 * A connection past its deadline has its socket closed, with one rate-limited log line.
 */
public final class RequestDeadlines implements Http1ConnectionListener {
    private static final System.Logger LOG = System.getLogger(RequestDeadlines.class.getName());
    private static final long BYTES_PER_SECOND = 1024;

    private final long headerTimeoutNanos;
    private final Map<ConnectionContext, Long> deadlines = new ConcurrentHashMap<>();
    private final RateLimitedLog closes = new RateLimitedLog(LOG, Duration.ofSeconds(10));

    public RequestDeadlines(Duration headerTimeout) {
        this.headerTimeoutNanos = headerTimeout.toNanos();
    }

    /** Checks the deadlines every quarter of the header timeout (at most every second). */
    public void start(ScheduledExecutorService scheduler) {
        long period = Math.max(50, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos) / 4));
        scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        deadlines.put(ctx, System.nanoTime() + headerTimeoutNanos);
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (headers.contains(HeaderNames.UPGRADE)) {
            deadlines.remove(ctx);
            return;
        }
        long length = headers.contentLength().orElse(0);
        boolean chunked = headers.contains(HeaderNames.TRANSFER_ENCODING);
        if (length <= 0 && !chunked) {
            deadlines.remove(ctx);
            return;
        }
        long allowance = 2 * headerTimeoutNanos + (chunked ? TimeUnit.SECONDS.toNanos(10)
                : TimeUnit.SECONDS.toNanos(1) * Math.max(1, length / BYTES_PER_SECOND));
        deadlines.put(ctx, System.nanoTime() + allowance);
    }

    /** How many requests are being timed now (for tests). */
    int timed() {
        return deadlines.size();
    }

    private void sweep() {
        long now = System.nanoTime();
        deadlines.forEach((ctx, deadline) -> {
            if (now - deadline >= 0 && deadlines.remove(ctx, deadline)) {
                closes.log(() -> "closed a connection from " + ctx.remotePeer().address()
                        + ": its request did not arrive within immunity.http.header-timeout");
                try {
                    ctx.serverSocket().close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing a timed-out connection failed", e);
                }
            }
        });
    }
}
