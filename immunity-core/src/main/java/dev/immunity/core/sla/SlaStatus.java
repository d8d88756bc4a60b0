package dev.immunity.core.sla;

import dev.immunity.core.model.Priority;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One APV against its SLA, as the stream's {@code sla} message and {@code GET /sla} carry it.
 *
 * @param cveId            the APV
 * @param priority         its priority, which sets the SLA
 * @param services         the services it affects
 * @param owner            the team that owns the first of those services, or null (no ownership map yet)
 * @param state            within, at_risk, breached (open) or met, missed (closed)
 * @param detectedAt       when the clock started ({@code processed_at})
 * @param deadline         when the SLA ends
 * @param closedAt         when the clock stopped (first merged patch, or applied with mttr-basis=applied), or null
 * @param secondsRemaining seconds left to the deadline (open: from now; closed: at closing); negative when overdue
 */
public record SlaStatus(String cveId, Priority priority, List<String> services, String owner, SlaState state,
                        Instant detectedAt, Instant deadline, Instant closedAt, long secondsRemaining) {

    public SlaStatus {
        services = List.copyOf(services);
    }

    /** Seconds overdue (0 when not). */
    @com.fasterxml.jackson.annotation.JsonProperty("seconds_overdue")
    public long secondsOverdue() {
        return Math.max(0, -secondsRemaining);
    }

    static long remaining(Instant deadline, Instant at) {
        return Duration.between(at, deadline).toSeconds();
    }
}
