package dev.immunity.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The numbers people act on, at one instant. "No data yet" is {@code null}, never {@code 0}.
 *
 * @param apvsDetected     distinct APVs seen
 * @param apvsConfirmed    APVs for which the remediation engine has produced at least one patch
 * @param patchesApplied   patches that reached {@code applied} (or went on to {@code merged})
 * @param patchesMerged    patches merged
 * @param patchesFailed    patches failed or rolled back
 * @param patchesOpen      patches not yet in a terminal state
 * @param mttrAvgSeconds   mean time to remediate: APV detection to its first merged patch (or applied,
 *                         when so configured); {@code null} until one APV has been remediated
 * @param mttrP50Seconds   median of the same samples
 * @param mttrP90Seconds   90th percentile of the same samples
 * @param mttrSamples      number of remediated APVs behind the MTTR figures
 * @param successRate      merged ÷ (merged + failed) over patches in a terminal state, 0.0–1.0; {@code null}
 *                         until one patch is terminal
 * @param apvsPerHour      APVs detected in the 60 minutes before {@code computedAt}, by event time; {@code null}
 *                         until the first APV
 * @param byPriority       the same figures per priority (all four priorities present)
 * @param series           per-minute series over the last hour, for sparklines
 * @param mttrBasis        {@code merged} or {@code applied}: what ends the MTTR clock
 * @param computedAt       when this snapshot was computed
 * @param sla              the open backlog against the remediation SLA, or null where no SLA clock runs
 */
public record MetricsSnapshot(
        long apvsDetected,
        long apvsConfirmed,
        long patchesApplied,
        long patchesMerged,
        long patchesFailed,
        long patchesOpen,
        Double mttrAvgSeconds,
        Double mttrP50Seconds,
        Double mttrP90Seconds,
        long mttrSamples,
        Double successRate,
        Long apvsPerHour,
        Map<Priority, PriorityMetrics> byPriority,
        MinuteSeries series,
        String mttrBasis,
        Instant computedAt,
        dev.immunity.core.sla.SlaSummary sla) implements Event {

    public MetricsSnapshot {
        // An EnumMap keeps the priorities in order (critical first) on the wire.
        var ordered = new java.util.EnumMap<Priority, PriorityMetrics>(Priority.class);
        ordered.putAll(byPriority);
        byPriority = java.util.Collections.unmodifiableMap(ordered);
    }

    @Override
    public EventType type() {
        return EventType.METRICS;
    }

    /** This snapshot with another computation time; used to compare two snapshots' numbers. */
    public MetricsSnapshot at(Instant when) {
        return new MetricsSnapshot(apvsDetected, apvsConfirmed, patchesApplied, patchesMerged, patchesFailed,
                patchesOpen, mttrAvgSeconds, mttrP50Seconds, mttrP90Seconds, mttrSamples, successRate, apvsPerHour,
                byPriority, series, mttrBasis, when, sla);
    }

    /** This snapshot with the SLA backlog. */
    public MetricsSnapshot withSla(dev.immunity.core.sla.SlaSummary summary) {
        return new MetricsSnapshot(apvsDetected, apvsConfirmed, patchesApplied, patchesMerged, patchesFailed,
                patchesOpen, mttrAvgSeconds, mttrP50Seconds, mttrP90Seconds, mttrSamples, successRate, apvsPerHour,
                byPriority, series, mttrBasis, computedAt, summary);
    }

    /** Whether the numbers (everything but {@code computedAt}) equal another snapshot's. */
    public boolean sameNumbersAs(MetricsSnapshot other) {
        // The median age of what is open grows with the clock alone: not a change worth a message.
        return other != null && withSla(sla == null ? null : sla.withoutMedianAge())
                .equals(other.at(computedAt).withSla(other.sla == null ? null : other.sla.withoutMedianAge()));
    }

    /**
     * The figures for one priority.
     *
     * @param apvsDetected   distinct APVs of this priority
     * @param mttrAvgSeconds mean MTTR, or {@code null}
     * @param mttrP50Seconds median MTTR, or {@code null}
     * @param mttrP90Seconds 90th percentile MTTR, or {@code null}
     * @param mttrSamples    remediated APVs of this priority
     * @param successRate    success rate of this priority's terminal patches, or {@code null}
     */
    public record PriorityMetrics(long apvsDetected, Double mttrAvgSeconds, Double mttrP50Seconds,
                                  Double mttrP90Seconds, long mttrSamples, Double successRate) {
    }

    /**
     * Per-minute figures over the last hour, oldest minute first; each list has one entry per minute.
     *
     * @param start          start of the oldest minute (UTC, on a minute boundary)
     * @param apvsDetected   APVs detected in each minute
     * @param apvsConfirmed  APVs that got their first patch in each minute
     * @param patchesApplied patches that reached applied/merged in each minute
     * @param patchesMerged  patches merged in each minute
     * @param patchesFailed  patches failed in each minute
     * @param mttrAvgSeconds mean MTTR of APVs remediated in each minute ({@code null} where none)
     * @param successRate    success rate of patches that ended in each minute ({@code null} where none)
     */
    public record MinuteSeries(Instant start, List<Long> apvsDetected, List<Long> apvsConfirmed,
                               List<Long> patchesApplied,
                               List<Long> patchesMerged, List<Long> patchesFailed, List<Double> mttrAvgSeconds,
                               List<Double> successRate) {
        public MinuteSeries {
            apvsDetected = List.copyOf(apvsDetected);
            apvsConfirmed = List.copyOf(apvsConfirmed);
            patchesApplied = List.copyOf(patchesApplied);
            patchesMerged = List.copyOf(patchesMerged);
            patchesFailed = List.copyOf(patchesFailed);
            // List.copyOf rejects nulls; these lists hold null for "no data in that minute".
            mttrAvgSeconds = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(mttrAvgSeconds));
            successRate = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(successRate));
        }
    }
}
