package dev.immunity.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The pipeline's triage of an APV (distinct from its CVSS severity). Ordered most urgent first. */
public enum Priority {
    CRITICAL, HIGH, MEDIUM, LOW;

    /** The wire spelling: lower case. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses the wire spelling, case-insensitively; {@code null} when unknown. */
    public static Priority fromWire(String text) {
        if (text == null) {
            return null;
        }
        for (Priority p : values()) {
            if (p.wire().equalsIgnoreCase(text.strip())) {
                return p;
            }
        }
        return null;
    }
}
