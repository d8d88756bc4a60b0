package dev.immunity.core.synth;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.immunity.core.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The vocabulary of synthetic APVs, read from {@code catalog.json} beside this class: packages with affected and
 * fixed versions per ecosystem (and the ecosystems' weights), kinds of vulnerability written the way public
 * advisories are, and the microservices they land in. Names and versions are realistic; the pairings with CVE
 * ids are invented.
 */
final class Catalog {
    /** The ecosystems in the order of weighted picks, each with its weight. */
    static final Map<String, Integer> ECOSYSTEM_WEIGHTS;
    static final List<String> ECOSYSTEMS;
    /** Packages by ecosystem, in the file's order. */
    static final Map<String, List<Pkg>> PACKAGES;
    static final List<Service> SERVICES;
    static final List<Kind> KINDS;

    static {
        Data data = load();
        Map<String, Integer> weights = new LinkedHashMap<>();
        data.ecosystems().forEach(e -> weights.put(e.name(), e.weight()));
        ECOSYSTEM_WEIGHTS = java.util.Collections.unmodifiableMap(weights);
        ECOSYSTEMS = List.copyOf(weights.keySet());
        PACKAGES = data.packages().stream().collect(Collectors.groupingBy(Pkg::ecosystem, LinkedHashMap::new,
                Collectors.toUnmodifiableList()));
        SERVICES = List.copyOf(data.services());
        KINDS = List.copyOf(data.kinds());
        if (!ECOSYSTEMS.containsAll(PACKAGES.keySet()) || !PACKAGES.keySet().containsAll(ECOSYSTEMS)) {
            throw new IllegalStateException("catalog.json: every ecosystem needs packages, and every package a listed ecosystem");
        }
    }

    private Catalog() {
    }

    private record Ecosystem(String name, int weight) {
    }

    private record Data(List<Ecosystem> ecosystems, List<Pkg> packages, List<Service> services, List<Kind> kinds) {
    }

    private static Data load() {
        try (InputStream in = Catalog.class.getResourceAsStream("catalog.json")) {
            if (in == null) {
                throw new IllegalStateException("catalog.json is missing beside " + Catalog.class.getName());
            }
            return Json.mapper().readValue(in, new TypeReference<Data>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("catalog.json: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ packages

    /**
     * A package version that is affected, and the version that fixes it ({@code null}: no fix yet).
     *
     * @param cwes the kinds of vulnerability that fit this package (CWE ids); empty for a package not in the
     *             catalogue (then any kind of its ecosystem fits)
     */
    record Pkg(String ecosystem, String name, String affected, String fixed, List<String> cwes) {
        Pkg {
            cwes = cwes == null ? List.of() : List.copyOf(cwes);
        }

        Pkg(String ecosystem, String name, String affected, String fixed) {
            this(ecosystem, name, affected, fixed, List.of());
        }

        Pkg withFixed(String fixedVersion) {
            return new Pkg(ecosystem, name, affected, fixedVersion, cwes);
        }

        /** The kinds of vulnerability that fit this package. */
        List<Kind> kinds() {
            List<Kind> fitting = KINDS.stream().filter(k -> cwes.contains(k.cwe())).toList();
            return fitting.isEmpty() ? KINDS.stream().filter(k -> k.appliesTo(ecosystem)).toList() : fitting;
        }

        /** Package URL of the affected version, e.g. {@code pkg:npm/lodash@4.17.20}. */
        String purl() {
            if (affected == null || affected.isBlank()) {
                return null;
            }
            String type = switch (ecosystem) {
                case "PyPI" -> "pypi";
                case "npm" -> "npm";
                case "Maven" -> "maven";
                case "Go" -> "golang";
                case "Docker" -> "docker";
                case "RubyGems" -> "gem";
                case "NuGet" -> "nuget";
                case "Cargo" -> "cargo";
                default -> null;
            };
            if (type == null) {
                return null;
            }
            String path = switch (ecosystem) {
                case "Maven" -> name.replace(':', '/');
                case "npm" -> name.startsWith("@") ? "%40" + name.substring(1) : name;
                case "PyPI" -> name.toLowerCase(Locale.ROOT).replace('_', '-');
                default -> name;
            };
            String version = ecosystem.equals("Go") ? "v" + affected : affected;
            return "pkg:" + type + "/" + path + "@" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        }

        /** The last segment of the name, for branch names and prose: {@code log4j-core}, {@code net}. */
        String shortName() {
            String[] parts = name.split("[:/]");
            String last = parts[parts.length - 1];
            return last.matches("v\\d+") && parts.length > 1 ? parts[parts.length - 2] : last;
        }
    }

    static String language(String ecosystem) {
        return switch (ecosystem) {
            case "PyPI" -> "python";
            case "npm" -> "javascript";
            case "Maven" -> "java";
            case "Go" -> "go";
            case "RubyGems" -> "ruby";
            case "NuGet" -> "csharp";
            case "Cargo" -> "rust";
            default -> null;
        };
    }

    /** A microservice and the ecosystem it is built with. */
    record Service(String name, String ecosystem) {
    }

    // ------------------------------------------------------------------ vulnerability kinds

    /**
     * A kind of vulnerability.
     *
     * @param cwe        the CWE id
     * @param ecosystems where it occurs (empty: anywhere)
     * @param metrics    the CVSS metric values it can have, e.g. {@code "AV:N AC:LH PR:NL UI:N S:U C:H I:HL A:HN"}
     * @param components where in a package it lives, for the prose
     * @param summary    summary template: {@code {pkg}}, {@code {component}}
     * @param details    first sentences of the details: {@code {pkg}}, {@code {component}}
     * @param module     the source module a code patch touches, e.g. {@code db/queries}
     * @param web        whether a WAF rule can mitigate it
     * @param patterns   ast-grep pattern per language
     */
    record Kind(String cwe, Set<String> ecosystems, String metrics, List<String> components, List<String> summary,
                String details, String module, boolean web, Map<String, String> patterns) {
        Kind {
            ecosystems = ecosystems == null ? Set.of() : Set.copyOf(ecosystems);
            patterns = patterns == null ? Map.of() : Map.copyOf(patterns);
        }

        boolean appliesTo(String ecosystem) {
            return ecosystems.isEmpty() || !ECOSYSTEMS.contains(ecosystem) || ecosystems.contains(ecosystem);
        }

        /** A random vector within this kind's metrics, never without impact. */
        String vector(RandomGenerator rnd) {
            while (true) {
                StringBuilder v = new StringBuilder(Cvss31.PREFIX);
                for (String metric : metrics.split(" ")) {
                    String[] kv = metric.split(":");
                    if (v.length() > Cvss31.PREFIX.length()) {
                        v.append('/');
                    }
                    v.append(kv[0]).append(':').append(kv[1].charAt(rnd.nextInt(kv[1].length())));
                }
                String s = v.toString();
                if (!s.endsWith("C:N/I:N/A:N")) {
                    return s;
                }
            }
        }
    }
}
