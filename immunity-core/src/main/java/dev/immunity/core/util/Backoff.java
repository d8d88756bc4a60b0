package dev.immunity.core.util;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Retry delays: exponential (the first delay doubling up to a cap), times a random factor between 0.5 and 1
 * (jitter, so clients or instances that failed together do not retry together), reset after a success. The one
 * backoff of the project: {@code watch} reconnecting, the Kafka and Redis sources, the DLQ writer and notifications.
 */
public final class Backoff {
    private final Duration first;
    private final Duration max;
    private final DoubleSupplier random;
    private int attempts;

    /** With {@link java.util.concurrent.ThreadLocalRandom} for the jitter. */
    public Backoff(Duration first, Duration max) {
        this(first, max, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

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
