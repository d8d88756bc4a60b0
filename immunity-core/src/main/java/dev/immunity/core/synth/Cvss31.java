package dev.immunity.core.synth;

import java.util.HashMap;
import java.util.Map;

/**
 * CVSS v3.1 base score from a vector string, per the FIRST specification (section 7.1 and Appendix A), so that
 * synthetic scores, severities and vectors always agree.
 */
final class Cvss31 {
    static final String PREFIX = "CVSS:3.1/";

    private Cvss31() {
    }

    /** The metrics of a base vector such as {@code CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H}. */
    record Scores(double base, double exploitability, double impact) {
    }

    static Scores score(String vector) {
        if (!vector.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a CVSS 3.1 vector: " + vector);
        }
        Map<String, String> m = new HashMap<>();
        for (String part : vector.substring(PREFIX.length()).split("/")) {
            String[] kv = part.split(":", 2);
            m.put(kv[0], kv[1]);
        }
        boolean changed = m.get("S").equals("C");
        double av = switch (m.get("AV")) {
            case "N" -> 0.85;
            case "A" -> 0.62;
            case "L" -> 0.55;
            case "P" -> 0.2;
            default -> throw new IllegalArgumentException("AV in " + vector);
        };
        double ac = m.get("AC").equals("L") ? 0.77 : 0.44;
        double pr = switch (m.get("PR")) {
            case "N" -> 0.85;
            case "L" -> changed ? 0.68 : 0.62;
            case "H" -> changed ? 0.5 : 0.27;
            default -> throw new IllegalArgumentException("PR in " + vector);
        };
        double ui = m.get("UI").equals("N") ? 0.85 : 0.62;
        double iss = 1 - (1 - cia(m.get("C"))) * (1 - cia(m.get("I"))) * (1 - cia(m.get("A")));
        double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
        double exploitability = 8.22 * av * ac * pr * ui;
        double base;
        if (impact <= 0) {
            base = 0;
        } else if (changed) {
            base = roundUp(Math.min(1.08 * (impact + exploitability), 10));
        } else {
            base = roundUp(Math.min(impact + exploitability, 10));
        }
        return new Scores(base, round1(exploitability), round1(Math.max(impact, 0)));
    }

    /** The qualitative severity rating of a base score: NONE, LOW, MEDIUM, HIGH or CRITICAL. */
    static String severity(double score) {
        if (score == 0.0) {
            return "NONE";
        }
        if (score < 4.0) {
            return "LOW";
        }
        if (score < 7.0) {
            return "MEDIUM";
        }
        return score < 9.0 ? "HIGH" : "CRITICAL";
    }

    private static double cia(String v) {
        return switch (v) {
            case "H" -> 0.56;
            case "L" -> 0.22;
            case "N" -> 0.0;
            default -> throw new IllegalArgumentException("impact metric " + v);
        };
    }

    /** Appendix A: the smallest number with one decimal that is equal to or higher than its input. */
    private static double roundUp(double d) {
        long i = Math.round(d * 100_000);
        return i % 10_000 == 0 ? i / 100_000.0 : (Math.floor(i / 10_000.0) + 1) / 10.0;
    }

    private static double round1(double d) {
        return Math.round(d * 10) / 10.0;
    }
}
