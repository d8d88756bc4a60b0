package dev.immunity.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.model.AffectedPackage;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.AstGrepPattern;
import dev.immunity.core.model.Cvss;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import dev.immunity.core.model.TestResults;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the messages the Python producers publish (see {@code docs/wire-format.md}) exactly as they
 * write them: unknown fields are ignored, naive timestamps are UTC, both patch shapes are accepted.
 * Invalid input is rejected with an {@link InvalidEventException} naming the field.
 */
public final class WireFormat {
    /** {@code CVE-YYYY-NNNN+}; upper-case letters are allowed after the year for test ids such as {@code CVE-2024-TEST}. */
    public static final Pattern CVE_ID = Pattern.compile("CVE-\\d{4}-[0-9A-Z][0-9A-Z-]{3,31}");

    /** Longest APV {@code summary} accepted, in characters (real ones are one sentence). */
    public static final int MAX_SUMMARY_CHARS = 2_000;
    /** Longest APV {@code details} accepted, in characters. */
    public static final int MAX_DETAILS_CHARS = 32_000;
    /** Longest APV {@code remediation_notes} accepted, in characters. */
    public static final int MAX_NOTES_CHARS = 8_000;

    private static final Set<String> STRATEGIES =
            Set.of("dependency_upgrade", "code_patch", "coagulation_waf", "manual_review");
    private static final Set<String> COMPLEXITIES = Set.of("low", "medium", "high", "critical");
    private static final Set<String> SEVERITIES = Set.of("NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL");
    private static final DateTimeFormatter PATCH_ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private WireFormat() {
    }

    /** Whether {@code id} is a well-formed CVE id (upper case). */
    public static boolean isCveId(String id) {
        return id != null && CVE_ID.matcher(id).matches();
    }

    /** Reads a timestamp as the producers write it: ISO-8601 with an offset, or naive (UTC); empty when it is not one. */
    public static java.util.Optional<Instant> parseTimestamp(String text) {
        return text == null ? java.util.Optional.empty() : Fields.tryParseTime(text);
    }

    /** Parses one APV message. */
    public static Apv parseApv(String json) {
        return parseApv(Json.parse(json));
    }

    /** Parses one APV from a JSON tree. */
    public static Apv parseApv(JsonNode json) {
        return readApv(Fields.of(json, ""));
    }

    /**
     * Parses one message of the patches topic: a remediation result or a bare patch.
     *
     * @param json         the message
     * @param fallbackTime the event time to use when the message carries none (the Kafka record's
     *                     timestamp, or the time it was received)
     */
    public static Patch parsePatch(String json, Instant fallbackTime) {
        return parsePatch(Json.parse(json), fallbackTime);
    }

    /** Parses one message of the patches topic from a JSON tree; see {@link #parsePatch(String, Instant)}. */
    public static Patch parsePatch(JsonNode json, Instant fallbackTime) {
        Fields f = Fields.of(json, "");
        boolean remediationResult = f.node().has("strategy_attempts") || f.node().has("apv")
                || (f.node().has("patch") && !f.node().has("patch_id"));
        return remediationResult ? readRemediationResult(f, fallbackTime) : readBarePatch(f, fallbackTime);
    }

    /** The CVE id a message is about, if it names one validly; for dead-letter records. */
    public static String cveIdOf(JsonNode json) {
        if (json == null || !json.isObject()) {
            return null;
        }
        for (JsonNode candidate : List.of(json.path("cve_id"), json.path("apv").path("cve_id"),
                json.path("patch").path("cve_id"))) {
            if (candidate.isTextual() && isCveId(candidate.textValue().strip().toUpperCase(Locale.ROOT))) {
                return candidate.textValue().strip().toUpperCase(Locale.ROOT);
            }
        }
        return null;
    }

    private static Apv readApv(Fields f) {
        String cveId = cveId(f, "cve_id");
        Priority priority = priority(f);
        List<AffectedPackage> packages = f.objectList("affected_packages", WireFormat::readPackage);
        if (!f.present("affected_packages")) {
            throw new InvalidEventException(f.path("affected_packages"), "is required");
        }
        if (packages.isEmpty()) {
            throw new InvalidEventException(f.path("affected_packages"), "must not be empty");
        }
        Cvss cvss = f.present("cvss") ? readCvss(Fields.of(f.raw("cvss"), f.path("cvss"))) : null;
        JsonNode context = f.raw("maximus_context");
        if (context != null && !context.isObject()) {
            throw new InvalidEventException(f.path("maximus_context"), "must be a JSON object" + Fields.gotWhat(context));
        }
        List<String> services = f.present("affected_services") ? f.stringList("affected_services")
                : context == null ? List.of() : Fields.of(context, f.path("maximus_context")).stringList("affected_services");
        boolean exploitAvailable = context != null && context.path("exploit_available").asBoolean(false);
        boolean isCritical = orElse(f.optionalBoolean("is_critical"),
                priority == Priority.CRITICAL || cvss != null && cvss.baseScore() >= 9.0);
        boolean hasFix = orElse(f.optionalBoolean("has_automated_fix"),
                packages.stream().anyMatch(AffectedPackage::hasFix));
        return new Apv(
                cveId,
                f.stringList("aliases"),
                f.optionalTime("published"),
                f.optionalTime("modified"),
                f.requiredTime("processed_at"),
                f.textLength("summary", 10, MAX_SUMMARY_CHARS),
                f.textLength("details", 20, MAX_DETAILS_CHARS),
                cvss,
                priority,
                packages,
                f.objectList("ast_grep_patterns", WireFormat::readPattern),
                oneOf(f, "recommended_strategy", STRATEGIES, true),
                oneOf(f, "remediation_complexity", COMPLEXITIES, false),
                f.optionalText("remediation_notes", MAX_NOTES_CHARS),
                context == null ? Json.mapper().createObjectNode() : context.deepCopy(),
                f.optionalText("source_feed"),
                f.optionalText("oraculo_version"),
                isCritical,
                orElse(f.optionalBoolean("requires_immediate_action"), isCritical && exploitAvailable),
                hasFix,
                services,
                f.optionalTime("_published_at"),
                f.optionalText("_publisher"));
    }

    private static AffectedPackage readPackage(Fields f, String path) {
        List<String> fixed = f.stringList("fixed_versions");
        return new AffectedPackage(
                f.requiredText("ecosystem"),
                f.requiredText("name"),
                f.stringList("affected_versions"),
                fixed,
                f.optionalText("purl"),
                f.optionalText("introduced"),
                f.optionalText("last_affected"),
                orElse(f.optionalBoolean("has_fix"), !fixed.isEmpty()));
    }

    private static AstGrepPattern readPattern(Fields f, String path) {
        return new AstGrepPattern(f.requiredText("language"), f.requiredText("pattern"),
                f.optionalText("severity"), f.optionalText("description"));
    }

    private static Cvss readCvss(Fields f) {
        Double score = f.optionalNumber("base_score", 0.0, 10.0);
        if (score == null) {
            throw new InvalidEventException(f.path("base_score"), "is required");
        }
        String severity = f.requiredText("severity").strip().toUpperCase(Locale.ROOT);
        if (!SEVERITIES.contains(severity)) {
            throw new InvalidEventException(f.path("severity"), "must be one of NONE, LOW, MEDIUM, HIGH, CRITICAL (got \""
                    + Fields.abbreviate(severity) + "\")");
        }
        return new Cvss(f.optionalText("version"), score, severity, f.optionalText("vector_string"),
                f.optionalNumber("exploitability_score", 0.0, 10.0), f.optionalNumber("impact_score", 0.0, 10.0));
    }

    /**
     * Untrusted text with every character that could act on a terminal, a log viewer or a chat client (control,
     * bidi and other format characters, line separators, lone surrogates) replaced by {@code ?}; null becomes "".
     */
    public static String printable(String untrusted) {
        return Fields.printable(untrusted);
    }

    /** Untrusted text quoted for an error message: one line, at most 60 characters, control characters replaced. */
    public static String quoted(String untrusted) {
        return "\"" + Fields.abbreviate(untrusted) + "\"";
    }

    private static Patch readBarePatch(Fields f, Instant fallbackTime) {
        String cveId = cveId(f, "cve_id");
        String patchId = f.requiredText("patch_id").strip();
        PatchStatus status = f.present("status") ? status(f) : PatchStatus.PENDING;
        Instant eventTime = orElse(f.optionalTime("_published_at"), fallbackTime);
        String diff = f.optionalText("diff_content"); // bounded by the record's size; the store cuts it to what it keeps
        boolean hasDiff = diff != null && !diff.isEmpty();
        return new Patch(
                patchId, cveId, status,
                f.optionalText("strategy_used"),
                f.optionalNumber("confidence_score", 0.0, 1.0),
                f.stringList("files_modified"),
                hasDiff ? PatchDiff.lines(diff) : null,
                f.optionalBoolean("validation_passed"),
                f.present("test_results") ? readTestResults(Fields.of(f.raw("test_results"), f.path("test_results"))) : null,
                f.optionalText("branch_name"),
                f.optionalText("commit_sha"),
                f.optionalText("pr_url"),
                f.optionalText("error_message"),
                f.optionalTime("generated_at"),
                null, null, null, List.of(),
                eventTime,
                hasDiff ? PatchDiff.of(diff) : null);
    }

    private static Patch readRemediationResult(Fields f, Instant fallbackTime) {
        Apv apv = f.present("apv") ? readApv(Fields.of(f.raw("apv"), "apv")) : null;
        Patch inner = f.present("patch") ? readBarePatch(Fields.of(f.raw("patch"), "patch"), fallbackTime) : null;
        PatchStatus status = status(f);
        // A top-level cve_id is not in the contract, but is how toWire(Patch) names the CVE of a result without
        // apv and patch; when present it must agree with them.
        String named = f.present("cve_id") ? cveId(f, "cve_id") : null;
        String cveId = inner != null ? inner.cveId() : apv != null ? apv.cveId() : named;
        if (cveId == null) {
            throw new InvalidEventException("apv", "a remediation result must carry an apv or a patch naming the CVE");
        }
        if (inner != null && apv != null && !inner.cveId().equals(apv.cveId())) {
            throw new InvalidEventException("patch.cve_id", "must match apv.cve_id (" + apv.cveId() + ")");
        }
        if (named != null && !named.equals(cveId)) {
            throw new InvalidEventException("cve_id", "must match the CVE of the " + (inner != null ? "patch" : "apv")
                    + " (" + cveId + ")");
        }
        Instant startedAt = f.requiredTime("started_at");
        Instant completedAt = f.optionalTime("completed_at");
        Instant published = f.optionalTime("_published_at");
        Instant eventTime = status.isTerminal() && completedAt != null ? completedAt
                : published != null ? published : fallbackTime;
        List<String> attempts = f.stringList("strategy_attempts");
        String patchId = inner != null ? inner.patchId()
                : "remediation-" + cveId + "-" + PATCH_ID_TIME.format(startedAt);
        String strategy = inner != null && inner.strategy() != null ? inner.strategy()
                : attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
        return new Patch(
                patchId, cveId, status, strategy,
                inner == null ? null : inner.confidence(),
                inner == null ? List.of() : inner.filesModified(),
                inner == null ? null : inner.diffLines(),
                inner == null ? null : inner.validationPassed(),
                inner == null ? null : inner.testResults(),
                inner == null ? null : inner.branchName(),
                inner == null ? null : inner.commitSha(),
                inner == null ? null : inner.prUrl(),
                f.optionalText("error_message"),
                inner == null ? null : inner.generatedAt(),
                startedAt, completedAt,
                f.optionalNumber("time_to_patch_seconds", 0.0, Double.MAX_VALUE),
                attempts,
                eventTime,
                inner == null ? null : inner.diff());
    }

    private static TestResults readTestResults(Fields f) {
        return new TestResults(f.optionalInt("exit_code"), f.optionalText("stdout"), f.optionalText("stderr"),
                f.optionalNumber("duration_seconds", 0.0, Double.MAX_VALUE));
    }

    private static String cveId(Fields f, String field) {
        String raw = f.requiredText(field).strip().toUpperCase(Locale.ROOT);
        if (!isCveId(raw)) {
            throw new InvalidEventException(f.path(field), "must look like CVE-YYYY-NNNN (got \"" + Fields.abbreviate(raw) + "\")");
        }
        return raw;
    }

    private static Priority priority(Fields f) {
        String text = f.requiredText("priority");
        Priority p = Priority.fromWire(text);
        if (p == null) {
            throw new InvalidEventException(f.path("priority"), "must be one of critical, high, medium, low (got \""
                    + Fields.abbreviate(text) + "\")");
        }
        return p;
    }

    private static PatchStatus status(Fields f) {
        String text = f.requiredText("status");
        PatchStatus s = PatchStatus.fromWire(text);
        if (s == null) {
            throw new InvalidEventException(f.path("status"),
                    "must be one of pending, validating, applied, merged, failed, rolled_back (got \""
                            + Fields.abbreviate(text) + "\")");
        }
        return s;
    }

    private static String oneOf(Fields f, String field, Set<String> allowed, boolean required) {
        String text = required ? f.requiredText(field) : f.optionalText(field);
        if (text == null) {
            return null;
        }
        String v = text.strip().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new InvalidEventException(f.path(field), "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed))
                    + " (got \"" + Fields.abbreviate(text) + "\")");
        }
        return v;
    }

    private static <T> T orElse(T value, T otherwise) {
        return value != null ? value : otherwise;
    }

    /** Writes an APV back in the producers' shape (UTC {@code Z} timestamps). */
    public static ObjectNode toWire(Apv apv) {
        return (ObjectNode) Json.tree(apv);
    }

    /**
     * Writes a patch back in the remediation engine's shape (UTC {@code Z} timestamps): a remediation result
     * ({@code apv} null, the CVE in a top-level {@code cve_id}) when the patch came from one, i.e. has a
     * {@code startedAt}; otherwise a bare patch with its {@code status}. The event time goes to
     * {@code _published_at}. For every patch {@link #parsePatch} returns, {@code parsePatch(toWire(patch), anyFallback)}
     * equals {@code patch}. ({@code Json.write(patch)} is the shape streamed to clients, not this one.)
     */
    public static ObjectNode toWire(Patch patch) {
        if (patch.startedAt() == null) {
            ObjectNode bare = barePatch(patch);
            bare.put("status", patch.status().wire());
            bare.put("error_message", patch.errorMessage());
            bare.put("_published_at", text(patch.updatedAt()));
            return bare;
        }
        ObjectNode result = Json.mapper().createObjectNode();
        result.put("cve_id", patch.cveId());
        result.putNull("apv");
        boolean derivedId = patch.patchId().equals(
                "remediation-" + patch.cveId() + "-" + PATCH_ID_TIME.format(patch.startedAt()));
        if (derivedId) {
            result.putNull("patch");
        } else {
            result.set("patch", barePatch(patch));
        }
        result.put("status", patch.status().wire());
        result.put("error_message", patch.errorMessage());
        result.put("started_at", text(patch.startedAt()));
        result.put("completed_at", text(patch.completedAt()));
        result.put("time_to_patch_seconds", patch.timeToPatchSeconds());
        result.set("strategy_attempts", Json.tree(patch.strategyAttempts()));
        result.put("_published_at", text(patch.updatedAt()));
        return result;
    }

    private static ObjectNode barePatch(Patch patch) {
        ObjectNode bare = Json.mapper().createObjectNode();
        bare.put("patch_id", patch.patchId());
        bare.put("cve_id", patch.cveId());
        bare.put("strategy_used", patch.strategy());
        bare.put("diff_content", patch.diff() == null ? "" : patch.diff().content());
        bare.set("files_modified", Json.tree(patch.filesModified()));
        bare.put("confidence_score", patch.confidence());
        bare.put("generated_at", text(patch.generatedAt()));
        bare.put("validation_passed", patch.validationPassed());
        bare.set("test_results", Json.tree(patch.testResults()));
        bare.put("branch_name", patch.branchName());
        bare.put("commit_sha", patch.commitSha());
        bare.put("pr_url", patch.prUrl());
        return bare;
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
