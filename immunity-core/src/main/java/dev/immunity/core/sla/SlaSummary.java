package dev.immunity.core.sla;

import dev.immunity.core.model.Priority;

import java.util.Map;

/**
 * The open backlog against the SLA, at one instant. Ratios are null until there is something to divide by.
 *
 * @param open                    open APVs by priority
 * @param atRisk                  open APVs at risk, by priority
 * @param breached                open APVs past their deadline, by priority
 * @param openByAge               open APVs by age: {@code lt_7d}, {@code 7d_30d}, {@code 30d_90d}, {@code gt_90d}
 * @param medianOpenAgeSeconds    the median age of what is open, or null when nothing is
 * @param compliance              closed within their SLA ÷ closed, or null before the first closure
 * @param complianceByPriority    the same per priority (null where none closed)
 * @param closed                  APVs closed (the clock stopped), by priority
 * @param daily                   the last 90 days, by event time
 * @param byTeam                  open, at risk and breached per team of the ownership map (empty without one)
 */
public record SlaSummary(Map<Priority, Long> open, Map<Priority, Long> atRisk, Map<Priority, Long> breached,
                         Map<String, Long> openByAge, Double medianOpenAgeSeconds, Double compliance,
                         Map<Priority, Double> complianceByPriority, Map<Priority, Long> closed, Daily daily,
                         Map<String, TeamCounts> byTeam) {

    /** This summary without its median open age (which grows with the clock alone), for comparing figures. */
    public SlaSummary withoutMedianAge() {
        return new SlaSummary(open, atRisk, breached, openByAge, null, compliance, complianceByPriority, closed, daily,
                byTeam);
    }

    /** A team's open APVs, and how many of them are at risk and breached. */
    public record TeamCounts(long open, long atRisk, long breached) {
    }

    /**
     * Per UTC day, oldest first, ending with today: APVs detected, APVs remediated (their clock stopped), the mean
     * time to remediate of those, and the share of them remediated within their SLA (null on a day without any).
     * Computed from the events' own times, so a server that rebuilt from Kafka shows the same days.
     *
     * @param start the first day
     */
    public record Daily(java.time.LocalDate start, java.util.List<Long> detected, java.util.List<Long> remediated,
                        java.util.List<Double> mttrAvgSeconds, java.util.List<Double> compliance) {
    }
}
