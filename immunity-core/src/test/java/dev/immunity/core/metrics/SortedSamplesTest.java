package dev.immunity.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The buffered samples answer as a plainly sorted list would, whatever the mix of adds, removals and reads. */
class SortedSamplesTest {

    @Test
    void answersAsASortedListDoes_throughAddsRemovalsAndReadsInAnyOrder() {
        Random rnd = new Random(42);
        SortedSamples samples = new SortedSamples();
        List<Double> expected = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int what = rnd.nextInt(10);
            if (what < 6 || expected.isEmpty()) {
                double v = rnd.nextInt(50) * 30.0; // repeated values, as MTTRs of a batch are
                samples.add(v);
                expected.add(v);
            } else if (what < 9) {
                double v = expected.remove(rnd.nextInt(expected.size()));
                samples.remove(v);
            } else {
                List<Double> sorted = new ArrayList<>(expected);
                Collections.sort(sorted);
                assertThat(samples.size()).isEqualTo(sorted.size());
                for (int p : new int[] {1, 50, 90, 99, 100}) {
                    assertThat(samples.percentile(p)).isEqualTo(sorted.get((int) ((p * (long) sorted.size() + 99) / 100) - 1));
                }
                assertThat(samples.mean()).isCloseTo(sorted.stream().mapToDouble(d -> d).average().orElseThrow(), within(1e-6));
            }
        }
    }

    @Test
    void removingASampleNeverAdded_changesNothing() {
        SortedSamples samples = new SortedSamples();
        samples.add(10);
        samples.add(20);
        samples.remove(15);
        assertThat(samples.size()).isEqualTo(2);
        assertThat(samples.mean()).isEqualTo(15.0);
        samples.remove(20);
        samples.remove(10);
        assertThat(samples.size()).isZero();
        assertThat(samples.mean()).isNull();
        assertThat(samples.percentile(50)).isNull();
    }
}
