package dev.immunity.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One warning line at most per interval for something clients cause (refused connections, malformed
 * requests): the first of each interval is logged, with how many were left out since; never a stack trace.
 * A flood of bad clients cannot fill the disk or bury what matters.
 */
public final class RateLimitedLog {
    private final System.Logger log;
    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(System.Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs the message at WARNING unless one was logged within the interval (then only counts it). */
    public void log(Supplier<String> message) {
        long now = System.nanoTime();
        long due = next.get();
        if ((due == Long.MIN_VALUE || now - due >= 0) && next.compareAndSet(due, now + intervalNanos)) {
            long skipped = suppressed.getAndSet(0);
            log.log(System.Logger.Level.WARNING, message.get()
                    + (skipped > 0 ? " (" + skipped + " more like it since the last such line)" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
