package dev.immunity.core.metrics;

import java.util.Arrays;

/**
 * A multiset of MTTR samples (seconds) from which the mean and any percentile are read. Additions and removals
 * are buffered and merged into one sorted array when something is read: a rebuild adds hundreds of thousands of
 * samples and reads them about once a second, so each change costs O(1) instead of an array shift, and a read
 * costs one merge of the changes since the last. Removals are of samples added before. Not thread-safe: the engine
 * guards it.
 */
final class SortedSamples {
    private double[] values = new double[16];
    private int size;
    private double sum;
    private double[] added = new double[16];
    private int addedCount;
    private double[] removed = new double[16];
    private int removedCount;

    void add(double value) {
        if (addedCount == added.length) {
            added = Arrays.copyOf(added, addedCount * 2);
        }
        added[addedCount++] = value;
    }

    /** Removes one occurrence of {@code value}, a sample added before (one that is not there is ignored). */
    void remove(double value) {
        if (removedCount == removed.length) {
            removed = Arrays.copyOf(removed, removedCount * 2);
        }
        removed[removedCount++] = value;
    }

    int size() {
        settle();
        return size;
    }

    /** The mean, or {@code null} when there is no sample. */
    Double mean() {
        settle();
        return size == 0 ? null : sum / size;
    }

    /**
     * The {@code percent}-th percentile by the nearest-rank method: the smallest sample such that at least
     * {@code percent}% of the samples are less than or equal to it, i.e. the sample of rank
     * {@code ceil(percent / 100 × n)} (1-based) in ascending order. Always one of the samples, never an
     * interpolation. {@code null} when there is no sample.
     */
    Double percentile(int percent) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent must be 1..100, got " + percent);
        }
        settle();
        if (size == 0) {
            return null;
        }
        long rank = ((long) percent * size + 99) / 100;
        return values[(int) rank - 1];
    }

    /** Merges the buffered changes into the sorted array, and sums it afresh (no rounding drift accumulates). */
    private void settle() {
        if (addedCount == 0 && removedCount == 0) {
            return;
        }
        Arrays.sort(added, 0, addedCount);
        Arrays.sort(removed, 0, removedCount);
        double[] out = new double[Math.max(16, size + addedCount)];
        int n = 0;
        int i = 0;
        int a = 0;
        int r = 0;
        double total = 0;
        while (i < size || a < addedCount) {
            double next = a == addedCount || (i < size && values[i] <= added[a]) ? values[i++] : added[a++];
            while (r < removedCount && removed[r] < next) {
                r++; // not there: ignored
            }
            if (r < removedCount && removed[r] == next) {
                r++;
                continue;
            }
            out[n++] = next;
            total += next;
        }
        values = out;
        size = n;
        sum = total;
        addedCount = 0;
        removedCount = 0;
    }
}
