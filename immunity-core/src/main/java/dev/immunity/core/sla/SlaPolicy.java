package dev.immunity.core.sla;

import dev.immunity.core.model.Priority;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How long each priority may stay open: the remediation SLA.
 *
 * <p>The defaults follow FedRAMP's continuous-monitoring deadlines for high and moderate findings (30 and 90 days)
 * and CISA BOD 19-02's 15 days for critical internet-facing ones, shortened to 7 for critical as most security
 * teams set it; low gets 180 days.
 *
 * @param durations   the SLA per priority (all four)
 * @param atRiskRatio the share of the SLA after which an open APV is at risk, above 0 and below 1
 */
public record SlaPolicy(Map<Priority, Duration> durations, double atRiskRatio) {

    public SlaPolicy {
        EnumMap<Priority, Duration> all = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) {
            Duration d = durations.get(p);
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the SLA for " + p.wire() + " must be a positive duration (got " + d + ")");
            }
            all.put(p, d);
        }
        durations = java.util.Collections.unmodifiableMap(all);
        if (!(atRiskRatio > 0 && atRiskRatio < 1)) {
            throw new IllegalArgumentException("atRiskRatio must be above 0 and below 1 (got " + atRiskRatio + ")");
        }
    }

    /** Critical 7 days, high 30, medium 90, low 180; at risk after 75 % of it. */
    public static SlaPolicy defaults() {
        return new SlaPolicy(Map.of(Priority.CRITICAL, Duration.ofDays(7), Priority.HIGH, Duration.ofDays(30),
                Priority.MEDIUM, Duration.ofDays(90), Priority.LOW, Duration.ofDays(180)), 0.75);
    }

    /**
     * The demo's SLAs, in minutes instead of days (critical 1 min, high 2, medium 4, low 8), so that at risk and
     * breached show within two minutes of {@code serve --demo}.
     */
    public static SlaPolicy demo() {
        return new SlaPolicy(Map.of(Priority.CRITICAL, Duration.ofMinutes(1), Priority.HIGH, Duration.ofMinutes(2),
                Priority.MEDIUM, Duration.ofMinutes(4), Priority.LOW, Duration.ofMinutes(8)), 0.75);
    }

    /** The SLA of a priority. */
    public Duration of(Priority p) {
        return durations.get(p);
    }

    /** When an APV of this priority detected at {@code detectedAt} becomes at risk. */
    public java.time.Instant atRiskAt(Priority p, java.time.Instant detectedAt) {
        return detectedAt.plusMillis((long) (of(p).toMillis() * atRiskRatio));
    }

    /** When an APV of this priority detected at {@code detectedAt} breaches. */
    public java.time.Instant deadline(Priority p, java.time.Instant detectedAt) {
        return detectedAt.plus(of(p));
    }
}
