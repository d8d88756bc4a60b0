package dev.immunity.core.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Priority;
import dev.immunity.core.synth.Catalog.Kind;
import dev.immunity.core.synth.Catalog.Pkg;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.immunity.core.synth.Rand.pick;
import static dev.immunity.core.synth.Rand.round;
import static dev.immunity.core.synth.Rand.uniform;

/**
 * Completes a partial APV, as the test trigger and the bench receive it, into one the detection engine could have
 * published (see {@code docs/wire-format.md}): a package of the {@linkplain Catalog catalogue} with affected and
 * fixed versions and a purl, advisory-style text, a CVSS 3.1 vector whose score fits the priority, affected
 * services, and {@code _publisher} {@value #PUBLISHER}. What the caller gave is kept as given.
 */
public final class ApvCompletion {
    /** The {@code _publisher} of completed APVs. */
    public static final String PUBLISHER = "maximus_oraculo";
    static final String ORACULO_VERSION = "1.2.0";

    private static final List<String> APV_FIELDS = List.of("cve_id", "aliases", "published", "modified",
            "processed_at", "summary", "details", "cvss", "priority", "affected_packages", "ast_grep_patterns",
            "recommended_strategy", "remediation_complexity", "remediation_notes", "maximus_context", "source_feed",
            "oraculo_version", "is_critical", "requires_immediate_action", "has_automated_fix", "affected_services",
            "_published_at", "_publisher");
    private static final String GHSA_ALPHABET = "23456789cfghjmpqrvwx";

    private ApvCompletion() {
    }

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
    public static ObjectNode complete(ObjectNode partial, java.time.InstantSource clock, RandomGenerator rnd) {
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
        List<String> cwes = Catalog.PACKAGES.getOrDefault(ecosystem, List.of()).stream()
                .filter(p -> p.name().equalsIgnoreCase(name)).map(Pkg::cwes).findFirst().orElse(List.of());
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

    private static Instant lenientTime(JsonNode node) {
        return node == null || !node.isTextual() ? null : WireFormat.parseTimestamp(node.textValue()).orElse(null);
    }
}
