package dev.immunity.core.json;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Reads fields of one JSON object, naming the field (by its path) in every error. */
final class Fields {
    private final JsonNode node;
    private final String path;

    private Fields(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    static Fields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new InvalidEventException(path, "must be a JSON object" + gotWhat(node));
        }
        return new Fields(node, path);
    }

    JsonNode node() {
        return node;
    }

    String path(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    boolean present(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    String requiredText(String field) {
        String v = optionalText(field);
        if (v == null) {
            throw new InvalidEventException(path(field), "is required");
        }
        if (v.isBlank()) {
            throw new InvalidEventException(path(field), "must not be blank");
        }
        return v;
    }

    String optionalText(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidEventException(path(field), "must be a string" + gotWhat(v));
        }
        return v.textValue();
    }

    String textMinLength(String field, int min) {
        String v = requiredText(field);
        if (v.codePointCount(0, v.length()) < min) {
            throw new InvalidEventException(path(field), "must be at least " + min + " characters (got "
                    + v.codePointCount(0, v.length()) + ")");
        }
        return v;
    }

    /** A required text of {@code min} to {@code max} characters. */
    String textLength(String field, int min, int max) {
        return atMost(field, textMinLength(field, min), max);
    }

    /** An optional text of at most {@code max} characters. */
    String optionalText(String field, int max) {
        return atMost(field, optionalText(field), max);
    }

    private String atMost(String field, String v, int max) {
        if (v != null && v.length() > max) {
            throw new InvalidEventException(path(field), "must be at most " + max + " characters (got " + v.length() + ")");
        }
        return v;
    }

    Boolean optionalBoolean(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new InvalidEventException(path(field), "must be true or false" + gotWhat(v));
        }
        return v.booleanValue();
    }

    Double optionalNumber(String field, double min, double max) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new InvalidEventException(path(field), "must be a number" + gotWhat(v));
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw new InvalidEventException(path(field), "must be between " + min + " and " + max + " (got " + d + ")");
        }
        return d;
    }

    Integer optionalInt(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new InvalidEventException(path(field), "must be an integer" + gotWhat(v));
        }
        return v.intValue();
    }

    Instant requiredTime(String field) {
        Instant t = optionalTime(field);
        if (t == null) {
            throw new InvalidEventException(path(field), "is required");
        }
        return t;
    }

    Instant optionalTime(String field) {
        String text = optionalText(field);
        return text == null ? null : parseTime(text, path(field));
    }

    List<String> stringList(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidEventException(path(field), "must be an array of strings" + gotWhat(v));
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw new InvalidEventException(path(field) + "[" + i + "]", "must be a string" + gotWhat(e));
            }
            out.add(e.textValue());
        }
        return out;
    }

    <T> List<T> objectList(String field, BiFunction<Fields, String, T> reader) {
        JsonNode v = raw(field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidEventException(path(field), "must be an array" + gotWhat(v));
        }
        List<T> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            String p = path(field) + "[" + i + "]";
            out.add(reader.apply(Fields.of(v.get(i), p), p));
        }
        return out;
    }

    /**
     * ISO-8601 with an offset ({@code Z}, {@code +02:00}) or naive (read as UTC), any fraction precision.
     */
    static Instant parseTime(String text, String path) {
        return tryParseTime(text).orElseThrow(() -> new InvalidEventException(path,
                "must be an ISO-8601 timestamp such as 2025-10-11T14:30:22.123456 or 2025-10-11T14:30:22Z (got \""
                        + abbreviate(text.strip()) + "\")"));
    }

    /** The instant of an ISO-8601 timestamp with an offset or naive (UTC); empty when it is not one. */
    static java.util.Optional<Instant> tryParseTime(String text) {
        String t = text.strip();
        Instant common = commonShape(t);
        if (common != null) {
            return java.util.Optional.of(common);
        }
        // Pick the parser by the text's shape instead of trying one and catching its failure: the producers'
        // naive timestamps used to cost an exception each (a quarter of a rebuild's time went to parsing times).
        try {
            return java.util.Optional.of(hasOffset(t) ? OffsetDateTime.parse(t).toInstant()
                    : LocalDateTime.parse(t).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The shape every producer writes, {@code yyyy-MM-ddTHH:mm:ss[.f…](Z|±HH:mm)?}, read digit by digit (the
     * {@code DateTimeFormatter} path allocates a map per parse and was most of a rebuild's parsing time); java.time
     * still checks the ranges. Null for any other shape, which then goes through {@code DateTimeFormatter}.
     */
    private static Instant commonShape(String t) {
        int n = t.length();
        if (n < 19 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && t.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                nanos = nanos * 10 + (t.charAt(i++) - '0');
            }
            if (i == start) {
                return null;
            }
            for (int k = i - start; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n) {
            offsetSeconds = 0; // naive: UTC, as the producers mean it
        } else if (i == n - 1 && t.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int oh = digits(t, i + 1, 2);
            int om = digits(t, i + 4, 2);
            if ((oh | om) < 0 || oh > 18 || om > 59) {
                return null;
            }
            offsetSeconds = (t.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                    .toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
        } catch (java.time.DateTimeException e) {
            return null; // out of range (month 13, 25:00): the general path gives the answer
        }
    }

    /** The value of {@code count} ASCII digits at {@code from}, or -1 if any is not a digit. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Whether an ISO-8601 date-time ends in an offset ({@code Z}, {@code +02:00}, {@code -05:00}). */
    private static boolean hasOffset(String t) {
        int time = t.indexOf('T');
        if (time < 0 || t.isEmpty()) {
            return false;
        }
        char last = t.charAt(t.length() - 1);
        return last == 'Z' || last == 'z' || t.indexOf('+', time) >= 0 || t.indexOf('-', time) >= 0;
    }

    static String gotWhat(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return " (it is missing)";
        }
        return " (got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /** Untrusted input quoted in an error message, shortened to one harmless line (see {@link #printable}). */
    static String abbreviate(String s) {
        String oneLine = printable(s);
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    /**
     * {@code s} with every character that could act on a terminal or a log viewer replaced by {@code ?}:
     * control characters (ESC, CR, BEL…), invisible formatting characters (bidi overrides such as U+202E,
     * zero-width joiners…) and line/paragraph separators.
     */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        return s.codePoints()
                .map(c -> harmless(c) ? c : '?')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    private static boolean harmless(int c) {
        int type = Character.getType(c);
        return !Character.isISOControl(c) && type != Character.FORMAT && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && type != Character.SURROGATE;
    }
}
