package dev.immunity.core.json;

/**
 * Input that is not a valid event. The message names the field and what is wrong with it,
 * e.g. {@code priority: must be one of critical, high, medium, low (got "urgent")}.
 */
public final class InvalidEventException extends RuntimeException {
    private final String field;

    public InvalidEventException(String field, String problem) {
        super(field == null || field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    /** The JSON path of the offending field ({@code affected_packages[0].name}), or empty for the whole message. */
    public String field() {
        return field == null ? "" : field;
    }
}
