package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How numbers, durations and times are shown, the same in tables and in the dashboard. */
public final class Formats {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private Formats() {
    }

    /** {@code 45s}, {@code 12m05s}, {@code 1h02m}, {@code 3d04h}; {@code -} for null. */
    public static String duration(Double seconds) {
        if (seconds == null || seconds.isNaN()) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, (s % 86400) / 3600);
    }

    /** {@code 92.3%}; {@code -} for null. */
    public static String percent(Double ratio) {
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    /** {@code 2025-10-11 14:30:22} (UTC); {@code -} for null. */
    public static String dateTime(Instant t) {
        return t == null ? "-" : DATE_TIME.format(t);
    }

    /** {@code 14:30:22} (UTC); {@code -} for null. */
    public static String time(Instant t) {
        return t == null ? "--:--:--" : TIME.format(t);
    }

    /** A JSON text field, or null. */
    public static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isNull() || v.isMissingNode() ? null : v.isTextual() ? v.textValue() : v.toString();
    }

    /** A JSON number field, or null. */
    public static Double number(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isNumber() ? v.doubleValue() : null;
    }

    /** A JSON timestamp field, or null when absent or not a timestamp. */
    public static Instant instant(JsonNode n, String field) {
        String s = text(n, field);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** A JSON list of strings (other elements as their JSON text). */
    public static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : n.path(field)) {
            out.add(v.isTextual() ? v.textValue() : v.toString());
        }
        return out;
    }

    /** A CVSS base score as {@code 9.8}, or {@code -}. */
    public static String cvss(JsonNode apv) {
        Double score = number(apv.path("cvss"), "base_score");
        return score == null ? "-" : String.format(Locale.ROOT, "%.1f", score);
    }
}
