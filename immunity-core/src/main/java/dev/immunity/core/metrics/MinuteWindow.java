package dev.immunity.core.metrics;

import dev.immunity.core.model.MetricsSnapshot.MinuteSeries;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Per-minute counters for the last hour, keyed by UTC epoch minute. Buckets older than the window are
 * dropped; events a little in the future (producer clocks ahead of ours) are kept for up to one window
 * ahead so that they show once their minute comes. Not thread-safe: the engine guards it.
 */
final class MinuteWindow {
    /** Minutes in the series. */
    static final int MINUTES = 60;

    private static final Bucket EMPTY = new Bucket();

    private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
    /** The newest minute pruned for; pruning again within it finds nothing to drop. */
    private long prunedFor = Long.MIN_VALUE;

    /** Counters of one minute. */
    static final class Bucket {
        long detected;
        long confirmed;
        long applied;
        long merged;
        long failed;
        double mttrSum;
        long mttrCount;
    }

    /**
     * The bucket of the minute containing {@code eventTime}, or {@code null} when that minute is outside
     * what the window keeps at {@code now}.
     */
    Bucket at(Instant eventTime, Instant now) {
        long newest = minuteOf(now);
        prune(newest);
        long minute = minuteOf(eventTime);
        if (minute <= newest - MINUTES || minute > newest + MINUTES) {
            return null;
        }
        return buckets.computeIfAbsent(minute, m -> new Bucket());
    }

    /** The 60 minutes ending with the one containing {@code now}, oldest first. */
    MinuteSeries series(Instant now) {
        long newest = minuteOf(now);
        prune(newest);
        long oldest = newest - MINUTES + 1;
        List<Long> detected = new ArrayList<>(MINUTES);
        List<Long> confirmed = new ArrayList<>(MINUTES);
        List<Long> applied = new ArrayList<>(MINUTES);
        List<Long> merged = new ArrayList<>(MINUTES);
        List<Long> failed = new ArrayList<>(MINUTES);
        List<Double> mttr = new ArrayList<>(MINUTES);
        List<Double> success = new ArrayList<>(MINUTES);
        for (long m = oldest; m <= newest; m++) {
            Bucket b = buckets.get(m);
            if (b == null) {
                b = EMPTY;
            }
            detected.add(b.detected);
            confirmed.add(b.confirmed);
            applied.add(b.applied);
            merged.add(b.merged);
            failed.add(b.failed);
            mttr.add(b.mttrCount == 0 ? null : b.mttrSum / b.mttrCount);
            success.add(b.merged + b.failed == 0 ? null : (double) b.merged / (b.merged + b.failed));
        }
        return new MinuteSeries(Instant.ofEpochSecond(oldest * 60), detected, confirmed, applied, merged, failed,
                mttr, success);
    }

    private void prune(long newestMinute) {
        if (newestMinute == prunedFor) {
            return;
        }
        prunedFor = newestMinute;
        buckets.headMap(newestMinute - MINUTES, true).clear();
    }

    private static long minuteOf(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 60L);
    }
}
