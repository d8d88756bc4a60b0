package dev.immunity.core.model;

import java.time.Instant;
import java.util.List;

/**
 * The state of one patch (or remediation attempt) for a CVE, normalised from either shape the
 * remediation engine publishes: a remediation result or a bare patch.
 *
 * @param patchId          {@code patch-<CVE>-<yyyyMMdd-HHmmss>}, or {@code remediation-<CVE>-<started>} for
 *                         a remediation result that carries no patch
 * @param cveId            the CVE the patch remediates
 * @param status           lifecycle state
 * @param strategy         the strategy used (or last attempted)
 * @param confidence       0.0–1.0, when known
 * @param filesModified    files the patch changes
 * @param diffLines        lines in the patch's unified diff, when it came with one: the diff itself is fetched on
 *                         its own ({@code GET /patches/{patch_id}}), lists and stream messages leave it out
 * @param validationPassed whether validation passed, when known
 * @param testResults      test outcome, when known
 * @param branchName       optional
 * @param commitSha        optional
 * @param prUrl            optional; untrusted text, not necessarily a URL
 * @param errorMessage     optional; why it failed
 * @param generatedAt      when the patch was generated
 * @param startedAt        when the remediation started
 * @param completedAt      when the remediation completed
 * @param timeToPatchSeconds as reported by the remediation engine
 * @param strategyAttempts strategies tried, in order
 * @param updatedAt        event time of this state (see {@code docs/wire-format.md} and the README)
 * @param diff             the unified diff as held, or null (none sent, or released to keep the store in budget);
 *                         not part of the patch's JSON
 */
public record Patch(
        String patchId,
        String cveId,
        PatchStatus status,
        String strategy,
        Double confidence,
        List<String> filesModified,
        Integer diffLines,
        Boolean validationPassed,
        TestResults testResults,
        String branchName,
        String commitSha,
        String prUrl,
        String errorMessage,
        Instant generatedAt,
        Instant startedAt,
        Instant completedAt,
        Double timeToPatchSeconds,
        List<String> strategyAttempts,
        Instant updatedAt,
        @com.fasterxml.jackson.annotation.JsonIgnore PatchDiff diff) implements Event {

    public Patch {
        filesModified = List.copyOf(filesModified);
        strategyAttempts = List.copyOf(strategyAttempts);
    }

    @Override
    public EventType type() {
        return EventType.PATCH;
    }

    /** This patch in another state, at another time. */
    public Patch withStatus(PatchStatus next, Instant at) {
        return new Patch(patchId, cveId, next, strategy, confidence, filesModified, diffLines, validationPassed,
                testResults, branchName, commitSha, prUrl, errorMessage, generatedAt, startedAt,
                next.isTerminal() && completedAt == null ? at : completedAt, timeToPatchSeconds, strategyAttempts,
                at, diff);
    }

    /**
     * This patch holding another diff, counted by its lines; or one cut from its own diff (its count stays); or none
     * (released: its count stays, to say there is a diff to fetch from the source).
     */
    public Patch withDiff(PatchDiff other) {
        Integer lines = other == null || other.truncated() && diffLines != null ? diffLines
                : Integer.valueOf(PatchDiff.lines(other.content()));
        return new Patch(patchId, cveId, status, strategy, confidence, filesModified, lines, validationPassed,
                testResults, branchName, commitSha, prUrl, errorMessage, generatedAt, startedAt, completedAt,
                timeToPatchSeconds, strategyAttempts, updatedAt, other);
    }
}
