package dev.immunity.core.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.demo.DemoGenerator;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.AffectedPackage;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Synthetic APVs and patch lifecycles: what {@link ApvCompletion} makes of partial APVs and of the demo's new ones,
 * the catalogue and CVSS scores behind them, and {@link PatchLifecycle}'s plans and diffs.
 */
class SyntheticEventsTest {
    private static final Instant NOW = Instant.parse("2025-10-11T14:30:22.123456Z");
    private static final InstantSource CLOCK = InstantSource.fixed(NOW);
    private static final Set<String> ECOSYSTEMS = Set.of("PyPI", "npm", "Maven", "Go", "Docker", "RubyGems", "NuGet", "Cargo");
    private static final Pattern VECTOR = Pattern.compile(
            "CVSS:3\\.1/AV:[NALP]/AC:[LH]/PR:[NLH]/UI:[NR]/S:[UC]/C:[HLN]/I:[HLN]/A:[HLN]");

    // ---------------------------------------------------------------- APVs

    @Test
    void nextApv_everyApv_survivesTheWireRoundTrip() {
        DemoGenerator gen = new DemoGenerator(1, CLOCK);
        for (int i = 0; i < 300; i++) {
            Apv apv = gen.nextApv();

            assertThat(WireFormat.parseApv(Json.write(apv))).isEqualTo(apv);
            assertThat(WireFormat.parseApv(WireFormat.toWire(apv))).isEqualTo(apv);
        }
    }

    @Test
    void nextApv_cveIds_lookRealAndNeverRepeat() {
        DemoGenerator gen = new DemoGenerator(2, CLOCK);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(gen.nextApv().cveId());
        }

        assertThat(ids).hasSize(1000).allMatch(id -> id.matches("CVE-202[3-5]-\\d{4,5}"),
                "CVE-2023..2025 (the clock says 2025) with 4 or 5 digits");
    }

    @Test
    void nextApv_cveYears_reach2026WhenTheClockDoes() {
        DemoGenerator gen = new DemoGenerator(2, InstantSource.fixed(Instant.parse("2027-01-05T00:00:00Z")));
        Set<String> years = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            years.add(gen.nextApv().cveId().substring(4, 8));
        }

        assertThat(years).containsExactlyInAnyOrder("2023", "2024", "2025", "2026");
    }

    @Test
    void nextApv_priorityMixOver1000Apvs_isRealistic() {
        DemoGenerator gen = new DemoGenerator(3, CLOCK);
        Map<Priority, Integer> counts = new EnumMap<>(Priority.class);
        for (int i = 0; i < 1000; i++) {
            counts.merge(gen.nextApv().priority(), 1, Integer::sum);
        }

        assertThat(counts.get(Priority.CRITICAL)).isBetween(60, 140);  // ~10%
        assertThat(counts.get(Priority.HIGH)).isBetween(190, 310);     // ~25%
        assertThat(counts.get(Priority.MEDIUM)).isBetween(330, 470);   // ~40%
        assertThat(counts.get(Priority.LOW)).isBetween(190, 310);      // ~25%
    }

    @Test
    void nextApv_cvss_isConsistentWithItsVectorAndThePriority() {
        DemoGenerator gen = new DemoGenerator(4, CLOCK);
        int withoutCvss = 0;
        for (int i = 0; i < 1000; i++) {
            Apv apv = gen.nextApv();
            if (apv.cvss() == null) {
                withoutCvss++;
                continue;
            }
            Cvss31.Scores scores = Cvss31.score(apv.cvss().vectorString());
            assertThat(apv.cvss().vectorString()).matches(VECTOR);
            assertThat(apv.cvss().version()).isEqualTo("3.1");
            assertThat(apv.cvss().baseScore()).isEqualTo(scores.base());
            assertThat(apv.cvss().exploitabilityScore()).isEqualTo(scores.exploitability());
            assertThat(apv.cvss().impactScore()).isEqualTo(scores.impact());
            assertThat(apv.cvss().severity()).isEqualTo(Cvss31.severity(apv.cvss().baseScore()));
            double score = apv.cvss().baseScore();
            switch (apv.priority()) {
                case CRITICAL -> assertThat(score).isGreaterThanOrEqualTo(8.8);
                case HIGH -> assertThat(score).isBetween(7.0, 8.9);
                case MEDIUM -> assertThat(score).isBetween(4.0, 7.4);
                case LOW -> assertThat(score).isBetween(1.5, 5.4);
            }
            assertThat(apv.isCritical()).isEqualTo(apv.priority() == Priority.CRITICAL || score >= 9.0);
        }
        assertThat(withoutCvss).as("a few advisories are not scored yet").isBetween(10, 100);
    }

    @Test
    void nextApv_packages_haveRealisticEcosystemsVersionsAndPurls() {
        DemoGenerator gen = new DemoGenerator(5, CLOCK);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Apv apv = gen.nextApv();
            assertThat(apv.affectedPackages()).hasSize(1);
            AffectedPackage pkg = apv.affectedPackages().get(0);
            seen.add(pkg.ecosystem());
            assertThat(pkg.ecosystem()).isIn(ECOSYSTEMS);
            assertThat(pkg.affectedVersions()).isNotEmpty();
            assertThat(pkg.hasFix()).isEqualTo(!pkg.fixedVersions().isEmpty());
            assertThat(pkg.purl()).startsWith("pkg:").endsWith("@" + (pkg.ecosystem().equals("Go") ? "v" : "")
                    + pkg.affectedVersions().get(pkg.affectedVersions().size() - 1));
            if (!pkg.hasFix()) {
                assertThat(pkg.lastAffected()).isNotNull();
            }
            assertThat(apv.hasAutomatedFix()).isEqualTo(pkg.hasFix());
        }
        assertThat(seen).isEqualTo(ECOSYSTEMS);
    }

    @Test
    void nextApv_kindOfVulnerability_fitsThePackage() {
        DemoGenerator gen = new DemoGenerator(13, CLOCK);
        for (int i = 0; i < 500; i++) {
            Apv apv = gen.nextApv();
            AffectedPackage pkg = apv.affectedPackages().get(0);
            Catalog.Pkg known = Catalog.PACKAGES.get(pkg.ecosystem()).stream()
                    .filter(p -> p.name().equals(pkg.name())).findFirst().orElseThrow();

            assertThat(known.cwes()).contains(apv.maximusContext().get("cwe").asText());
            assertThat(apv.summary()).contains(pkg.name().contains(":") ? known.shortName() : pkg.name());
        }
    }

    @Test
    void nextApv_purls_followThePackageUrlSpec() {
        assertThat(new Catalog.Pkg("npm", "lodash", "4.17.20", "4.17.21").purl()).isEqualTo("pkg:npm/lodash@4.17.20");
        assertThat(new Catalog.Pkg("npm", "@babel/traverse", "7.22.19", null).purl())
                .isEqualTo("pkg:npm/%40babel/traverse@7.22.19");
        assertThat(new Catalog.Pkg("Maven", "org.yaml:snakeyaml", "1.33", "2.0").purl())
                .isEqualTo("pkg:maven/org.yaml/snakeyaml@1.33");
        assertThat(new Catalog.Pkg("Go", "golang.org/x/net", "0.22.0", "0.23.0").purl())
                .isEqualTo("pkg:golang/golang.org/x/net@v0.22.0");
        assertThat(new Catalog.Pkg("PyPI", "PyYAML", "5.3.1", "5.4").purl()).isEqualTo("pkg:pypi/pyyaml@5.3.1");
        assertThat(new Catalog.Pkg("RubyGems", "rack", "3.0.9", "3.0.9.1").purl()).isEqualTo("pkg:gem/rack@3.0.9");
        assertThat(new Catalog.Pkg("Go", "github.com/golang-jwt/jwt/v5", "5.2.1", null).shortName()).isEqualTo("jwt");
        assertThat(ApvCompletion.previousVersion("4.1.99.Final")).isEqualTo("4.1.98.Final");
        assertThat(ApvCompletion.previousVersion("2.0")).isNull();
    }

    @Test
    void nextApv_fields_lookLikeTheDetectionEnginesOutput() {
        DemoGenerator gen = new DemoGenerator(6, CLOCK);
        Set<String> feeds = new HashSet<>();
        Set<String> strategies = new HashSet<>();
        Set<String> allServices = new HashSet<>();
        int exploits = 0;
        for (int i = 0; i < 500; i++) {
            Apv apv = gen.nextApv();
            assertThat(apv.processedAt()).isEqualTo(NOW);
            assertThat(apv.publishedAt()).isBetween(NOW.plusMillis(5), NOW.plusMillis(400));
            assertThat(apv.publisher()).isEqualTo("maximus_oraculo");
            assertThat(apv.published()).isBefore(apv.processedAt());
            assertThat(apv.modified()).isBetween(apv.published().minusSeconds(1), apv.processedAt());
            assertThat(apv.summary()).hasSizeGreaterThanOrEqualTo(10).doesNotContain("{");
            assertThat(apv.details()).hasSizeGreaterThanOrEqualTo(80).doesNotContain("{pkg}", "{component}");
            assertThat(apv.aliases()).allMatch(a -> a.matches("GHSA(-[2-9cfghjmpqrvwx]{4}){3}|PYSEC-\\d{4}-\\d+|GO-\\d{4}-\\d{4}|RUSTSEC-\\d{4}-\\d{4}"));
            assertThat(apv.affectedServices()).isNotEmpty().hasSizeLessThanOrEqualTo(3).doesNotHaveDuplicates();
            assertThat(apv.maximusContext().get("affected_services")).isEqualTo(Json.tree(apv.affectedServices()));
            assertThat(apv.remediationComplexity()).isIn("low", "medium", "high", "critical");
            assertThat(apv.oraculoVersion()).isNotBlank();
            boolean exploit = apv.maximusContext().get("exploit_available").booleanValue();
            assertThat(apv.requiresImmediateAction()).isEqualTo(apv.isCritical() && exploit);
            exploits += exploit ? 1 : 0;
            feeds.add(apv.sourceFeed());
            strategies.add(apv.recommendedStrategy());
            allServices.addAll(apv.affectedServices());
        }
        assertThat(feeds).containsExactlyInAnyOrder("OSV.dev", "NVD");
        assertThat(strategies).containsExactlyInAnyOrder("dependency_upgrade", "code_patch", "coagulation_waf",
                "manual_review");
        assertThat(allServices).contains("payments-api", "auth-service").hasSizeGreaterThan(10);
        assertThat(exploits).isBetween(25, 150);
    }

    // ---------------------------------------------------------------- patch lifecycles

    @Test
    void plan_everyPatchState_survivesTheWireRoundTrip() {
        DemoGenerator gen = new DemoGenerator(7, CLOCK);
        for (int i = 0; i < 300; i++) {
            for (PatchStep step : gen.plan(gen.nextApv())) {
                Patch patch = step.patch();

                String wire = Json.write(WireFormat.toWire(patch));

                assertThat(WireFormat.parsePatch(wire, NOW.minusSeconds(86_400))).isEqualTo(patch);
            }
        }
    }

    @Test
    void plan_lifecycles_moveForwardOnlyAndEndMergedOrRolledBack() {
        DemoGenerator gen = new DemoGenerator(8, CLOCK);
        int plans = 0;
        int failures = 0;
        int apvs = 1000;
        for (int i = 0; i < apvs; i++) {
            Apv apv = gen.nextApv();
            List<PatchStep> plan = gen.plan(apv);
            if (plan.isEmpty()) {
                assertThat(apv.recommendedStrategy()).isEqualTo("manual_review");
                continue;
            }
            plans++;
            List<PatchStatus> statuses = plan.stream().map(s -> s.patch().status()).toList();
            assertThat(statuses.get(0)).isEqualTo(PatchStatus.PENDING);
            for (int k = 1; k < statuses.size(); k++) {
                assertThat(statuses.get(k - 1).canMoveTo(statuses.get(k)))
                        .as("%s: %s", apv.cveId(), statuses).isTrue();
                assertThat(plan.get(k).delay()).isGreaterThan(plan.get(k - 1).delay());
            }
            assertThat(statuses.get(statuses.size() - 1)).isIn(PatchStatus.MERGED, PatchStatus.ROLLED_BACK);
            assertThat(statuses).isIn(
                    List.of(PatchStatus.PENDING, PatchStatus.VALIDATING, PatchStatus.APPLIED, PatchStatus.MERGED),
                    List.of(PatchStatus.PENDING, PatchStatus.VALIDATING, PatchStatus.FAILED, PatchStatus.ROLLED_BACK),
                    List.of(PatchStatus.PENDING, PatchStatus.VALIDATING, PatchStatus.APPLIED, PatchStatus.FAILED,
                            PatchStatus.ROLLED_BACK));
            assertThat(plan.get(0).delay()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(plan.get(plan.size() - 1).delay()).isLessThanOrEqualTo(PatchLifecycle.MAX_LIFECYCLE);
            failures += statuses.contains(PatchStatus.FAILED) ? 1 : 0;
        }
        assertThat(plans).as("most APVs get a patch").isBetween(850, 970);
        assertThat((double) failures / plans).as("failure rate").isCloseTo(0.15, within(0.05));
    }

    @Test
    void plan_patches_carryRealisticDetails() {
        DemoGenerator gen = new DemoGenerator(9, CLOCK);
        Set<String> patchIds = new HashSet<>();
        List<Duration> lifecycles = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Apv apv = gen.nextApv();
            List<PatchStep> plan = gen.plan(apv);
            Set<String> idsOfThisPlan = new HashSet<>();
            for (PatchStep step : plan) {
                Patch p = step.patch();
                idsOfThisPlan.add(p.patchId());
                assertThat(p.patchId()).matches(Pattern.quote("patch-" + apv.cveId() + "-") + "\\d{8}-\\d{6}");
                assertThat(p.cveId()).isEqualTo(apv.cveId());
                assertThat(p.strategy()).isEqualTo(apv.recommendedStrategy());
                assertThat(p.confidence()).isBetween(0.6, 0.99);
                assertThat(p.filesModified()).isNotEmpty();
                assertThat(p.branchName()).startsWith("immunity/" + apv.cveId().toLowerCase());
                assertThat(p.commitSha()).matches("[0-9a-f]{40}");
                assertThat(p.updatedAt()).isEqualTo(apv.detectedAt().plus(step.delay()));
                assertThat(p.generatedAt()).isEqualTo(plan.get(0).patch().updatedAt());
                boolean reachedApplied = plan.stream().limit(plan.indexOf(step) + 1)
                        .anyMatch(s -> s.patch().status() == PatchStatus.APPLIED);
                if (reachedApplied) {
                    assertThat(p.prUrl()).matches("https://github\\.com/example-org/"
                            + Pattern.quote(apv.affectedServices().get(0)) + "/pull/\\d+");
                    assertThat(p.validationPassed()).isTrue();
                    assertThat(p.testResults().exitCode()).isZero();
                } else {
                    assertThat(p.prUrl()).isNull();
                }
                if (p.status().isFailure()) {
                    assertThat(p.errorMessage()).isNotBlank();
                } else {
                    assertThat(p.errorMessage()).isNull();
                }
                if (p.status() == PatchStatus.FAILED && !reachedApplied) {
                    assertThat(p.validationPassed()).isFalse();
                    assertThat(p.testResults().exitCode()).isEqualTo(1);
                    assertThat(p.testResults().stderr()).isNotBlank();
                }
            }
            assertThat(idsOfThisPlan).hasSizeLessThanOrEqualTo(1);
            patchIds.addAll(idsOfThisPlan);
            if (!plan.isEmpty()) {
                lifecycles.add(plan.get(plan.size() - 1).delay());
            }
        }
        assertThat(patchIds).as("one patch per APV, ids unique").hasSize(lifecycles.size());
        Duration mean = lifecycles.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(lifecycles.size());
        assertThat(mean).as("MTTR moves within a minute").isBetween(Duration.ofSeconds(10), Duration.ofSeconds(50));
    }

    @Test
    void plan_criticalApvs_areRemediatedFasterThanLowOnes() {
        DemoGenerator gen = new DemoGenerator(10, CLOCK);
        Map<Priority, List<Long>> ends = new EnumMap<>(Priority.class);
        for (int i = 0; i < 1000; i++) {
            Apv apv = gen.nextApv();
            List<PatchStep> plan = gen.plan(apv);
            if (!plan.isEmpty()) {
                ends.computeIfAbsent(apv.priority(), p -> new ArrayList<>())
                        .add(plan.get(plan.size() - 1).delay().toMillis());
            }
        }
        Map<Priority, Double> means = ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().stream().mapToLong(Long::longValue).average().orElseThrow()));

        assertThat(means.get(Priority.CRITICAL)).isLessThan(means.get(Priority.MEDIUM));
        assertThat(means.get(Priority.MEDIUM)).isLessThan(means.get(Priority.LOW));
    }

    // ---------------------------------------------------------------- ApvCompletion.complete

    @Test
    void complete_cveIdOnly_becomesAFullApv() {
        ObjectNode partial = (ObjectNode) Json.parse("{\"cve_id\": \"CVE-2024-TEST\"}");

        ObjectNode full = ApvCompletion.complete(partial, CLOCK, new SplittableRandom(1));

        assertThat(iterable(full)).containsExactly("cve_id", "aliases", "published", "modified", "processed_at",
                "summary", "details", "cvss", "priority", "affected_packages", "ast_grep_patterns",
                "recommended_strategy", "remediation_complexity", "remediation_notes", "maximus_context",
                "source_feed", "oraculo_version", "is_critical", "requires_immediate_action", "has_automated_fix",
                "affected_services", "_published_at", "_publisher");
        Apv apv = WireFormat.parseApv(full);
        assertThat(apv.cveId()).isEqualTo("CVE-2024-TEST");
        assertThat(apv.processedAt()).isEqualTo(NOW);
        assertThat(full.get("processed_at").asText()).endsWith("Z");
        assertThat(partial).as("not modified").isEqualTo(Json.parse("{\"cve_id\": \"CVE-2024-TEST\"}"));
    }

    @Test
    void complete_manyRandomCompletions_allParse() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int i = 0; i < 500; i++) {
            ObjectNode full = ApvCompletion.complete(
                    (ObjectNode) Json.parse("{\"cve_id\": \"CVE-2024-" + (10_000 + i) + "\"}"), CLOCK, rnd);

            Apv apv = WireFormat.parseApv(full);
            assertThat(apv.isCritical()).isEqualTo(full.get("is_critical").booleanValue());
            assertThat(apv.hasAutomatedFix()).isEqualTo(full.get("has_automated_fix").booleanValue());
        }
    }

    @Test
    void complete_keepsGivenFieldsAndFillsTheRest() {
        ObjectNode partial = (ObjectNode) Json.parse("""
                {"cve_id": "CVE-2025-0001",
                 "priority": "critical",
                 "summary": "Hand-written summary for the demo",
                 "processed_at": "2025-10-11T10:00:00.5",
                 "affected_packages": [{"ecosystem": "npm", "name": "left-pad", "affected_versions": ["1.0.0"],
                                        "fixed_versions": []}],
                 "maximus_context": {"affected_services": ["legacy-monolith"], "exploit_available": true, "team": "red"},
                 "remediation_notes": null,
                 "x_demo_marker": {"nested": [1, 2, 3]}}""");
        ObjectNode before = partial.deepCopy();

        ObjectNode full = ApvCompletion.complete(partial, CLOCK, new SplittableRandom(3));

        assertThat(partial).isEqualTo(before);
        partial.properties().forEach(e -> assertThat(full.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
        Apv apv = WireFormat.parseApv(full);
        assertThat(apv.priority()).isEqualTo(Priority.CRITICAL);
        assertThat(apv.summary()).isEqualTo("Hand-written summary for the demo");
        assertThat(apv.processedAt()).isEqualTo(Instant.parse("2025-10-11T10:00:00.500Z"));
        assertThat(apv.published()).isBefore(apv.processedAt());
        assertThat(apv.publishedAt()).isAfter(apv.processedAt());
        assertThat(apv.remediationNotes()).isNull();
        assertThat(apv.affectedServices()).containsExactly("legacy-monolith");
        assertThat(apv.isCritical()).isTrue();
        assertThat(apv.requiresImmediateAction()).isTrue();
        assertThat(apv.hasAutomatedFix()).as("the given package has no fix").isFalse();
        assertThat(apv.recommendedStrategy()).isNotEqualTo("dependency_upgrade");
        assertThat(apv.details()).contains("left-pad");
        if (apv.cvss() != null) {
            assertThat(apv.cvss().baseScore()).isGreaterThanOrEqualTo(8.8);
        }
    }

    @Test
    void complete_givenCvssWithoutPriority_takesThePriorityFromTheSeverity() {
        ObjectNode partial = (ObjectNode) Json.parse("""
                {"cve_id": "CVE-2025-0002",
                 "cvss": {"version": "3.1", "base_score": 5.3, "severity": "MEDIUM",
                          "vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"}}""");

        Apv apv = WireFormat.parseApv(ApvCompletion.complete(partial, CLOCK, new SplittableRandom(4)));

        assertThat(apv.priority()).isEqualTo(Priority.MEDIUM);
        assertThat(apv.cvss().baseScore()).isEqualTo(5.3);
        assertThat(apv.isCritical()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"apv-naive-timestamps.json", "apv-offset-timestamps.json", "apv-extra-fields.json",
            "apv-hostile-text.json"})
    void complete_completeApv_passesThroughUnchanged(String sample) {
        ObjectNode complete = (ObjectNode) Json.parse(resource("/wire/" + sample));

        ObjectNode out = ApvCompletion.complete(complete, CLOCK, new SplittableRandom(5));

        assertThat(out).isEqualTo(complete);
        assertThat(Json.write(out)).as("same keys in the same order").isEqualTo(Json.write(complete));
    }

    @Test
    void complete_generatedApv_passesThroughUnchanged() {
        ObjectNode full = ApvCompletion.complete(
                (ObjectNode) Json.parse("{\"cve_id\": \"CVE-2024-TEST\"}"), CLOCK, new SplittableRandom(6));

        assertThat(ApvCompletion.complete(full, CLOCK, new SplittableRandom(7))).isEqualTo(full);
    }

    @Test
    void complete_invalidGivenValue_isKeptForTheParserToReject() {
        ObjectNode full = ApvCompletion.complete(
                (ObjectNode) Json.parse("{\"cve_id\": \"CVE-2024-TEST\", \"priority\": \"urgent\"}"), CLOCK,
                new SplittableRandom(8));

        assertThat(full.get("priority").asText()).isEqualTo("urgent");
        assertThatThrownBy(() -> WireFormat.parseApv(full))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("priority"));
    }

    @Test
    void complete_withoutCveId_isRejectedNamingIt() {
        assertThatThrownBy(() -> ApvCompletion.complete((ObjectNode) Json.parse("{\"priority\": \"low\"}"),
                CLOCK, new SplittableRandom(9)))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("cve_id"));
    }

    // ---------------------------------------------------------------- CVSS 3.1

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H, 9.8, 3.9, 5.9, CRITICAL",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H, 10.0, 3.9, 6.0, CRITICAL",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N, 7.5, 3.9, 3.6, HIGH",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N, 7.4, 2.2, 5.2, HIGH",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N, 6.1, 2.8, 2.7, MEDIUM",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N, 5.3, 3.9, 1.4, MEDIUM",
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N, 6.4, 3.1, 2.7, MEDIUM",
            "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N, 2.3, 0.8, 1.4, LOW",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N, 0.0, 3.9, 0.0, NONE"})
    void cvss31_knownVectors_scoreAsTheSpecificationSays(String vector, double base, double exploitability,
                                                         double impact, String severity) {
        Cvss31.Scores s = Cvss31.score(vector);

        assertThat(s.base()).isEqualTo(base);
        assertThat(s.exploitability()).isEqualTo(exploitability);
        assertThat(s.impact()).isEqualTo(impact);
        assertThat(Cvss31.severity(s.base())).isEqualTo(severity);
    }

    // ---------------------------------------------------------------- helpers

    private static Iterable<String> iterable(JsonNode node) {
        return node::fieldNames;
    }

    static String resource(String path) {
        try (InputStream in = SyntheticEventsTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every synthetic patch carries a unified diff whose hunk headers count the lines under them, as git apply checks. */
    @Test
    void syntheticDiffs_areUnifiedDiffsWithConsistentHunkCounts() {
        DemoGenerator gen = new DemoGenerator(7, CLOCK);
        int diffs = 0;
        for (int i = 0; i < 200; i++) {
            for (PatchStep step : gen.plan(gen.nextApv())) {
                dev.immunity.core.model.Patch p = step.patch();
                if (p.diff() == null) {
                    continue;
                }
                diffs++;
                String[] lines = p.diff().content().split("\n");
                assertThat(lines[0]).startsWith("diff --git a/");
                assertThat(p.diffLines()).isEqualTo(lines.length);
                for (int h = 0; h < lines.length; h++) {
                    var m = java.util.regex.Pattern.compile("@@ -\\d+,(\\d+) \\+\\d+,(\\d+) @@").matcher(lines[h]);
                    if (!m.matches()) {
                        continue;
                    }
                    int old = 0;
                    int added = 0;
                    int k = h + 1;
                    for (; k < lines.length && !lines[k].startsWith("@@") && !lines[k].startsWith("diff "); k++) {
                        char c = lines[k].charAt(0);
                        old += c == ' ' || c == '-' ? 1 : 0;
                        added += c == ' ' || c == '+' ? 1 : 0;
                    }
                    assertThat(old).as(p.diff().content()).isEqualTo(Integer.parseInt(m.group(1)));
                    assertThat(added).as(p.diff().content()).isEqualTo(Integer.parseInt(m.group(2)));
                }
            }
        }
        assertThat(diffs).isGreaterThan(100);
    }
}
