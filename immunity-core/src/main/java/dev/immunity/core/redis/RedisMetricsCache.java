package dev.immunity.core.redis;

import dev.immunity.core.json.Json;
import dev.immunity.core.model.MetricsSnapshot;
import io.lettuce.core.SetArgs;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The metrics snapshot shared by instances: a JSON copy under {@link RedisSettings#metricsKey()} with a TTL
 * ({@link RedisSettings#metricsTtl()}) as an upper bound. {@link #refresh} rewrites it when the numbers
 * changed, when the last write failed or Redis reconnected since (it may have come back empty: the copy is
 * rewritten once it is back) and when half the TTL has passed. Writes never block the caller; reads wait at most the command timeout.
 */
public final class RedisMetricsCache {
    private final RedisLink link;
    private final RedisSettings settings;
    private volatile MetricsSnapshot written;
    private volatile long writtenAtNanos;
    private volatile boolean writing;
    private volatile long writtenOnConnect = -1;

    public RedisMetricsCache(RedisLink link) {
        this.link = link;
        this.settings = link.settings();
    }

    /** Writes the snapshot if it changed since the last successful write (or that write is getting old). Never blocks. */
    public void refresh(MetricsSnapshot now) {
        var commands = link.commands();
        if (commands.isEmpty() || writing || !link.up()) {
            return;
        }
        boolean stale = System.nanoTime() - writtenAtNanos > settings.metricsTtl().toNanos() / 2;
        long connects = link.connects();
        if (now.sameNumbersAs(written) && !stale && connects == writtenOnConnect) {
            return;
        }
        writing = true;
        commands.get().set(settings.metricsKey(), Json.write(now), SetArgs.Builder.px(settings.metricsTtl().toMillis()))
                .whenComplete((ok, error) -> {
                    writing = false;
                    if (error == null) {
                        written = now;
                        writtenAtNanos = System.nanoTime();
                        writtenOnConnect = connects;
                    } else {
                        written = null; // rewrite once Redis answers again
                        link.error("metrics write failed: " + RedisLink.rootMessage(error));
                    }
                });
    }

    /** The shared snapshot as JSON, if Redis answers within the command timeout and holds one. */
    public Optional<String> shared() {
        var commands = link.commands();
        if (commands.isEmpty() || !link.up()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(commands.get().get(settings.metricsKey())
                    .get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            link.error("metrics read failed: " + RedisLink.rootMessage(e));
            return Optional.empty();
        }
    }

    /** Whether the last write succeeded and nothing changed since (for tests and health). */
    public boolean upToDate(MetricsSnapshot now) {
        return now.sameNumbersAs(written);
    }
}
