package dev.immunity.core.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.demo.Catalog.Kind;
import dev.immunity.core.demo.Catalog.Pkg;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.AffectedPackage;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import dev.immunity.core.model.TestResults;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Realistic APVs and patch lifecycles for a live demo.
 *
 * <p>APVs look like what the detection engine publishes (see {@code wire-format.md}): CVE ids of 2023–2026
 * (never repeated by one generator), packages of eight ecosystems with affected and fixed versions and purls,
 * advisory-style text, CVSS 3.1 vectors whose score and severity are computed from the vector, a priority mix of
 * about 10% critical, 25% high, 40% medium and 25% low, affected microservices, and {@code _publisher}
 * {@value #PUBLISHER}.
 *
 * <p>{@link #plan(Apv)} gives the patch states the remediation engine would publish for an APV, with accelerated
 * timings (a lifecycle ends within about a minute, so MTTR and success rate move while you watch): most APVs get a
 * patch that goes {@code pending → validating → applied → merged}; about 15% of patches fail
 * ({@code … → failed → rolled_back}); APVs recommended for manual review get none.
 *
 * <p>Deterministic: two generators with the same seed, given the same clock readings and the same sequence of
 * calls, produce the same output. Thread-safe; it owns no threads (see {@link DemoStream} for the runner).
 */
public final class DemoGenerator {
    /** The {@code _publisher} of generated APVs. */
    public static final String PUBLISHER = "maximus_oraculo";

    /** An upper bound of the span of a {@link #plan}: its last step's delay is never longer. */
    public static final Duration MAX_LIFECYCLE = Duration.ofSeconds(90);

    static final String ORACULO_VERSION = "1.2.0";
    static final double FAILURE_RATE = 0.15;

    private static final DateTimeFormatter PATCH_ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final List<String> APV_FIELDS = List.of("cve_id", "aliases", "published", "modified",
            "processed_at", "summary", "details", "cvss", "priority", "affected_packages", "ast_grep_patterns",
            "recommended_strategy", "remediation_complexity", "remediation_notes", "maximus_context", "source_feed",
            "oraculo_version", "is_critical", "requires_immediate_action", "has_automated_fix", "affected_services",
            "_published_at", "_publisher");
    private static final String GHSA_ALPHABET = "23456789cfghjmpqrvwx";

    private final SplittableRandom rnd;
    private final java.time.InstantSource clock;
    private final Set<String> cveIds = new HashSet<>();

    /**
     * @param seed  the seed of all randomness
     * @param clock the time of {@link #nextApv()}: its {@code processed_at}
     */
    public DemoGenerator(long seed, java.time.InstantSource clock) {
        this.rnd = new SplittableRandom(seed);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A new APV detected now (its {@code processed_at} is the clock's instant), with a CVE id not used before. */
    public synchronized Apv nextApv() {
        return apvAt(clock.instant());
    }

    /** A new APV detected at {@code detectedAt}; for seeding history. */
    synchronized Apv apvAt(Instant detectedAt) {
        ObjectNode partial = Json.mapper().createObjectNode().put("cve_id", newCveId(detectedAt));
        return WireFormat.parseApv(completeApvJson(partial, java.time.InstantSource.fixed(detectedAt), rnd));
    }

    /**
     * The patch states to emit for {@code apv}, in order, each with its delay after the APV's detection
     * ({@code processed_at}); every patch's {@code updatedAt} is that detection time plus the delay. Statuses only
     * move forward ({@link PatchStatus#canMoveTo}) and end in {@code merged} or {@code rolled_back}; the last delay
     * is at most {@link #MAX_LIFECYCLE}. Empty for an APV recommended for manual review.
     */
    public synchronized List<DemoStep> plan(Apv apv) {
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
                ? pickServices(pkg.ecosystem(), rnd).get(0) : apv.affectedServices().get(0);
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
        String diff = DemoDiffs.diff(strategy, pkg.ecosystem(), pkg.name(), from, fixedVersion == null ? "latest" : fixedVersion,
                files, apv.cveId(), rnd);
        var lifecycle = new Lifecycle(base, patchId, apv.cveId(), strategy, confidence, files, PatchDiff.of(diff),
                branch, sha, generatedAt);

        List<DemoStep> steps = new ArrayList<>();
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
        DemoStep at(long delayMillis, PatchStatus status, Boolean validationPassed, TestResults tests, String prUrl,
                    String error) {
            Duration delay = Duration.ofMillis(delayMillis);
            return new DemoStep(delay, new Patch(patchId, cveId, status, strategy, confidence, files,
                    PatchDiff.lines(diff.content()), validationPassed, tests, branch, sha, prUrl, error, generatedAt, null,
                    null, null, List.of(), base.plus(delay), diff));
        }
    }

    /**
     * The wait before the next APV of a stream whose mean interval is {@code mean}: exponentially distributed
     * (a Poisson process), capped at five times the mean and at least a twentieth of it.
     */
    synchronized Duration nextInterval(Duration mean) {
        double factor = Math.min(-Math.log(1 - rnd.nextDouble()), 5.0);
        return Duration.ofNanos(Math.max((long) (mean.toNanos() * factor), mean.toNanos() / 20));
    }

    /** A uniform random number in [0, 1); for spreading history. */
    synchronized double nextUnit() {
        return rnd.nextDouble();
    }

    java.time.InstantSource clock() {
        return clock;
    }

    private String newCveId(Instant at) {
        int thisYear = at.atOffset(ZoneOffset.UTC).getYear();
        int maxYear = Math.clamp(thisYear, 2023, 2026);
        while (true) {
            int year = 2023 + rnd.nextInt(maxYear - 2023 + 1);
            int number = rnd.nextDouble() < 0.4 ? 1000 + rnd.nextInt(9000) : 10000 + rnd.nextInt(50000);
            String id = "CVE-" + year + "-" + number;
            if (cveIds.add(id)) {
                return id;
            }
        }
    }

    // ------------------------------------------------------------------ completing APV JSON

    /**
     * Fills every APV field missing from {@code partial}, a producer-format JSON object, with plausible values
     * consistent with the fields given, so that {@link WireFormat#parseApv} accepts the result. Fields the caller
     * gave (a key present, even with a {@code null} value) are kept exactly as given, unknown fields included;
     * invalid given values stay invalid, for {@code parseApv} to reject naming the field. A complete APV comes
     * back unchanged. Generated timestamps are UTC with {@code Z}; {@code processed_at} defaults to the clock's
     * instant. {@code partial} itself is not modified.
     *
     * <p>For example {@code {"cve_id": "CVE-2024-TEST"}} becomes a full APV of CVE-2024-TEST.
     *
     * @throws InvalidEventException when {@code partial} has no {@code cve_id}
     */
    public static ObjectNode completeApvJson(ObjectNode partial, java.time.InstantSource clock, RandomGenerator rnd) {
        Objects.requireNonNull(partial, "partial");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(rnd, "rnd");
        JsonNode givenId = partial.get("cve_id");
        if (givenId == null || givenId.isNull()) {
            throw new InvalidEventException("cve_id", "is required");
        }
        String cveId = givenId.asText().strip().toUpperCase(Locale.ROOT);

        Instant processedAt = lenientTime(partial.get("processed_at"));
        if (processedAt == null) {
            processedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        }
        Priority priority = Priority.fromWire(partial.path("priority").asText(null));
        JsonNode givenCvss = partial.get("cvss");
        if (priority == null && givenCvss != null && givenCvss.path("severity").isTextual()) {
            priority = switch (givenCvss.path("severity").asText().toUpperCase(Locale.ROOT)) {
                case "CRITICAL" -> Priority.CRITICAL;
                case "HIGH" -> Priority.HIGH;
                case "MEDIUM" -> Priority.MEDIUM;
                default -> Priority.LOW;
            };
        }
        if (priority == null) {
            priority = randomPriority(rnd);
        }

        // The package, the kind of vulnerability and the CVSS vector, consistent with each other and the priority.
        Pkg givenPkg = givenPackage(partial.get("affected_packages"));
        boolean scoreGiven = partial.has("cvss");
        boolean noCvss = !scoreGiven && rnd.nextDouble() < 0.05; // advisories not yet scored
        double[] band = band(priority);
        Pkg pkg = null;
        Kind kind = null;
        String vector = null;
        double bestDistance = Double.MAX_VALUE;
        for (int attempt = 0; attempt < 1000 && bestDistance > 0; attempt++) {
            Pkg candidate = givenPkg != null ? givenPkg : randomPackage(rnd);
            Kind candidateKind = pick(candidate.kinds(), rnd);
            if (scoreGiven || noCvss) {
                pkg = candidate;
                kind = candidateKind;
                break;
            }
            String candidateVector = candidateKind.vector(rnd);
            double s = Cvss31.score(candidateVector).base();
            double distance = s < band[0] ? band[0] - s : s > band[1] ? s - band[1] : 0;
            if (distance < bestDistance) { // a given package may not reach the band: keep the closest
                bestDistance = distance;
                pkg = candidate;
                kind = candidateKind;
                vector = candidateVector;
            }
        }
        Double score = scoreGiven ? (givenCvss != null && givenCvss.path("base_score").isNumber()
                ? givenCvss.path("base_score").doubleValue() : null)
                : noCvss ? null : Cvss31.score(vector).base();

        boolean hasFix;
        if (givenPkg != null) {
            hasFix = givenHasFix(partial.get("affected_packages"));
        } else {
            hasFix = rnd.nextDouble() < 0.92;
            if (!hasFix) {
                pkg = pkg.withFixed(null);
            }
        }
        JsonNode context = partial.get("maximus_context");
        List<String> services = textList(partial.get("affected_services"));
        if (services == null && context != null) {
            services = textList(context.get("affected_services"));
        }
        if (services == null) {
            services = pickServices(pkg.ecosystem(), rnd);
        }
        Boolean exploit = context != null && context.path("exploit_available").isBoolean()
                ? context.path("exploit_available").booleanValue() : null;
        if (exploit == null) {
            exploit = rnd.nextDouble() < switch (priority) {
                case CRITICAL -> 0.55;
                case HIGH -> 0.30;
                case MEDIUM -> 0.10;
                case LOW -> 0.03;
            };
        }
        String component = kind.components().get(rnd.nextInt(kind.components().size()));
        String strategy = partial.path("recommended_strategy").isTextual()
                ? partial.path("recommended_strategy").asText() : randomStrategy(hasFix, kind, rnd);

        ObjectNode out = partial.deepCopy();
        for (String field : APV_FIELDS) {
            if (out.has(field)) {
                continue;
            }
            switch (field) {
                case "cve_id" -> throw new AssertionError("checked above");
                case "aliases" -> out.set(field, aliases(cveId, pkg.ecosystem(), processedAt, rnd));
                case "published" -> out.put(field, processedAt.minusMillis(3_600_000 + rnd.nextLong(20 * 86_400_000L))
                        .truncatedTo(ChronoUnit.MILLIS).toString());
                case "modified" -> {
                    Instant published = lenientTime(out.get("published"));
                    Instant from = published == null || published.isAfter(processedAt) ? processedAt : published;
                    long spanSeconds = Math.max(1, Duration.between(from, processedAt).toSeconds());
                    out.put(field, from.plusSeconds(rnd.nextLong(spanSeconds)).truncatedTo(ChronoUnit.SECONDS).toString());
                }
                case "processed_at" -> out.put(field, processedAt.toString());
                case "summary" -> out.put(field, fill(pick(kind.summary(), rnd), pkg, component, false));
                case "details" -> out.put(field, details(kind, pkg, component, exploit));
                case "cvss" -> out.set(field, noCvss ? null : cvss(vector));
                case "priority" -> out.put(field, priority.wire());
                case "affected_packages" -> out.set(field, Json.mapper().createArrayNode().add(packageJson(pkg, rnd)));
                case "ast_grep_patterns" -> out.set(field, patterns(kind, pkg.ecosystem(), component, score, priority, rnd));
                case "recommended_strategy" -> out.put(field, strategy);
                case "remediation_complexity" -> out.put(field, complexity(strategy, rnd));
                case "remediation_notes" -> out.put(field, rnd.nextDouble() < 0.25 ? null
                        : notes(strategy, pkg, component));
                case "maximus_context" -> out.set(field, context(services, exploit, kind, rnd));
                case "source_feed" -> out.put(field, rnd.nextDouble() < 0.7 ? "OSV.dev" : "NVD");
                case "oraculo_version" -> out.put(field, ORACULO_VERSION);
                case "is_critical" -> out.put(field, priority == Priority.CRITICAL || score != null && score >= 9.0);
                case "requires_immediate_action" -> out.put(field,
                        exploit && (out.path("is_critical").isBoolean() ? out.path("is_critical").booleanValue()
                                : priority == Priority.CRITICAL || score != null && score >= 9.0));
                case "has_automated_fix" -> out.put(field, hasFix);
                case "affected_services" -> out.set(field, Json.tree(services));
                case "_published_at" -> out.put(field, processedAt.plusNanos(1000L * (5_000 + rnd.nextInt(395_000)))
                        .toString());
                case "_publisher" -> out.put(field, PUBLISHER);
                default -> throw new AssertionError(field);
            }
        }
        return out;
    }

    private static Priority randomPriority(RandomGenerator rnd) {
        double r = rnd.nextDouble();
        return r < 0.10 ? Priority.CRITICAL : r < 0.35 ? Priority.HIGH : r < 0.75 ? Priority.MEDIUM : Priority.LOW;
    }

    /** CVSS base scores that go with a triage priority (the pipeline's priority is not just the severity). */
    private static double[] band(Priority p) {
        return switch (p) {
            case CRITICAL -> new double[] {8.8, 10.0};
            case HIGH -> new double[] {7.0, 8.9};
            case MEDIUM -> new double[] {4.0, 7.4};
            case LOW -> new double[] {1.5, 5.4};
        };
    }

    private static Pkg randomPackage(RandomGenerator rnd) {
        int total = Catalog.ECOSYSTEM_WEIGHTS.values().stream().mapToInt(Integer::intValue).sum();
        int r = rnd.nextInt(total);
        for (String ecosystem : Catalog.ECOSYSTEMS) {
            r -= Catalog.ECOSYSTEM_WEIGHTS.get(ecosystem);
            if (r < 0) {
                return pick(Catalog.PACKAGES.get(ecosystem), rnd);
            }
        }
        throw new AssertionError();
    }

    private static Pkg givenPackage(JsonNode packages) {
        if (packages == null || !packages.isArray() || packages.isEmpty() || !packages.get(0).path("name").isTextual()) {
            return null;
        }
        JsonNode first = packages.get(0);
        String ecosystem = first.path("ecosystem").asText("");
        String name = first.path("name").asText();
        String cwes = Catalog.PACKAGES.getOrDefault(ecosystem, List.of()).stream()
                .filter(p -> p.name().equalsIgnoreCase(name)).map(Pkg::cwes).findFirst().orElse("");
        return new Pkg(ecosystem, name, first.path("affected_versions").path(0).asText(null),
                first.path("fixed_versions").path(0).asText(null), cwes);
    }

    private static boolean givenHasFix(JsonNode packages) {
        for (JsonNode p : packages) {
            if (p.path("has_fix").isBoolean() ? p.path("has_fix").booleanValue() : !p.path("fixed_versions").isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> textList(JsonNode node) {
        if (node == null || !node.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> pickServices(String ecosystem, RandomGenerator rnd) {
        List<String> candidates = new ArrayList<>(Catalog.SERVICES.stream()
                .filter(s -> !Catalog.ECOSYSTEMS.contains(ecosystem) || ecosystem.equals("Docker")
                        || s.ecosystem().equals(ecosystem))
                .map(Catalog.Service::name)
                .toList());
        double r = rnd.nextDouble();
        int n = Math.min(candidates.size(), r < 0.6 ? 1 : r < 0.9 ? 2 : 3);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(candidates.remove(rnd.nextInt(candidates.size())));
        }
        return out;
    }

    private static ArrayNode aliases(String cveId, String ecosystem, Instant processedAt, RandomGenerator rnd) {
        ArrayNode out = Json.mapper().createArrayNode();
        if (rnd.nextDouble() < 0.85) {
            StringBuilder ghsa = new StringBuilder("GHSA");
            for (int group = 0; group < 3; group++) {
                ghsa.append('-');
                for (int i = 0; i < 4; i++) {
                    ghsa.append(GHSA_ALPHABET.charAt(rnd.nextInt(GHSA_ALPHABET.length())));
                }
            }
            out.add(ghsa.toString());
        }
        Matcher year = Pattern.compile("CVE-(\\d{4})-").matcher(cveId);
        String y = year.lookingAt() ? year.group(1) : String.valueOf(processedAt.atOffset(ZoneOffset.UTC).getYear());
        if (rnd.nextDouble() < 0.5) {
            switch (ecosystem) {
                case "PyPI" -> out.add("PYSEC-" + y + "-" + (10 + rnd.nextInt(290)));
                case "Go" -> out.add("GO-" + y + "-" + (1000 + rnd.nextInt(3000)));
                case "Cargo" -> out.add("RUSTSEC-" + y + "-" + String.format(Locale.ROOT, "%04d", 1 + rnd.nextInt(120)));
                default -> {
                }
            }
        }
        return out;
    }

    private static ObjectNode cvss(String vector) {
        Cvss31.Scores s = Cvss31.score(vector);
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("version", "3.1");
        n.put("base_score", s.base());
        n.put("severity", Cvss31.severity(s.base()));
        n.put("vector_string", vector);
        n.put("exploitability_score", s.exploitability());
        n.put("impact_score", s.impact());
        return n;
    }

    private static ObjectNode packageJson(Pkg pkg, RandomGenerator rnd) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("ecosystem", pkg.ecosystem());
        n.put("name", pkg.name());
        ArrayNode affected = n.putArray("affected_versions");
        String older = previousVersion(pkg.affected());
        if (older != null && rnd.nextDouble() < 0.4) {
            affected.add(older);
        }
        affected.add(pkg.affected());
        ArrayNode fixed = n.putArray("fixed_versions");
        if (pkg.fixed() != null) {
            fixed.add(pkg.fixed());
        }
        n.put("purl", pkg.purl());
        n.put("introduced", rnd.nextBoolean() ? "0" : null);
        n.put("last_affected", pkg.fixed() == null ? pkg.affected() : null);
        n.put("has_fix", pkg.fixed() != null);
        return n;
    }

    /** {@code 4.17.20 → 4.17.19}, {@code 4.1.99.Final → 4.1.98.Final}; {@code null} when the last number is 0. */
    static String previousVersion(String version) {
        Matcher m = Pattern.compile("(\\d+)(?!.*\\d)").matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) == 0) {
            return null;
        }
        return version.substring(0, m.start()) + (Integer.parseInt(m.group(1)) - 1) + version.substring(m.end());
    }

    private static String displayName(Pkg pkg) {
        return switch (pkg.ecosystem()) {
            case "Docker" -> "the " + pkg.name() + " image";
            case "Maven" -> pkg.shortName();
            default -> pkg.name();
        };
    }

    private static String fill(String template, Pkg pkg, String component, boolean sentence) {
        String text = template.replace("{pkg}", displayName(pkg)).replace("{component}", component);
        return sentence && text.startsWith("the ") ? "T" + text.substring(1) : text;
    }

    private static String details(Kind kind, Pkg pkg, String component, boolean exploit) {
        StringBuilder d = new StringBuilder(fill(kind.details(), pkg, component, true));
        if (pkg.fixed() != null) {
            d.append(" Versions before ").append(pkg.fixed()).append(" are affected; upgrade to ").append(pkg.fixed())
                    .append(" or later.");
        } else if (pkg.affected() != null) {
            d.append(" No fixed version has been released; ").append(pkg.affected())
                    .append(" and earlier are affected.");
        }
        if (exploit) {
            d.append(" A public proof-of-concept exploit is available.");
        }
        return d.toString();
    }

    private static ArrayNode patterns(Kind kind, String ecosystem, String component, Double score, Priority priority,
                                      RandomGenerator rnd) {
        ArrayNode out = Json.mapper().createArrayNode();
        String language = Catalog.language(ecosystem);
        String pattern = language == null ? null : kind.patterns().get(language);
        if (pattern != null && rnd.nextDouble() < 0.75) {
            out.addObject()
                    .put("language", language)
                    .put("pattern", pattern)
                    .put("severity", score == null ? priority.wire() : Cvss31.severity(score).toLowerCase(Locale.ROOT))
                    .put("description", "Vulnerable usage: " + component);
        }
        return out;
    }

    private static String randomStrategy(boolean hasFix, Kind kind, RandomGenerator rnd) {
        double r = rnd.nextDouble();
        if (hasFix) {
            return r < 0.80 ? "dependency_upgrade" : r < 0.88 ? "code_patch"
                    : r < 0.93 && kind.web() ? "coagulation_waf" : r < 0.93 ? "dependency_upgrade" : "manual_review";
        }
        return r < 0.5 ? "code_patch" : r < 0.75 && kind.web() ? "coagulation_waf" : "manual_review";
    }

    private static String complexity(String strategy, RandomGenerator rnd) {
        double r = rnd.nextDouble();
        return switch (strategy) {
            case "dependency_upgrade" -> r < 0.70 ? "low" : r < 0.95 ? "medium" : "high";
            case "code_patch" -> r < 0.55 ? "medium" : r < 0.90 ? "high" : "critical";
            case "coagulation_waf" -> r < 0.60 ? "low" : "medium";
            default -> r < 0.60 ? "high" : "critical";
        };
    }

    private static String notes(String strategy, Pkg pkg, String component) {
        return switch (strategy) {
            case "dependency_upgrade" -> pkg.fixed() == null ? "Upgrade " + pkg.name() + " once a fixed release is out."
                    : "Upgrade " + pkg.name() + " to " + pkg.fixed() + " or later.";
            case "code_patch" -> "No drop-in upgrade; patch the handling of " + component + " in our code.";
            case "coagulation_waf" -> "Deploy a coagulation WAF rule in front of the affected services until "
                    + pkg.name() + " can be upgraded.";
            default -> "Exploitability depends on configuration; review our use of " + component + ".";
        };
    }

    private static ObjectNode context(List<String> services, boolean exploit, Kind kind, RandomGenerator rnd) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.set("affected_services", Json.tree(services));
        n.put("exploit_available", exploit);
        n.put("environment", rnd.nextDouble() < 0.85 ? "production" : "staging");
        n.put("internet_facing", services.stream().anyMatch(s -> s.matches(".*(web|gateway|proxy|portal|api).*"))
                && rnd.nextDouble() < 0.8);
        n.put("epss_score", round(exploit ? uniform(rnd, 0.2, 0.97) : uniform(rnd, 0.0004, 0.08), 5));
        n.put("cwe", kind.cwe());
        return n;
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

    private static Instant lenientTime(JsonNode node) {
        return node == null || !node.isTextual() ? null : WireFormat.parseTimestamp(node.textValue()).orElse(null);
    }

    private static <T> T pick(List<T> list, RandomGenerator rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    private static double uniform(RandomGenerator rnd, double min, double max) {
        return min + (max - min) * rnd.nextDouble();
    }

    private static long millis(double seconds) {
        return Math.round(seconds * 1000);
    }

    private static double round(double d, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(d * scale) / scale;
    }

    private static String hex(RandomGenerator rnd, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(Character.forDigit(rnd.nextInt(16), 16));
        }
        return b.toString();
    }
}
