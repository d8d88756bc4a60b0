package dev.immunity.server.ws;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Pings every open WebSocket on an interval. Helidon's idle timeout counts only frames from the
 * client; the client's pong to our ping is such a frame, so listen-only clients are not dropped.
 * Each ping runs on its own virtual thread so a stalled client never delays the others.
 */
public final class WsPinger {
    private final Set<StreamEndpoint> open;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService pings = Executors.newVirtualThreadPerTaskExecutor();

    public WsPinger(Set<StreamEndpoint> open, Duration interval, ScheduledExecutorService scheduler) {
        this.open = open;
        this.interval = interval;
        this.scheduler = scheduler;
    }

    public void start() {
        long ms = interval.toMillis();
        scheduler.scheduleAtFixedRate(this::pingAll, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void pingAll() {
        for (StreamEndpoint e : open) {
            pings.execute(e::ping);
        }
    }
}
