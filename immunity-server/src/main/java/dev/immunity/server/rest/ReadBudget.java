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
    private final long bytesPerSecond;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** @param bytesPerSecond sustained bytes per address and second, more than 0 */
    public ReadBudget(long bytesPerSecond, InstantSource clock) {
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
    }

    /** Forgets addresses whose bucket is full again, every minute. */
    public void start(ScheduledExecutorService scheduler) {
        scheduler.scheduleWithFixedDelay(() -> buckets.values().removeIf(TokenBucket::full), 1, 1, TimeUnit.MINUTES);
    }

    /** The filter for {@code GET} requests under {@code prefix}. */
    public Filter filter(String prefix) {
        return (chain, req, res) -> {
            if (!req.path().path().startsWith(prefix) || !"GET".equals(req.prologue().method().text())) {
                chain.proceed();
                return;
            }
            TokenBucket bucket = buckets.computeIfAbsent(req.remotePeer().host(),
                    a -> new TokenBucket(bytesPerSecond, 2.0 * bytesPerSecond, clock));
            if (!bucket.positive()) {
                res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, bucket.secondsUntilPositive())));
                Errors.send(req, res, Status.TOO_MANY_REQUESTS_429,
                        "too much read from this address: slow down (immunity.http.read-bytes-per-second)");
                return;
            }
            res.streamFilter(out -> new Counting(out, bucket));
            chain.proceed();
        };
    }

    private static final class Counting extends FilterOutputStream {
        private final TokenBucket bucket;

        Counting(OutputStream out, TokenBucket bucket) {
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
}
