package dev.immunity.server.rest;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Per-address fairness for the read API: a token bucket of answer bytes per client address, refilled at
 * {@code immunity.http.read-bytes-per-second} and holding two seconds' worth. A request is served while the
 * address's bucket is not empty; what it sends is then taken out, so one client pulling large answers in a
 * loop gets 429 (with {@code Retry-After}) while everyone else is served as usual.
 */
public final class ReadBudget {
    private final double bytesPerNano;
    private final double capacity;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private final class Bucket {
        private double tokens = capacity;
        private long last = nanos();

        synchronized boolean open() {
            refill();
            return tokens > 0;
        }

        synchronized void take(long bytes) {
            refill();
            tokens -= bytes;
        }

        synchronized boolean full() {
            refill();
            return tokens >= capacity;
        }

        synchronized long secondsUntilOpen() {
            return tokens > 0 ? 0 : (long) Math.ceil(-tokens / bytesPerNano / 1e9);
        }

        private void refill() {
            long now = nanos();
            tokens = Math.min(capacity, tokens + (now - last) * bytesPerNano);
            last = now;
        }
    }

    /** @param bytesPerSecond sustained bytes per address and second, more than 0 */
    public ReadBudget(long bytesPerSecond, InstantSource clock) {
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.capacity = 2.0 * bytesPerSecond;
        this.clock = clock;
    }

    /** Forgets addresses whose bucket is full again, every minute. */
    public void start(ScheduledExecutorService scheduler) {
        scheduler.scheduleWithFixedDelay(() -> buckets.values().removeIf(Bucket::full), 1, 1, TimeUnit.MINUTES);
    }

    /** The filter for {@code GET} requests under {@code prefix}. */
    public Filter filter(String prefix) {
        return (chain, req, res) -> {
            if (!req.path().path().startsWith(prefix) || !"GET".equals(req.prologue().method().text())) {
                chain.proceed();
                return;
            }
            Bucket bucket = buckets.computeIfAbsent(req.remotePeer().host(), a -> new Bucket());
            if (!bucket.open()) {
                res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, bucket.secondsUntilOpen())));
                Errors.send(req, res, Status.TOO_MANY_REQUESTS_429,
                        "too much read from this address: slow down (immunity.http.read-bytes-per-second)");
                return;
            }
            res.streamFilter(out -> new Counting(out, bucket));
            chain.proceed();
        };
    }

    private static final class Counting extends FilterOutputStream {
        private final Bucket bucket;

        Counting(OutputStream out, Bucket bucket) {
            super(out);
            this.bucket = bucket;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bucket.take(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bucket.take(len);
        }
    }

    private long nanos() {
        var i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
