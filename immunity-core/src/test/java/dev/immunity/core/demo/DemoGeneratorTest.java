package dev.immunity.core.demo;

import dev.immunity.core.model.Apv;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The demo generator's own part: its seed, and the pace of new APVs (the events themselves: SyntheticEventsTest). */
class DemoGeneratorTest {
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2025-10-11T14:30:22.123456Z"));

    @Test
    void sameSeed_givesTheSameOutput() {
        DemoGenerator a = new DemoGenerator(42, CLOCK);
        DemoGenerator b = new DemoGenerator(42, CLOCK);
        for (int i = 0; i < 100; i++) {
            Apv apv = a.nextApv();
            assertThat(b.nextApv()).isEqualTo(apv);
            assertThat(b.plan(apv)).isEqualTo(a.plan(apv));
        }
        assertThat(b.nextInterval(Duration.ofSeconds(3))).isEqualTo(a.nextInterval(Duration.ofSeconds(3)));
    }

    @Test
    void differentSeeds_giveDifferentOutput() {
        assertThat(new DemoGenerator(1, CLOCK).nextApv()).isNotEqualTo(new DemoGenerator(2, CLOCK).nextApv());
    }

    @Test
    void nextInterval_isExponentialAroundTheMean() {
        DemoGenerator gen = new DemoGenerator(11, CLOCK);
        Duration mean = Duration.ofSeconds(3);
        long total = 0;
        for (int i = 0; i < 2000; i++) {
            Duration d = gen.nextInterval(mean);
            assertThat(d).isBetween(mean.dividedBy(20), mean.multipliedBy(5));
            total += d.toMillis();
        }

        assertThat(total / 2000.0).isCloseTo(3000, within(300.0));
    }
}
