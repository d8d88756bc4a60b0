package dev.immunity.server.rest;

import java.time.InstantSource;

/**
 * A token bucket on the injected clock: refilled at {@code perSecond}, holding at most {@code capacity}.
 * Serves both the trigger's request rate and the read API's byte budget. Thread-safe.
 */
final class TokenBucket {
    private final double perNano;
    private final double capacity;
    private final InstantSource clock;
    private double tokens;
    private long last;

    TokenBucket(double perSecond, double capacity, InstantSource clock) {
        this.perNano = perSecond / 1e9;
        this.capacity = capacity;
        this.clock = clock;
        this.tokens = capacity;
        this.last = nanos();
    }

    /** Takes {@code n} tokens if the bucket holds them. */
    synchronized boolean tryTake(double n) {
        refill();
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }

    /** Takes {@code n} tokens, going into debt if need be (a cost known only afterwards). */
    synchronized void take(double n) {
        refill();
        tokens -= n;
    }

    /** Whether the bucket holds anything (not in debt). */
    synchronized boolean positive() {
        refill();
        return tokens > 0;
    }

    /** Whether the bucket is full again (its owner may be forgotten). */
    synchronized boolean full() {
        refill();
        return tokens >= capacity;
    }

    /** Whole seconds until the bucket holds something again. */
    synchronized long secondsUntilPositive() {
        refill();
        return tokens > 0 ? 0 : (long) Math.ceil(-tokens / perNano / 1e9);
    }

    private void refill() {
        long now = nanos();
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
    }

    private long nanos() {
        var i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
