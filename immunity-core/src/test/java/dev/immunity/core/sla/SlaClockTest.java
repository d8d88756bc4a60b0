package dev.immunity.core.sla;

import dev.immunity.core.TestEvents;
import dev.immunity.core.metrics.MttrBasis;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The SLA clock against a manual clock: the instants given are the only time there is. */
class SlaClockTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Critical 100 s, high 1,000 s, medium 10,000 s, low 100,000 s; at risk after 75 %. */
    private static final SlaPolicy POLICY = new SlaPolicy(Map.of(Priority.CRITICAL, Duration.ofSeconds(100),
            Priority.HIGH, Duration.ofSeconds(1000), Priority.MEDIUM, Duration.ofSeconds(10_000),
            Priority.LOW, Duration.ofSeconds(100_000)), 0.75);

    private final SlaClock clock = new SlaClock(POLICY, MttrBasis.MERGED);

    @Test
    void transitionsFireExactlyAtTheAtRiskRatioAndAtTheDeadline_withNoOtherEvent() {
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0, List.of("payments")), T0);
        assertThat(clock.status("CVE-2026-0001", T0).orElseThrow().state()).isEqualTo(SlaState.WITHIN);
        assertThat(clock.nextDue()).isEqualTo(T0.plusSeconds(75));

        assertThat(clock.advance(T0.plusMillis(74_999))).isEmpty();
        List<SlaStatus> atRisk = clock.advance(T0.plusSeconds(75));
        assertThat(atRisk).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(SlaState.AT_RISK);
            assertThat(s.deadline()).isEqualTo(T0.plusSeconds(100));
            assertThat(s.secondsRemaining()).isEqualTo(25);
            assertThat(s.services()).containsExactly("payments");
        });
        assertThat(clock.nextDue()).isEqualTo(T0.plusSeconds(100));
        assertThat(clock.advance(T0.plusMillis(99_999))).isEmpty();
        assertThat(clock.advance(T0.plusSeconds(100))).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(SlaState.BREACHED));
        assertThat(clock.nextDue()).isNull();
        assertThat(clock.advance(T0.plusSeconds(10_000))).isEmpty();
        assertThat(clock.status("CVE-2026-0001", T0.plusSeconds(130)).orElseThrow().secondsOverdue()).isEqualTo(30);
    }

    @Test
    void aLateTimer_reportsBothTransitionsInOrder_atTheirOwnInstants() {
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0), T0);
        List<SlaStatus> both = clock.advance(T0.plusSeconds(500));
        assertThat(both).extracting(SlaStatus::state).containsExactly(SlaState.AT_RISK, SlaState.BREACHED);
        assertThat(both).extracting(SlaStatus::secondsRemaining).containsExactly(25L, 0L);
    }

    @Test
    void aPatchMergedInTime_meetsTheSla_andALateOneMissesIt() {
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0), T0);
        clock.onApv(TestEvents.apv("CVE-2026-0002", Priority.CRITICAL, T0), T0);
        assertThat(clock.onPatch(TestEvents.patch("p1", "CVE-2026-0001", PatchStatus.MERGED, T0.plusSeconds(99))))
                .hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(SlaState.MET));
        clock.advance(T0.plusSeconds(100));
        assertThat(clock.onPatch(TestEvents.patch("p2", "CVE-2026-0002", PatchStatus.MERGED, T0.plusSeconds(101))))
                .hasValueSatisfying(s -> {
                    assertThat(s.state()).isEqualTo(SlaState.MISSED);
                    assertThat(s.secondsRemaining()).isEqualTo(-1);
                });
        assertThat(clock.open(T0.plusSeconds(200))).isEmpty();
        assertThat(clock.nextDue()).isNull();
        // A later APV update does not restart a stopped clock.
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0), T0.plusSeconds(300));
        assertThat(clock.open(T0.plusSeconds(300))).isEmpty();
    }

    @Test
    void aRolledBackPatchDoesNotStopTheClock_aLaterMergedOneDoes() {
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.HIGH, T0), T0);
        for (PatchStatus s : List.of(PatchStatus.PENDING, PatchStatus.VALIDATING, PatchStatus.APPLIED, PatchStatus.FAILED,
                PatchStatus.ROLLED_BACK)) {
            assertThat(clock.onPatch(TestEvents.patch("p1", "CVE-2026-0001", s, T0.plusSeconds(10)))).isEmpty();
        }
        assertThat(clock.status("CVE-2026-0001", T0.plusSeconds(20))).isPresent();
        assertThat(clock.onPatch(TestEvents.patch("p2", "CVE-2026-0001", PatchStatus.MERGED, T0.plusSeconds(600))))
                .hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(SlaState.MET));
    }

    @Test
    void withMttrBasisApplied_anAppliedPatchStopsTheClock() {
        SlaClock applied = new SlaClock(POLICY, MttrBasis.APPLIED);
        applied.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0), T0);
        assertThat(applied.onPatch(TestEvents.patch("p1", "CVE-2026-0001", PatchStatus.APPLIED, T0.plusSeconds(50))))
                .hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(SlaState.MET));
    }

    @Test
    void aMergedPatchReadBeforeItsApv_closesTheApvWhenItArrives() {
        assertThat(clock.onPatch(TestEvents.patch("p1", "CVE-2026-0001", PatchStatus.MERGED, T0.plusSeconds(150)))).isEmpty();
        clock.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, T0), T0.plusSeconds(200));
        assertThat(clock.open(T0.plusSeconds(200))).isEmpty();
        assertThat(clock.summary(T0.plusSeconds(200)).compliance()).isEqualTo(0.0); // closed after its deadline
    }

    @Test
    void complianceAgeBucketsAndMedianAge_onAKnownSequence() {
        Instant now = T0.plus(Duration.ofDays(100));
        SlaClock days = new SlaClock(SlaPolicy.defaults(), MttrBasis.MERGED);
        // Open: detected 1, 10, 40 and 95 days before now (low: still within its 180 days, except by age bucket).
        days.onApv(TestEvents.apv("CVE-2026-0001", Priority.LOW, now.minus(Duration.ofDays(1))), now);
        days.onApv(TestEvents.apv("CVE-2026-0002", Priority.LOW, now.minus(Duration.ofDays(10))), now);
        days.onApv(TestEvents.apv("CVE-2026-0003", Priority.HIGH, now.minus(Duration.ofDays(40))), now);
        days.onApv(TestEvents.apv("CVE-2026-0004", Priority.CRITICAL, now.minus(Duration.ofDays(95))), now);
        // Closed: two critical in time, one critical late, one high in time.
        for (int i = 0; i < 4; i++) {
            Priority p = i == 3 ? Priority.HIGH : Priority.CRITICAL;
            String cve = "CVE-2026-01" + i + "0";
            days.onApv(TestEvents.apv(cve, p, T0), T0);
            days.onPatch(TestEvents.patch("p" + i, cve, PatchStatus.MERGED, T0.plus(Duration.ofDays(i == 2 ? 8 : 3))));
        }

        SlaSummary s = days.summary(now);
        assertThat(s.openByAge()).containsExactly(Map.entry("lt_7d", 1L), Map.entry("7d_30d", 1L),
                Map.entry("30d_90d", 1L), Map.entry("gt_90d", 1L));
        assertThat(s.open()).containsEntry(Priority.LOW, 2L).containsEntry(Priority.HIGH, 1L).containsEntry(Priority.CRITICAL, 1L);
        assertThat(s.breached()).containsEntry(Priority.HIGH, 1L).containsEntry(Priority.CRITICAL, 1L).containsEntry(Priority.LOW, 0L);
        assertThat(s.atRisk()).containsEntry(Priority.LOW, 0L);
        assertThat(s.medianOpenAgeSeconds()).isEqualTo(Duration.ofDays(25).toSeconds());
        assertThat(s.compliance()).isEqualTo(0.75);
        assertThat(s.complianceByPriority()).containsEntry(Priority.CRITICAL, 2.0 / 3).containsEntry(Priority.HIGH, 1.0)
                .containsEntry(Priority.LOW, null);
        assertThat(s.closed()).containsEntry(Priority.CRITICAL, 3L);
    }

    @Test
    void theDailySeries_countsDetectionsAndRemediationsOnTheirOwnDays_overTheLast90() {
        Instant now = Instant.parse("2026-04-10T12:00:00Z");
        SlaClock days = new SlaClock(SlaPolicy.defaults(), MttrBasis.MERGED);
        Instant d1 = Instant.parse("2026-04-01T23:00:00Z");
        days.onApv(TestEvents.apv("CVE-2026-0001", Priority.CRITICAL, d1), now);
        days.onApv(TestEvents.apv("CVE-2026-0002", Priority.CRITICAL, d1), now);
        days.onApv(TestEvents.apv("CVE-2026-0003", Priority.HIGH, Instant.parse("2025-01-01T00:00:00Z")), now); // too old
        days.onPatch(TestEvents.patch("p1", "CVE-2026-0001", PatchStatus.MERGED, d1.plus(Duration.ofHours(2)))); // the 2nd
        days.onPatch(TestEvents.patch("p2", "CVE-2026-0002", PatchStatus.MERGED, d1.plus(Duration.ofDays(8)))); // late

        SlaSummary.Daily daily = days.summary(now).daily();
        assertThat(daily.start()).isEqualTo(java.time.LocalDate.parse("2026-01-11"));
        assertThat(daily.detected()).hasSize(90);
        int apr1 = 80;
        assertThat(daily.detected().get(apr1)).isEqualTo(2);
        assertThat(daily.detected().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
        assertThat(daily.remediated().get(apr1 + 1)).isEqualTo(1);
        assertThat(daily.mttrAvgSeconds().get(apr1 + 1)).isEqualTo(7200.0);
        assertThat(daily.compliance().get(apr1 + 1)).isEqualTo(1.0);
        assertThat(daily.remediated().get(apr1 + 8)).isEqualTo(1);
        assertThat(daily.compliance().get(apr1 + 8)).isEqualTo(0.0);
        assertThat(daily.compliance().get(0)).isNull();
    }
}
