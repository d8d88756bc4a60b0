package dev.immunity.core.stream;

import java.time.Duration;

/**
 * How the {@link StreamManager} treats its clients.
 *
 * @param historySize       events kept for resume (the oldest are dropped first)
 * @param queueCapacity     messages queued per client before it is closed as too slow ({@link CloseCodes#TOO_SLOW})
 * @param heartbeatInterval how often a heartbeat is broadcast
 * @param metricsInterval   how often metrics are checked and, when they changed, broadcast
 * @param snapshotApvs      most recent APVs sent to a client that connects without a cursor
 * @param snapshotPatches   patches sent with that snapshot (open ones and those of the APVs sent)
 * @param closeTimeout      how long a close handshake with a stalled client may take before the connection is dropped
 * @param maxBatchBytes     upper bound of one batched frame, for clients that opted into batching
 * @param maxReplayEvents   most events a resuming client is sent from history; a client further behind gets
 *                          {@code recovered: false} and a snapshot instead (so a resume is never a bulk download)
 * @param maxSnapshotBytes  most bytes of APVs and patches in a new client's snapshot, newest first
 * @param historyMaxBytes   bytes the history may hold (each event counted as twice its frame); the oldest go first
 */
public record StreamSettings(int historySize, int queueCapacity, Duration heartbeatInterval, Duration metricsInterval,
                             int snapshotApvs, int snapshotPatches, Duration closeTimeout, int maxBatchBytes,
                             int maxReplayEvents, int maxSnapshotBytes, long historyMaxBytes) {
    public StreamSettings {
        if (historySize < 1) {
            throw new IllegalArgumentException("historySize must be at least 1 (got " + historySize + ")");
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1 (got " + queueCapacity + ")");
        }
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(metricsInterval, "metricsInterval");
        requirePositive(closeTimeout, "closeTimeout");
        if (snapshotApvs < 0 || snapshotPatches < 0) {
            throw new IllegalArgumentException("snapshot sizes must not be negative");
        }
        if (historyMaxBytes < 64 * 1024) {
            throw new IllegalArgumentException("historyMaxBytes must be at least 65536 (got " + historyMaxBytes + ")");
        }
        if (maxReplayEvents < 1 || maxSnapshotBytes < 1024) {
            throw new IllegalArgumentException("maxReplayEvents must be at least 1 and maxSnapshotBytes at least 1024 (got "
                    + maxReplayEvents + " and " + maxSnapshotBytes + ")");
        }
        if (maxBatchBytes < 1024) {
            throw new IllegalArgumentException("maxBatchBytes must be at least 1024 (got " + maxBatchBytes + ")");
        }
    }

    /**
     * 10,000 events of history, 4,096 queued messages, 30 s heartbeat, metrics at most once a second, 100 APVs in a
     * snapshot of at most 1 MiB, resumes of at most 2,000 events, at most 128 MiB of history.
     */
    public static StreamSettings defaults() {
        return new StreamSettings(10_000, 4096, Duration.ofSeconds(30), Duration.ofSeconds(1), 100, 500,
                Duration.ofSeconds(10), 256 * 1024, 2_000, 1024 * 1024, 128L * 1024 * 1024);
    }

    public StreamSettings withQueueCapacity(int capacity) {
        return new StreamSettings(historySize, capacity, heartbeatInterval, metricsInterval, snapshotApvs, snapshotPatches,
                closeTimeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, historyMaxBytes);
    }

    public StreamSettings withHistoryMaxBytes(long maxBytes) {
        return new StreamSettings(historySize, queueCapacity, heartbeatInterval, metricsInterval, snapshotApvs,
                snapshotPatches, closeTimeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, maxBytes);
    }

    public StreamSettings withHistorySize(int size) {
        return new StreamSettings(size, queueCapacity, heartbeatInterval, metricsInterval, snapshotApvs,
                snapshotPatches, closeTimeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, historyMaxBytes);
    }

    public StreamSettings withHeartbeatInterval(Duration interval) {
        return new StreamSettings(historySize, queueCapacity, interval, metricsInterval, snapshotApvs, snapshotPatches,
                closeTimeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, historyMaxBytes);
    }

    public StreamSettings withMetricsInterval(Duration interval) {
        return new StreamSettings(historySize, queueCapacity, heartbeatInterval, interval, snapshotApvs, snapshotPatches,
                closeTimeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, historyMaxBytes);
    }

    public StreamSettings withCloseTimeout(Duration timeout) {
        return new StreamSettings(historySize, queueCapacity, heartbeatInterval, metricsInterval, snapshotApvs, snapshotPatches,
                timeout, maxBatchBytes, maxReplayEvents, maxSnapshotBytes, historyMaxBytes);
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration (got " + d + ")");
        }
    }
}
