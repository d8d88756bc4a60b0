package dev.immunity.cli.watch;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays as the stream protocol asks: exponential (the first delay doubling up to a cap),
 * times a random factor between 0.5 and 1 (jitter, so clients dropped together do not return
 * together), reset after a successful connection.
 */
public final class Backoff {
    private final Duration first;
    private final Duration max;
    private final DoubleSupplier random;
    private int attempts;

    /** @param random values in [0, 1) */
    public Backoff(Duration first, Duration max, DoubleSupplier random) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("need 0 < first <= max (got " + first + ", " + max + ")");
        }
        this.first = first;
        this.max = max;
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one attempt. */
    public synchronized Duration next() {
        long capped = max.toMillis();
        long base = attempts >= 30 ? capped : Math.min(capped, first.toMillis() << attempts);
        attempts++;
        return Duration.ofMillis(Math.round(base * (0.5 + 0.5 * random.getAsDouble())));
    }

    /** After a successful connection: the next delay is the first one again. */
    public synchronized void reset() {
        attempts = 0;
    }

    /** Attempts since the last reset. */
    public synchronized int attempts() {
        return attempts;
    }
}
