package dev.immunity.core.metrics;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * What stops the MTTR clock of a CVE: its first {@code merged} patch, or its first patch that
 * reached {@code applied} (or went straight to {@code merged}).
 */
public enum MttrBasis {
    /** The clock stops at the first merged patch. */
    MERGED,
    /** The clock stops at the first applied-or-merged patch. */
    APPLIED;

    /** The wire spelling: {@code merged} or {@code applied}. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the wire spelling, case-insensitively; {@code null} when unknown. */
    public static MttrBasis fromWire(String text) {
        if (text == null) {
            return null;
        }
        for (MttrBasis b : values()) {
            if (b.wire().equalsIgnoreCase(text.strip())) {
                return b;
            }
        }
        return null;
    }
}
