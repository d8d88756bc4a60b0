package dev.immunity.cli.bench;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

import java.util.Collection;

/**
 * Latency percentiles in milliseconds, read from one histogram of microseconds. Several histograms are
 * merged ({@link #merge}) before percentiles are read: percentiles are never averaged.
 *
 * @param count samples
 */
public record Percentiles(long count, double p50, double p90, double p99, double p999, double max) {
    /** The histogram every per-client recorder uses: microseconds up to one hour, 2 significant digits. */
    public static Histogram newMicrosHistogram() {
        return new Histogram(3_600_000_000L, 2);
    }

    /** All the given histograms added into a new one. */
    public static Histogram merge(Collection<? extends AbstractHistogram> parts) {
        Histogram all = newMicrosHistogram();
        for (AbstractHistogram h : parts) {
            all.add(h);
        }
        return all;
    }

    /** Percentiles of a histogram of microseconds, in milliseconds; {@code null} when it is empty. */
    public static Percentiles of(AbstractHistogram micros) {
        if (micros.getTotalCount() == 0) {
            return null;
        }
        return new Percentiles(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(90)), ms(micros.getValueAtPercentile(99)),
                ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
