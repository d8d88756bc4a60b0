package dev.immunity.core.util;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    @Test
    void doublesFromTheFirstDelayToTheCap_timesAJitterBetweenHalfAndOne() {
        Backoff top = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.999999);
        assertThat(top.next()).isEqualTo(Duration.ofMillis(500));
        assertThat(top.next()).isEqualTo(Duration.ofMillis(1000));
        assertThat(top.next()).isEqualTo(Duration.ofMillis(2000));
        for (int i = 0; i < 40; i++) {
            assertThat(top.next()).isLessThanOrEqualTo(Duration.ofSeconds(30));
        }
        assertThat(top.next()).isEqualTo(Duration.ofSeconds(30));

        Backoff bottom = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.0);
        assertThat(bottom.next()).isEqualTo(Duration.ofMillis(250));
        assertThat(bottom.next()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void reset_startsOverAfterASuccessfulConnection() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.999999);
        b.next();
        b.next();
        b.reset();
        assertThat(b.attempts()).isZero();
        assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
    }
}
