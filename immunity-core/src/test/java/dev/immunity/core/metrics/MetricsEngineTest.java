package dev.immunity.core.metrics;

import dev.immunity.core.json.Json;
import dev.immunity.core.model.MetricsSnapshot;
import dev.immunity.core.model.MetricsSnapshot.MinuteSeries;
import dev.immunity.core.model.MetricsSnapshot.PriorityMetrics;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.immunity.core.TestEvents.apv;
import static dev.immunity.core.TestEvents.patch;
import static dev.immunity.core.model.PatchStatus.APPLIED;
import static dev.immunity.core.model.PatchStatus.FAILED;
import static dev.immunity.core.model.PatchStatus.MERGED;
import static dev.immunity.core.model.PatchStatus.PENDING;
import static dev.immunity.core.model.PatchStatus.ROLLED_BACK;
import static dev.immunity.core.model.PatchStatus.VALIDATING;
import static dev.immunity.core.model.Priority.CRITICAL;
import static dev.immunity.core.model.Priority.HIGH;
import static dev.immunity.core.model.Priority.LOW;
import static dev.immunity.core.model.Priority.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsEngineTest {
    /** A minute boundary, so that series bucket arithmetic in the tests stays readable. */
    private static final Instant T0 = Instant.parse("2025-10-11T14:00:00Z");

    private final ManualClock clock = new ManualClock(T0.plus(Duration.ofMinutes(30)));
    private final MetricsEngine engine = new MetricsEngine(clock, MetricsSettings.defaults());

    // --- null versus zero -------------------------------------------------------------------------------------

    @Test
    void freshEngine_reportsZeroCountsAndOnlyNullFigures() {
        MetricsSnapshot s = engine.snapshot();

        assertThat(List.of(s.apvsDetected(), s.apvsConfirmed(), s.patchesApplied(), s.patchesMerged(),
                s.patchesFailed(), s.patchesOpen(), s.mttrSamples())).containsOnly(0L);
        assertThat(s.mttrAvgSeconds()).isNull();
        assertThat(s.mttrP50Seconds()).isNull();
        assertThat(s.mttrP90Seconds()).isNull();
        assertThat(s.successRate()).isNull();
        assertThat(s.apvsPerHour()).isNull();
        assertThat(s.byPriority()).containsOnlyKeys(Priority.values());
        assertThat(s.byPriority().values()).containsOnly(new PriorityMetrics(0, null, null, null, 0, null));
        assertThat(s.series().apvsDetected()).hasSize(60).containsOnly(0L);
        assertThat(s.series().mttrAvgSeconds()).hasSize(60).containsOnlyNulls();
        assertThat(s.series().successRate()).hasSize(60).containsOnlyNulls();
        assertThat(s.mttrBasis()).isEqualTo("merged");
        assertThat(s.computedAt()).isEqualTo(clock.instant());
    }

    @Test
    void freshEngine_writesNullsNotZerosOnTheWire() {
        String json = Json.write(engine.snapshot());

        assertThat(json).contains("\"mttr_avg_seconds\":null", "\"success_rate\":null", "\"apvs_per_hour\":null",
                "\"apvs_detected\":0", "\"mttr_basis\":\"merged\"");
    }

    @Test
    void apvsWithoutPatches_countDetectionsButLeaveMttrAndSuccessRateNull() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0.plusSeconds(60)));
        engine.recordApv(apv("CVE-2025-0002", LOW, T0.plusSeconds(120)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.apvsDetected()).isEqualTo(2);
        assertThat(s.apvsConfirmed()).isZero();
        assertThat(s.apvsPerHour()).isEqualTo(2L);
        assertThat(s.mttrAvgSeconds()).isNull();
        assertThat(s.mttrP50Seconds()).isNull();
        assertThat(s.mttrP90Seconds()).isNull();
        assertThat(s.mttrSamples()).isZero();
        assertThat(s.successRate()).isNull();
        assertThat(s.byPriority().get(HIGH)).isEqualTo(new PriorityMetrics(1, null, null, null, 0, null));
    }

    @Test
    void openPatchesOnly_leaveMttrAndSuccessRateNull() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", APPLIED, T0.plusSeconds(60)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.apvsConfirmed()).isEqualTo(1);
        assertThat(s.patchesOpen()).isEqualTo(1);
        assertThat(s.mttrAvgSeconds()).isNull();
        assertThat(s.successRate()).isNull();
    }

    // --- APVs ------------------------------------------------------------------------------------------------

    @Test
    void apvUpdates_areCountedOnceAndKeepTheFirstDetectionTime() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0.plusSeconds(500)));
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(600)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.apvsDetected()).isEqualTo(1);
        assertThat(s.mttrAvgSeconds()).isEqualTo(600.0);
        assertThat(s.series().apvsDetected().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void apvsPerHour_countsDetectionsInTheLastSixtyMinutesAndSlides() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0.plus(Duration.ofMinutes(30))));

        clock.set(T0.plus(Duration.ofMinutes(59)).plusSeconds(59));
        assertThat(engine.snapshot().apvsPerHour()).isEqualTo(2L);

        clock.set(T0.plus(Duration.ofMinutes(60)));
        assertThat(engine.snapshot().apvsPerHour()).as("exactly 60 minutes old is outside (now - 60 min, now]")
                .isEqualTo(1L);

        clock.set(T0.plus(Duration.ofMinutes(91)));
        MetricsSnapshot s = engine.snapshot();
        assertThat(s.apvsPerHour()).as("both are over 60 minutes old: zero, not null").isEqualTo(0L);
        assertThat(s.apvsDetected()).isEqualTo(2);
    }

    @Test
    void apvsPerHour_dropsAnApvDetectedSixtyOneMinutesAgo() {
        clock.set(T0.plus(Duration.ofMinutes(61)));
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0.plus(Duration.ofMinutes(2))));

        assertThat(engine.snapshot().apvsPerHour()).isEqualTo(1L);
    }

    // --- MTTR ------------------------------------------------------------------------------------------------

    @Test
    void mttr_reportsMeanAndNearestRankPercentiles() {
        // Ten CVEs remediated after 60, 120, ..., 600 seconds, recorded in a scrambled order.
        List<Integer> order = Arrays.asList(7, 2, 9, 0, 5, 3, 8, 1, 6, 4);
        for (int i : order) {
            String cve = "CVE-2025-%04d".formatted(i + 1);
            Instant detected = T0.plusSeconds(i * 7L);
            engine.recordApv(apv(cve, HIGH, detected));
            engine.recordPatch(patch("p" + i, cve, MERGED, detected.plusSeconds(60L * (i + 1))));
        }

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.mttrSamples()).isEqualTo(10);
        assertThat(s.mttrAvgSeconds()).isEqualTo(330.0);
        assertThat(s.mttrP50Seconds()).as("rank ceil(0.5 x 10) = 5").isEqualTo(300.0);
        assertThat(s.mttrP90Seconds()).as("rank ceil(0.9 x 10) = 9, not an interpolation").isEqualTo(540.0);
    }

    @Test
    void mttr_nearestRankPicksAnObservedSampleForSmallCounts() {
        long[] seconds = {10, 20, 30, 40, 1000};
        for (int i = 0; i < seconds.length; i++) {
            String cve = "CVE-2025-%04d".formatted(i + 1);
            engine.recordApv(apv(cve, HIGH, T0));
            engine.recordPatch(patch("p" + i, cve, MERGED, T0.plusSeconds(seconds[i])));
        }

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.mttrAvgSeconds()).isEqualTo(220.0);
        assertThat(s.mttrP50Seconds()).as("rank ceil(2.5) = 3").isEqualTo(30.0);
        assertThat(s.mttrP90Seconds()).as("rank ceil(4.5) = 5").isEqualTo(1000.0);
    }

    @Test
    void mttr_usesFirstMergedPatchPerCve() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", APPLIED, T0.plusSeconds(50)));
        engine.recordPatch(patch("p2", "CVE-2025-0001", MERGED, T0.plusSeconds(300)));
        engine.recordPatch(patch("p3", "CVE-2025-0001", MERGED, T0.plusSeconds(500)));
        assertThat(engine.snapshot().mttrAvgSeconds()).isEqualTo(300.0);

        // A merge that happened earlier but is delivered late (another partition) becomes the first one.
        engine.recordPatch(patch("p4", "CVE-2025-0001", MERGED, T0.plusSeconds(100)));

        MetricsSnapshot s = engine.snapshot();
        assertThat(s.mttrSamples()).as("one sample per CVE").isEqualTo(1);
        assertThat(s.mttrAvgSeconds()).isEqualTo(100.0);
        int minuteZero = 29; // now = T0+30m: the oldest minute is T0-29m
        assertThat(s.series().mttrAvgSeconds().get(minuteZero + 1)).isEqualTo(100.0);
        assertThat(s.series().mttrAvgSeconds().get(minuteZero + 5)).as("the replaced sample left its minute")
                .isNull();
    }

    @Test
    void mttr_clampsNegativeDurationsToZero() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0.plusSeconds(90)));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(30)));
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0));
        engine.recordPatch(patch("p2", "CVE-2025-0002", MERGED, T0.plusSeconds(100)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.mttrAvgSeconds()).isEqualTo(50.0);
        assertThat(s.mttrP50Seconds()).isEqualTo(0.0);
    }

    @Test
    void mttr_withAppliedBasis_stopsTheClockAtTheFirstAppliedOrMergedPatch() {
        MetricsEngine appliedBasis = new MetricsEngine(clock, new MetricsSettings(MttrBasis.APPLIED));
        for (MetricsEngine e : List.of(engine, appliedBasis)) {
            e.recordApv(apv("CVE-2025-0001", HIGH, T0));
            e.recordPatch(patch("p1", "CVE-2025-0001", APPLIED, T0.plusSeconds(60)));
            e.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(120)));
            e.recordApv(apv("CVE-2025-0002", HIGH, T0));
            e.recordPatch(patch("p2", "CVE-2025-0002", MERGED, T0.plusSeconds(200)));
            e.recordApv(apv("CVE-2025-0003", HIGH, T0));
            e.recordPatch(patch("p3", "CVE-2025-0003", APPLIED, T0.plusSeconds(40)));
        }

        MetricsSnapshot applied = appliedBasis.snapshot();
        assertThat(applied.mttrBasis()).isEqualTo("applied");
        assertThat(applied.mttrSamples()).isEqualTo(3);
        assertThat(applied.mttrAvgSeconds()).isEqualTo(100.0); // 60, 200, 40

        MetricsSnapshot merged = engine.snapshot();
        assertThat(merged.mttrBasis()).isEqualTo("merged");
        assertThat(merged.mttrSamples()).isEqualTo(2);
        assertThat(merged.mttrAvgSeconds()).isEqualTo(160.0); // 120, 200
    }

    // --- patches ---------------------------------------------------------------------------------------------

    @Test
    void patchCounts_followEachPatchThroughItsLifecycleOnce() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        String cve = "CVE-2025-0001";
        for (PatchStatus st : List.of(PENDING, VALIDATING, APPLIED, MERGED)) {
            engine.recordPatch(patch("p1", cve, st, T0.plusSeconds(10L * st.ordinal())));
        }
        engine.recordPatch(patch("p2", cve, PENDING, T0));
        engine.recordPatch(patch("p2", cve, APPLIED, T0.plusSeconds(5)));
        engine.recordPatch(patch("p3", cve, VALIDATING, T0));
        engine.recordPatch(patch("p3", cve, FAILED, T0.plusSeconds(5)));
        engine.recordPatch(patch("p3", cve, ROLLED_BACK, T0.plusSeconds(9)));
        engine.recordPatch(patch("p4", cve, APPLIED, T0));
        engine.recordPatch(patch("p4", cve, FAILED, T0.plusSeconds(5)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.patchesApplied()).as("p1 (applied then merged) once, p2, p4").isEqualTo(3);
        assertThat(s.patchesMerged()).isEqualTo(1);
        assertThat(s.patchesFailed()).as("p3 (failed then rolled back) once, p4").isEqualTo(2);
        assertThat(s.patchesOpen()).as("p2 is still applied").isEqualTo(1);
        assertThat(s.apvsConfirmed()).isEqualTo(1);
    }

    @Test
    void successRate_isMergedOverMergedPlusFailed_countingARollbackOnce() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(10)));
        engine.recordPatch(patch("p2", "CVE-2025-0001", MERGED, T0.plusSeconds(20)));
        engine.recordPatch(patch("p3", "CVE-2025-0001", MERGED, T0.plusSeconds(30)));
        engine.recordPatch(patch("p4", "CVE-2025-0001", FAILED, T0.plusSeconds(40)));
        engine.recordPatch(patch("p4", "CVE-2025-0001", ROLLED_BACK, T0.plusSeconds(50)));
        engine.recordPatch(patch("p5", "CVE-2025-0001", VALIDATING, T0.plusSeconds(60)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.successRate()).as("3 merged / (3 merged + 1 failed); p5 is not terminal").isEqualTo(0.75);
        assertThat(s.patchesFailed()).isEqualTo(1);
    }

    @Test
    void redelivery_isNotCountedTwice() {
        List<Runnable> messages = List.of(
                () -> engine.recordApv(apv("CVE-2025-0001", CRITICAL, T0)),
                () -> engine.recordPatch(patch("p1", "CVE-2025-0001", PENDING, T0.plusSeconds(10))),
                () -> engine.recordPatch(patch("p1", "CVE-2025-0001", APPLIED, T0.plusSeconds(20))),
                () -> engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(30))),
                () -> engine.recordApv(apv("CVE-2025-0002", LOW, T0)),
                () -> engine.recordPatch(patch("p2", "CVE-2025-0002", FAILED, T0.plusSeconds(40))),
                () -> engine.recordPatch(patch("p2", "CVE-2025-0002", ROLLED_BACK, T0.plusSeconds(50))));
        messages.forEach(Runnable::run);
        MetricsSnapshot once = engine.snapshot();

        messages.forEach(Runnable::run);
        messages.forEach(m -> {
            m.run();
            m.run();
        });
        MetricsSnapshot again = engine.snapshot();

        assertThat(again.sameNumbersAs(once)).as("%s%nvs%n%s", again, once).isTrue();
        assertThat(once.apvsDetected()).isEqualTo(2);
        assertThat(once.patchesApplied()).isEqualTo(1);
        assertThat(once.patchesMerged()).isEqualTo(1);
        assertThat(once.patchesFailed()).isEqualTo(1);
        assertThat(once.mttrSamples()).isEqualTo(1);
        assertThat(once.successRate()).isEqualTo(0.5);
    }

    @Test
    void backwardsStatus_isIgnored() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(100)));
        for (PatchStatus late : List.of(APPLIED, VALIDATING, PENDING, FAILED, ROLLED_BACK)) {
            engine.recordPatch(patch("p1", "CVE-2025-0001", late, T0.plusSeconds(200)));
        }
        engine.recordPatch(patch("p2", "CVE-2025-0001", FAILED, T0.plusSeconds(100)));
        engine.recordPatch(patch("p2", "CVE-2025-0001", PENDING, T0.plusSeconds(200)));
        engine.recordPatch(patch("p2", "CVE-2025-0001", APPLIED, T0.plusSeconds(200)));
        engine.recordPatch(patch("p3", "CVE-2025-0001", APPLIED, T0.plusSeconds(100)));
        engine.recordPatch(patch("p3", "CVE-2025-0001", PENDING, T0.plusSeconds(200)));

        MetricsSnapshot s = engine.snapshot();

        assertThat(s.patchesMerged()).isEqualTo(1);
        assertThat(s.patchesFailed()).isEqualTo(1);
        assertThat(s.patchesApplied()).as("p1 and p3; p2 never left failed").isEqualTo(2);
        assertThat(s.patchesOpen()).as("p3").isEqualTo(1);
        assertThat(s.successRate()).isEqualTo(0.5);
        assertThat(s.mttrAvgSeconds()).isEqualTo(100.0);
    }

    @Test
    void patchBeforeApv_isRememberedAndCountsOnceTheApvArrives() {
        engine.recordPatch(patch("p1", "CVE-2025-0001", PENDING, T0.plusSeconds(60)));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(120)));

        MetricsSnapshot before = engine.snapshot();
        assertThat(before.apvsDetected()).isZero();
        assertThat(before.apvsConfirmed()).isZero();
        assertThat(before.patchesMerged()).isEqualTo(1);
        assertThat(before.mttrAvgSeconds()).isNull();
        assertThat(before.apvsPerHour()).isNull();
        assertThat(before.byPriority().get(HIGH).successRate()).as("priority unknown until the APV").isNull();

        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));

        MetricsSnapshot after = engine.snapshot();
        assertThat(after.apvsDetected()).isEqualTo(1);
        assertThat(after.apvsConfirmed()).isEqualTo(1);
        assertThat(after.patchesMerged()).isEqualTo(1);
        assertThat(after.mttrAvgSeconds()).isEqualTo(120.0);
        assertThat(after.byPriority().get(HIGH)).isEqualTo(new PriorityMetrics(1, 120.0, 120.0, 120.0, 1, 1.0));
        int minuteZero = 29; // now = T0+30m: the oldest minute is T0-29m
        assertThat(after.series().apvsConfirmed().get(minuteZero + 1)).as("confirmed in the minute of the first patch")
                .isEqualTo(1L);
        assertThat(after.series().mttrAvgSeconds().get(minuteZero + 2)).isEqualTo(120.0);
    }

    // --- by priority -----------------------------------------------------------------------------------------

    @Test
    void byPriority_reportsEachPriorityWithItsOwnFigures() {
        engine.recordApv(apv("CVE-2025-0001", CRITICAL, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(100)));
        engine.recordApv(apv("CVE-2025-0002", CRITICAL, T0));
        engine.recordPatch(patch("p2", "CVE-2025-0002", FAILED, T0.plusSeconds(50)));
        engine.recordApv(apv("CVE-2025-0003", CRITICAL, T0));
        engine.recordPatch(patch("p3", "CVE-2025-0003", MERGED, T0.plusSeconds(300)));
        engine.recordApv(apv("CVE-2025-0004", HIGH, T0));
        engine.recordPatch(patch("p4", "CVE-2025-0004", MERGED, T0.plusSeconds(600)));
        engine.recordApv(apv("CVE-2025-0005", MEDIUM, T0));

        var by = engine.snapshot().byPriority();

        assertThat(by.get(CRITICAL)).isEqualTo(new PriorityMetrics(3, 200.0, 100.0, 300.0, 2, 2.0 / 3));
        assertThat(by.get(HIGH)).isEqualTo(new PriorityMetrics(1, 600.0, 600.0, 600.0, 1, 1.0));
        assertThat(by.get(MEDIUM)).isEqualTo(new PriorityMetrics(1, null, null, null, 0, null));
        assertThat(by.get(LOW)).isEqualTo(new PriorityMetrics(0, null, null, null, 0, null));
    }

    @Test
    void byPriority_followsTheLatestPriorityOfACve() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(100)));
        engine.recordPatch(patch("p2", "CVE-2025-0001", FAILED, T0.plusSeconds(200)));

        engine.recordApv(apv("CVE-2025-0001", CRITICAL, T0.plusSeconds(300)));

        MetricsSnapshot s = engine.snapshot();
        assertThat(s.byPriority().get(HIGH)).isEqualTo(new PriorityMetrics(0, null, null, null, 0, null));
        assertThat(s.byPriority().get(CRITICAL)).isEqualTo(new PriorityMetrics(1, 100.0, 100.0, 100.0, 1, 0.5));
        assertThat(s.apvsDetected()).isEqualTo(1);
        assertThat(s.mttrAvgSeconds()).isEqualTo(100.0);
    }

    // --- series ----------------------------------------------------------------------------------------------

    @Test
    void series_placesEachEventInTheMinuteItHappened() {
        clock.set(T0.plus(Duration.ofMinutes(59)).plusSeconds(30)); // window: T0 .. T0+59m, oldest first
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0.plusSeconds(10)));                 // minute 0
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0.plus(Duration.ofSeconds(5 * 60 + 20)))); // minute 5
        engine.recordApv(apv("CVE-2025-0003", HIGH, T0.minusSeconds(60)));                // before the window
        engine.recordPatch(patch("pA", "CVE-2025-0001", MERGED, T0.plusSeconds(7 * 60 + 59)));   // minute 7
        engine.recordPatch(patch("pB", "CVE-2025-0002", PENDING, T0.plusSeconds(6 * 60)));       // minute 6
        engine.recordPatch(patch("pB", "CVE-2025-0002", FAILED, T0.plusSeconds(59 * 60 + 10))); // minute 59

        MetricsSnapshot s = engine.snapshot();
        MinuteSeries series = s.series();

        assertThat(series.start()).isEqualTo(T0);
        assertThat(series.apvsDetected()).isEqualTo(longs(0, 1, 5, 1));
        assertThat(series.apvsConfirmed()).isEqualTo(longs(7, 1, 6, 1));
        assertThat(series.patchesApplied()).isEqualTo(longs(7, 1));
        assertThat(series.patchesMerged()).isEqualTo(longs(7, 1));
        assertThat(series.patchesFailed()).isEqualTo(longs(59, 1));
        assertThat(series.mttrAvgSeconds()).isEqualTo(doubles(7, 469.0));
        List<Double> success = doubles(7, 1.0);
        success.set(59, 0.0);
        assertThat(series.successRate()).isEqualTo(success);
        assertThat(s.apvsDetected()).isEqualTo(3);
        assertThat(s.apvsPerHour()).isEqualTo(2L);
    }

    @Test
    void series_slidesWithTheClockAndDropsOlderMinutes() {
        clock.set(T0.plus(Duration.ofMinutes(59)).plusSeconds(30));
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0.plusSeconds(10)));
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0.plusSeconds(5 * 60 + 20)));
        engine.recordPatch(patch("pA", "CVE-2025-0001", MERGED, T0.plusSeconds(7 * 60 + 59)));

        clock.set(T0.plus(Duration.ofMinutes(64)).plusSeconds(59));
        MinuteSeries series = engine.snapshot().series();

        assertThat(series.start()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(series.apvsDetected()).isEqualTo(longs(0, 1));
        assertThat(series.patchesMerged()).isEqualTo(longs(2, 1));
        assertThat(series.mttrAvgSeconds()).isEqualTo(doubles(2, 469.0));

        // An event recorded now with a time before the window does not appear.
        engine.recordApv(apv("CVE-2025-0003", HIGH, T0.plusSeconds(4 * 60)));
        assertThat(engine.snapshot().series().apvsDetected()).isEqualTo(longs(0, 1));
    }

    @Test
    void series_averagesTheMttrOfCvesRemediatedInTheSameMinute() {
        engine.recordApv(apv("CVE-2025-0001", HIGH, T0));
        engine.recordApv(apv("CVE-2025-0002", HIGH, T0.plusSeconds(60)));
        engine.recordPatch(patch("p1", "CVE-2025-0001", MERGED, T0.plusSeconds(180)));
        engine.recordPatch(patch("p2", "CVE-2025-0002", MERGED, T0.plusSeconds(200)));
        engine.recordPatch(patch("p3", "CVE-2025-0002", FAILED, T0.plusSeconds(230)));

        MinuteSeries series = engine.snapshot().series(); // now = T0+30m: oldest minute is T0-29m

        int minute3 = 29 + 3;
        assertThat(series.mttrAvgSeconds().get(minute3)).isEqualTo(160.0); // (180 + 140) / 2
        assertThat(series.successRate().get(minute3)).isEqualTo(2.0 / 3);
        assertThat(series.patchesMerged().get(minute3)).isEqualTo(2L);
        assertThat(series.patchesFailed().get(minute3)).isEqualTo(1L);
    }

    // --- memory ----------------------------------------------------------------------------------------------

    @Test
    void eviction_forgetsTheOldestDetectedCveBeyondTheBound() {
        MetricsEngine small = new MetricsEngine(clock, MetricsSettings.defaults().withMaxTrackedCves(2));
        // B arrives first but A was detected earlier: A is the oldest.
        small.recordApv(apv("CVE-2025-000B", HIGH, T0.plusSeconds(60)));
        small.recordPatch(patch("pB", "CVE-2025-000B", MERGED, T0.plusSeconds(60 + 200)));
        small.recordApv(apv("CVE-2025-000A", HIGH, T0));
        small.recordPatch(patch("pA", "CVE-2025-000A", MERGED, T0.plusSeconds(100)));
        small.recordPatch(patch("pA2", "CVE-2025-000A", PENDING, T0.plusSeconds(110)));
        assertThat(small.snapshot().mttrAvgSeconds()).isEqualTo(150.0);
        assertThat(small.snapshot().patchesOpen()).isEqualTo(1);

        small.recordApv(apv("CVE-2025-000C", LOW, T0.plusSeconds(120)));
        small.recordPatch(patch("pC", "CVE-2025-000C", MERGED, T0.plusSeconds(120 + 400)));

        MetricsSnapshot s = small.snapshot();
        assertThat(s.mttrSamples()).as("A's sample is forgotten").isEqualTo(2);
        assertThat(s.mttrAvgSeconds()).isEqualTo(300.0); // B 200, C 400
        assertThat(s.patchesOpen()).as("A's pending patch is forgotten with it").isZero();
        assertThat(s.apvsDetected()).as("counts are running totals").isEqualTo(3);
        assertThat(s.patchesMerged()).isEqualTo(3);
        assertThat(s.byPriority().get(HIGH).mttrSamples()).isEqualTo(1);
    }

    @Test
    void eviction_boundsStateUnderALongStream() {
        MetricsEngine small = new MetricsEngine(clock, MetricsSettings.defaults().withMaxTrackedCves(100));
        for (int i = 0; i < 10_000; i++) {
            String cve = "CVE-2025-%05d".formatted(i);
            Instant detected = T0.plusMillis(i * 100L);
            small.recordApv(apv(cve, Priority.values()[i % 4], detected));
            small.recordPatch(patch("p" + i, cve, MERGED, detected.plusSeconds(i % 10)));
        }

        MetricsSnapshot s = small.snapshot();

        assertThat(s.mttrSamples()).isEqualTo(100);
        assertThat(s.mttrAvgSeconds()).isEqualTo(4.5);
        assertThat(s.apvsDetected()).isEqualTo(10_000);
        assertThat(s.byPriority().values().stream().mapToLong(PriorityMetrics::mttrSamples).sum()).isEqualTo(100);
    }

    // --- threads ---------------------------------------------------------------------------------------------

    @Test
    void recordingFromSeveralThreads_losesNothing() throws Exception {
        int threads = 4;
        int perThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads + 1)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = base; i < base + perThread; i++) {
                        String cve = "CVE-2025-%05d".formatted(i);
                        engine.recordApv(apv(cve, HIGH, T0));
                        engine.recordPatch(patch("p" + i, cve, APPLIED, T0.plusSeconds(30)));
                        engine.recordPatch(patch("p" + i, cve, MERGED, T0.plusSeconds(60)));
                    }
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                    MetricsSnapshot s = engine.snapshot();
                    assertThat(s.patchesMerged()).isLessThanOrEqualTo(s.patchesApplied());
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        }

        MetricsSnapshot s = engine.snapshot();
        assertThat(s.apvsDetected()).isEqualTo(threads * perThread);
        assertThat(s.patchesMerged()).isEqualTo(threads * perThread);
        assertThat(s.patchesOpen()).isZero();
        assertThat(s.mttrSamples()).isEqualTo(threads * perThread);
        assertThat(s.mttrP90Seconds()).isEqualTo(60.0);
    }

    // --- settings --------------------------------------------------------------------------------------------

    @Test
    void settings_defaultToMergedBasisAndAHundredThousandCves() {
        assertThat(MetricsSettings.defaults()).isEqualTo(new MetricsSettings(MttrBasis.MERGED, 100_000));
        assertThat(MttrBasis.MERGED.wire()).isEqualTo("merged");
        assertThat(MttrBasis.APPLIED.wire()).isEqualTo("applied");
        assertThat(MttrBasis.fromWire(" Applied ")).isEqualTo(MttrBasis.APPLIED);
        assertThat(MttrBasis.fromWire("closed")).isNull();
    }

    @Test
    void settings_rejectValuesOutOfRangeNamingThem() {
        assertThatThrownBy(() -> new MetricsSettings(MttrBasis.MERGED, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxTrackedCves must be at least 1, got 0");
        assertThatThrownBy(() -> new MetricsSettings(null, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mttrBasis");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** 60 zeros, with {@code value} at each given index: {@code longs(index, value, index, value, ...)}. */
    private static List<Long> longs(long... indexValuePairs) {
        List<Long> list = new ArrayList<>(Collections.nCopies(60, 0L));
        for (int i = 0; i < indexValuePairs.length; i += 2) {
            list.set((int) indexValuePairs[i], indexValuePairs[i + 1]);
        }
        return list;
    }

    /** 60 nulls, with {@code value} at {@code index}. */
    private static List<Double> doubles(int index, double value) {
        List<Double> list = new ArrayList<>(Collections.nCopies(60, (Double) null));
        list.set(index, value);
        return list;
    }

    /** A clock the test moves by hand. */
    private static final class ManualClock implements InstantSource {
        private volatile Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
