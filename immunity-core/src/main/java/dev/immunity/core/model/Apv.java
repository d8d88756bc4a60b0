package dev.immunity.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;

/**
 * An actionable prioritized vulnerability, as the detection engine publishes it
 * (see {@code docs/wire-format.md}). Read with {@link dev.immunity.core.json.WireFormat#parseApv}.
 * Free-text fields ({@code summary}, {@code details}, …) are untrusted.
 */
public record Apv(
        String cveId,
        List<String> aliases,
        Instant published,
        Instant modified,
        Instant processedAt,
        String summary,
        String details,
        Cvss cvss,
        Priority priority,
        List<AffectedPackage> affectedPackages,
        List<AstGrepPattern> astGrepPatterns,
        String recommendedStrategy,
        String remediationComplexity,
        String remediationNotes,
        JsonNode maximusContext,
        String sourceFeed,
        String oraculoVersion,
        boolean isCritical,
        boolean requiresImmediateAction,
        boolean hasAutomatedFix,
        List<String> affectedServices,
        @JsonProperty("_published_at") Instant publishedAt,
        @JsonProperty("_publisher") String publisher) implements Event {

    /**
     * The {@code source_feed} of every APV made by Immunity's test trigger, so downstream consumers (the
     * remediation engine) can recognise and ignore them.
     */
    public static final String TRIGGER_SOURCE_FEED = "immunity-trigger";

    public Apv {
        aliases = List.copyOf(aliases);
        affectedPackages = List.copyOf(affectedPackages);
        astGrepPatterns = List.copyOf(astGrepPatterns);
        affectedServices = List.copyOf(affectedServices);
    }

    @Override
    public EventType type() {
        return EventType.APV;
    }

    /** When the pipeline detected this APV: when the detection engine processed it. */
    public Instant detectedAt() {
        return processedAt;
    }
}
