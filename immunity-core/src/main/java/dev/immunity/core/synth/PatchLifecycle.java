package dev.immunity.core.synth;

import dev.immunity.core.model.AffectedPackage;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.TestResults;
import dev.immunity.core.synth.Catalog.Kind;
import dev.immunity.core.synth.Catalog.Pkg;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

import static dev.immunity.core.synth.Rand.millis;
import static dev.immunity.core.synth.Rand.round;
import static dev.immunity.core.synth.Rand.uniform;

/**
 * The patch states the remediation engine would publish for an APV, with accelerated timings (a lifecycle ends
 * within about a minute, so MTTR and success rate move while you watch): most APVs get a patch that goes
 * {@code pending → validating → applied → merged}; about 15% of patches fail ({@code … → failed → rolled_back});
 * APVs recommended for manual review get none. Each patch carries a unified diff ({@link SyntheticDiffs}).
 */
public final class PatchLifecycle {
    /** An upper bound of the span of a {@link #plan}: its last step's delay is never longer. */
    public static final Duration MAX_LIFECYCLE = Duration.ofSeconds(90);
    static final double FAILURE_RATE = 0.15;

    private static final DateTimeFormatter PATCH_ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private PatchLifecycle() {
    }

    /**
     * The patch states to emit for {@code apv}, in order, each with its delay after the APV's detection
     * ({@code processed_at}); every patch's {@code updatedAt} is that detection time plus the delay. Statuses only
     * move forward ({@link PatchStatus#canMoveTo}) and end in {@code merged} or {@code rolled_back}; the last delay
     * is at most {@link #MAX_LIFECYCLE}. Empty for an APV recommended for manual review.
     */
    public static List<PatchStep> plan(Apv apv, RandomGenerator rnd) {
        Objects.requireNonNull(apv, "apv");
        String strategy = apv.recommendedStrategy() == null ? "dependency_upgrade" : apv.recommendedStrategy();
        if (strategy.equals("manual_review")) {
            return List.of();
        }
        double pace = switch (apv.priority()) {
            case CRITICAL -> 0.6;
            case HIGH -> 0.8;
            case MEDIUM -> 1.0;
            case LOW -> 1.3;
        };
        boolean fails = rnd.nextDouble() < FAILURE_RATE;
        boolean failsAfterApplied = fails && rnd.nextDouble() < 0.4;

        AffectedPackage pkg = apv.affectedPackages().get(0);
        String service = apv.affectedServices().isEmpty()
                ? ApvCompletion.pickServices(pkg.ecosystem(), rnd).get(0) : apv.affectedServices().get(0);
        String cveLower = apv.cveId().toLowerCase(Locale.ROOT);
        double confidence = round(fails ? uniform(rnd, 0.60, 0.85) : uniform(rnd, 0.72, 0.99), 2);
        List<String> files = filesModified(strategy, pkg.ecosystem(), service, moduleOf(apv), cveLower);
        String branch = "immunity/" + cveLower + "-" + slug(new Pkg(pkg.ecosystem(), pkg.name(), null, null).shortName());
        String sha = hex(rnd, 40);
        int pr = 100 + rnd.nextInt(2900);
        String prUrl = "https://github.com/example-org/" + slug(service) + "/pull/" + pr;
        int totalTests = 150 + rnd.nextInt(1350);
        String fixedVersion = pkg.fixedVersions().isEmpty() ? null : pkg.fixedVersions().get(0);

        Instant base = apv.detectedAt();
        long t = millis(uniform(rnd, 1, 4) * pace);
        Instant generatedAt = base.plusMillis(t);
        String patchId = "patch-" + apv.cveId() + "-" + PATCH_ID_TIME.format(generatedAt);
        String from = pkg.affectedVersions().isEmpty() ? "0.0.0" : pkg.affectedVersions().get(pkg.affectedVersions().size() - 1);
        String diff = SyntheticDiffs.diff(strategy, pkg.ecosystem(), pkg.name(), from, fixedVersion == null ? "latest" : fixedVersion,
                files, apv.cveId(), rnd);
        var lifecycle = new Lifecycle(base, patchId, apv.cveId(), strategy, confidence, files, PatchDiff.of(diff),
                branch, sha, generatedAt);

        List<PatchStep> steps = new ArrayList<>();
        steps.add(lifecycle.at(t, PatchStatus.PENDING, null, null, null, null));
        t += millis(uniform(rnd, 2, 8) * pace);
        steps.add(lifecycle.at(t, PatchStatus.VALIDATING, null, null, null, null));
        if (!fails || failsAfterApplied) {
            long validation = millis(uniform(rnd, 4, 18) * pace);
            t += validation;
            double seconds = round(validation * uniform(rnd, 0.8, 0.95) / 1000, 2);
            TestResults passed = new TestResults(0, testSummary(pkg.ecosystem(), totalTests, 0, seconds), "", seconds);
            steps.add(lifecycle.at(t, PatchStatus.APPLIED, true, passed, prUrl, null));
            if (!fails) {
                t += millis(uniform(rnd, 3, 20) * pace);
                steps.add(lifecycle.at(t, PatchStatus.MERGED, true, passed, prUrl, null));
            } else {
                String error = rnd.nextBoolean()
                        ? "CI failed on pull request #" + pr + ": integration tests against " + service + " timed out"
                        : "Canary deployment of " + service + " failed health checks (error rate "
                          + round(uniform(rnd, 3, 15), 1) + "% > 2%); change reverted";
                t += millis(uniform(rnd, 5, 20) * pace);
                steps.add(lifecycle.at(t, PatchStatus.FAILED, true, passed, prUrl, error));
                t += millis(uniform(rnd, 2, 8) * pace);
                steps.add(lifecycle.at(t, PatchStatus.ROLLED_BACK, true, passed, prUrl, error));
            }
        } else {
            long validation = millis(uniform(rnd, 4, 15) * pace);
            t += validation;
            int failed = 1 + rnd.nextInt(6);
            double seconds = round(validation * uniform(rnd, 0.8, 0.95) / 1000, 2);
            TestResults broken = new TestResults(1, testSummary(pkg.ecosystem(), totalTests, failed, seconds),
                    failingTest(pkg.ecosystem(), service), seconds);
            String error = switch (strategy) {
                case "dependency_upgrade" -> "Validation failed: " + failed + " of " + totalTests
                        + " tests failed after upgrading " + pkg.name() + (fixedVersion == null ? "" : " to " + fixedVersion);
                case "coagulation_waf" -> "Validation failed: WAF rule blocked " + round(uniform(rnd, 1, 9), 1)
                        + "% of replayed legitimate requests";
                default -> "Validation failed: generated patch breaks " + failed + " tests in " + service;
            };
            steps.add(lifecycle.at(t, PatchStatus.FAILED, false, broken, null, error));
            t += millis(uniform(rnd, 2, 6) * pace);
            steps.add(lifecycle.at(t, PatchStatus.ROLLED_BACK, false, broken, null, error));
        }
        return List.copyOf(steps);
    }

    /** The states of one patch: what stays the same from one state to the next. */
    private record Lifecycle(Instant base, String patchId, String cveId, String strategy, double confidence,
                             List<String> files, PatchDiff diff, String branch, String sha, Instant generatedAt) {
        PatchStep at(long delayMillis, PatchStatus status, Boolean validationPassed, TestResults tests, String prUrl,
                    String error) {
            Duration delay = Duration.ofMillis(delayMillis);
            return new PatchStep(delay, new Patch(patchId, cveId, status, strategy, confidence, files,
                    PatchDiff.lines(diff.content()), validationPassed, tests, branch, sha, prUrl, error, generatedAt, null,
                    null, null, List.of(), base.plus(delay), diff));
        }
    }

    private static String moduleOf(Apv apv) {
        String cwe = apv.maximusContext().path("cwe").asText("");
        return Catalog.KINDS.stream().filter(k -> k.cwe().equals(cwe)).map(Kind::module).findFirst()
                .orElse("security/input_validation");
    }

    static List<String> filesModified(String strategy, String ecosystem, String service, String module,
                                      String cveLower) {
        if (strategy.equals("coagulation_waf")) {
            return List.of("waf/rules/" + cveLower + ".conf");
        }
        String pascal = pascal(service);
        if (strategy.equals("dependency_upgrade")) {
            return switch (ecosystem) {
                case "PyPI" -> List.of("requirements.txt");
                case "npm" -> List.of("package.json", "package-lock.json");
                case "Maven" -> List.of("pom.xml");
                case "Go" -> List.of("go.mod", "go.sum");
                case "RubyGems" -> List.of("Gemfile", "Gemfile.lock");
                case "NuGet" -> List.of("src/" + pascal + "/" + pascal + ".csproj", "packages.lock.json");
                case "Cargo" -> List.of("Cargo.toml", "Cargo.lock");
                default -> List.of("Dockerfile");
            };
        }
        String leaf = module.substring(module.lastIndexOf('/') + 1);
        String snake = service.replace('-', '_');
        return switch (ecosystem) {
            case "PyPI" -> List.of("src/" + snake + "/" + module + ".py", "tests/test_" + leaf + ".py");
            case "npm" -> List.of("src/" + module + ".js", "test/" + leaf + ".test.js");
            case "Maven" -> List.of("src/main/java/com/example/" + snake.replace("_", "") + "/" + pascal(leaf) + ".java",
                    "src/test/java/com/example/" + snake.replace("_", "") + "/" + pascal(leaf) + "Test.java");
            case "Go" -> List.of("internal/" + module + ".go", "internal/" + module + "_test.go");
            case "RubyGems" -> List.of("app/" + module + ".rb", "spec/" + leaf + "_spec.rb");
            case "NuGet" -> List.of("src/" + pascal + "/" + pascal(leaf) + ".cs");
            case "Cargo" -> List.of("src/" + leaf + ".rs");
            default -> List.of("Dockerfile");
        };
    }

    private static String testSummary(String ecosystem, int total, int failed, double seconds) {
        int passed = total - failed;
        String secs = String.format(Locale.ROOT, "%.2f", seconds);
        return switch (ecosystem) {
            case "PyPI" -> "========== " + (failed > 0 ? failed + " failed, " : "") + passed + " passed in " + secs
                    + "s ==========";
            case "npm" -> "Tests:       " + (failed > 0 ? failed + " failed, " : "") + passed + " passed, " + total
                    + " total\nTime:        " + secs + " s";
            case "Maven" -> (failed > 0 ? "[ERROR] " : "[INFO] ") + "Tests run: " + total + ", Failures: " + failed
                    + ", Errors: 0, Skipped: 0, Time elapsed: " + secs + " s";
            case "Go" -> (failed > 0 ? "--- FAIL (" + failed + " tests)\nFAIL" : "PASS\nok") + "\t" + secs + "s";
            case "RubyGems" -> total + " examples, " + failed + " failures\nFinished in " + secs + " seconds";
            case "NuGet" -> (failed > 0 ? "Failed!  - Failed: " : "Passed!  - Failed: ") + failed + ", Passed: " + passed
                    + ", Skipped: 0, Total: " + total + ", Duration: " + secs + " s";
            case "Cargo" -> "test result: " + (failed > 0 ? "FAILED" : "ok") + ". " + passed + " passed; " + failed
                    + " failed; 0 ignored; finished in " + secs + "s";
            default -> "container-structure-test: PASS " + passed + " / FAIL " + failed + " (" + secs + "s)";
        };
    }

    private static String failingTest(String ecosystem, String service) {
        String snake = service.replace('-', '_');
        return switch (ecosystem) {
            case "PyPI" -> "FAILED tests/test_api.py::test_" + snake + "_happy_path - AssertionError: assert 500 == 200";
            case "npm" -> "● " + service + " › returns 200 for a valid request\n  expect(received).toBe(expected)";
            case "Maven" -> "[ERROR] " + pascal(service) + "IT.happyPath:42 expected: <200> but was: <500>";
            case "Go" -> "--- FAIL: TestHappyPath (0.02s)\n    handler_test.go:42: got status 500, want 200";
            case "RubyGems" -> "rspec ./spec/requests/" + snake + "_spec.rb:42 # returns 200 for a valid request";
            case "NuGet" -> "Failed " + pascal(service) + ".Tests.HappyPath: Expected 200 but found 500";
            case "Cargo" -> "---- tests::happy_path stdout ----\nthread 'tests::happy_path' panicked: 500 != 200";
            default -> "FAIL: image healthcheck did not pass within 30s";
        };
    }

    private static String pascal(String s) {
        StringBuilder b = new StringBuilder();
        for (String part : s.split("[-_/ ]")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }

    private static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-").replaceAll("^-+|-+$", "");
    }

    private static String hex(RandomGenerator rnd, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(Character.forDigit(rnd.nextInt(16), 16));
        }
        return b.toString();
    }
}
