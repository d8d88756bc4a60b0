package dev.immunity.cli.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenLoopScheduleTest {
    private final OpenLoopSchedule schedule = new OpenLoopSchedule(1_000, 4); // 4 events/s from t=1000 ns

    @Test
    void eventI_isDueAtStartPlusIOverRate() {
        assertThat(schedule.intendedNanos(0)).isEqualTo(1_000);
        assertThat(schedule.intendedNanos(1)).isEqualTo(250_001_000);
        assertThat(schedule.intendedNanos(8)).isEqualTo(2_000_001_000L);
    }

    @Test
    void dueTimes_doNotMove_whenTheSenderIsLate() {
        // Open loop: a stall of 1 s leaves 4 more events due at once, with their original intended times.
        assertThat(schedule.dueBy(1_000 + 1_000_000_000L, 1)).isEqualTo(4);
        assertThat(schedule.intendedNanos(1)).isEqualTo(250_001_000);
    }

    @Test
    void nothingIsDue_beforeTheStart() {
        assertThat(schedule.dueBy(0, 0)).isZero();
        assertThat(schedule.dueBy(1_000, 0)).isEqualTo(1);
    }

    @Test
    void count_coversTheDuration() {
        assertThat(schedule.count(2_000_000_000L)).isEqualTo(8);
        assertThat(new OpenLoopSchedule(0, 3).count(1_500_000_000L)).isEqualTo(5);
    }

    @Test
    void rate_mustBePositive() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
