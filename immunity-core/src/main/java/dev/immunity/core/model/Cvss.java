package dev.immunity.core.model;

/**
 * CVSS score of an APV.
 *
 * @param version              "3.1" or "4.0"
 * @param baseScore            0.0–10.0
 * @param severity             NONE, LOW, MEDIUM, HIGH or CRITICAL
 * @param vectorString         the CVSS vector
 * @param exploitabilityScore  optional
 * @param impactScore          optional
 */
public record Cvss(String version, double baseScore, String severity, String vectorString,
                   Double exploitabilityScore, Double impactScore) {
}
