package dev.immunity.cli.bench;

/**
 * When each event of an open-loop load is due: event {@code i} is due at {@code start + i / rate},
 * whatever happened to the events before it. Latency is counted from this intended time, so a stalled
 * sender or server shows up as latency instead of being hidden (coordinated omission).
 *
 * @param startNanos     {@link System#nanoTime()} of event 0
 * @param ratePerSecond  events per second, positive
 */
public record OpenLoopSchedule(long startNanos, double ratePerSecond) {
    public OpenLoopSchedule {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
        }
    }

    /** The intended send time of event {@code i} (0-based). */
    public long intendedNanos(long i) {
        return startNanos + (long) (i * 1e9 / ratePerSecond);
    }

    /** How many events fall within {@code durationNanos} from the start. */
    public long count(long durationNanos) {
        return (long) Math.ceil(durationNanos / 1e9 * ratePerSecond);
    }

    /** The events due by {@code nowNanos} that are not sent yet, when {@code sent} have been sent (never negative). */
    public long dueBy(long nowNanos, long sent) {
        if (nowNanos < startNanos) {
            return 0;
        }
        long due = (long) Math.floor((nowNanos - startNanos) / 1e9 * ratePerSecond) + 1;
        return Math.max(0, due - sent);
    }
}
