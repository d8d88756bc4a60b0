package dev.immunity.core.metrics;

import java.util.Arrays;

/**
 * A multiset of MTTR samples (seconds) kept sorted, so the mean and any percentile are read in O(1);
 * adding or removing one sample costs a binary search and an array shift. Not thread-safe: the
 * engine guards it.
 */
final class SortedSamples {
    private double[] values = new double[16];
    private int size;
    private double sum;

    void add(double value) {
        int at = Arrays.binarySearch(values, 0, size, value);
        if (at < 0) {
            at = -at - 1;
        }
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        System.arraycopy(values, at, values, at + 1, size - at);
        values[at] = value;
        size++;
        sum += value;
    }

    /** Removes one occurrence of {@code value}; whether there was one. */
    boolean remove(double value) {
        int at = Arrays.binarySearch(values, 0, size, value);
        if (at < 0) {
            return false;
        }
        System.arraycopy(values, at + 1, values, at, size - at - 1);
        size--;
        // Start afresh when empty, so that rounding from additions and removals cannot accumulate forever.
        sum = size == 0 ? 0.0 : sum - value;
        return true;
    }

    int size() {
        return size;
    }

    /** The mean, or {@code null} when there is no sample. */
    Double mean() {
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
        if (size == 0) {
            return null;
        }
        long rank = ((long) percent * size + 99) / 100;
        return values[(int) rank - 1];
    }
}
