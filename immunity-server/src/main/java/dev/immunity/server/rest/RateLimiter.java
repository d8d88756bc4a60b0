package dev.immunity.server.rest;

import java.time.InstantSource;

/** A token bucket: {@code ratePerSecond} sustained, bursts up to twice that. Thread-safe. */
final class RateLimiter {
    private final double ratePerNano;
    private final double capacity;
    private final InstantSource clock;
    private double tokens;
    private long last;

    RateLimiter(int ratePerSecond, InstantSource clock) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = Math.max(1, 2.0 * ratePerSecond);
        this.clock = clock;
        this.tokens = capacity;
        this.last = nanos();
    }

    synchronized boolean tryAcquire() {
        long now = nanos();
        tokens = Math.min(capacity, tokens + (now - last) * ratePerNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private long nanos() {
        var i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
