package dev.immunity.cli.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PercentilesTest {
    @Test
    void merge_addsTheCounts_percentilesComeFromTheWhole_notAverages() {
        Histogram fast = Percentiles.newMicrosHistogram();
        Histogram slow = Percentiles.newMicrosHistogram();
        for (int i = 0; i < 99; i++) {
            fast.recordValue(1_000); // 1 ms
        }
        slow.recordValue(100_000); // one 100 ms sample on the other client

        Percentiles p = Percentiles.of(Percentiles.merge(List.of(fast, slow)));

        assertThat(p.count()).isEqualTo(100);
        assertThat(p.p50()).isCloseTo(1.0, within(0.02));
        assertThat(p.p99()).isCloseTo(1.0, within(0.02)); // averaging the two clients' p99 would say 50.5
        assertThat(p.max()).isCloseTo(100.0, within(1.0));
        assertThat(p.p999()).isCloseTo(100.0, within(1.0));
    }

    @Test
    void empty_isNull() {
        assertThat(Percentiles.of(Percentiles.newMicrosHistogram())).isNull();
    }
}
