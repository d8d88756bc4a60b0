package dev.immunity.core.store;

/**
 * Bounds of the {@link EventStore}.
 *
 * @param maxApvs     APVs (latest state per CVE) kept: beyond it, closed ones (with a merged patch) are dropped
 *                    first, least recently detected first; an open one only when open ones alone are over it
 * @param maxPatches  patches kept; the least recently updated are dropped first
 * @param maxApvBytes an estimate of the heap the APVs may take ({@link EventStore#estimateBytes}); beyond it the
 *                    least recently detected are dropped too, so large APVs cannot fill the heap under the count
 * @param maxDiffBytes the most of one patch's diff kept, in UTF-8 bytes: a longer diff is cut at a line end and
 *                     flagged as truncated. All diffs together are held within a quarter of {@code maxApvBytes}
 *                     ({@link #diffBudget}): beyond it the diffs of the least recently updated patches are released
 */
public record StoreSettings(int maxApvs, int maxPatches, long maxApvBytes, int maxDiffBytes) {
    /** 256 KiB. */
    public static final int DEFAULT_MAX_DIFF_BYTES = 256 * 1024;

    /** 256 MiB. */
    public static final long DEFAULT_MAX_APV_BYTES = 256L * 1024 * 1024;

    /** Count bounds with the default byte budget. */
    public StoreSettings(int maxApvs, int maxPatches) {
        this(maxApvs, maxPatches, DEFAULT_MAX_APV_BYTES);
    }

    public StoreSettings(int maxApvs, int maxPatches, long maxApvBytes) {
        this(maxApvs, maxPatches, maxApvBytes, DEFAULT_MAX_DIFF_BYTES);
    }

    public StoreSettings {
        if (maxApvBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxApvBytes must be at least 65536 (got " + maxApvBytes + ")");
        }
        if (maxApvs < 1) {
            throw new IllegalArgumentException("maxApvs must be at least 1 (got " + maxApvs + ")");
        }
        if (maxPatches < 1) {
            throw new IllegalArgumentException("maxPatches must be at least 1 (got " + maxPatches + ")");
        }
        if (maxDiffBytes < 1024) {
            throw new IllegalArgumentException("maxDiffBytes must be at least 1024 (got " + maxDiffBytes + ")");
        }
    }

    /** The heap all held diffs may take together (estimated at two bytes a character): a quarter of {@code maxApvBytes}. */
    public long diffBudget() {
        return maxApvBytes / 4;
    }

    /** 100,000 APVs in at most about 256 MiB, 400,000 patches: a large organisation's backlog. */
    public static StoreSettings defaults() {
        return new StoreSettings(100_000, 400_000);
    }
}
