package dev.immunity.core.stream;

/**
 * Where an event was read from a source with offsets (a Kafka record).
 *
 * @param partition  the partition's short name in cursors: a letter for the topic and the partition number
 *                   ({@code a0}, {@code p2}); letters, digits and {@code _} only
 * @param offset     the record's offset
 * @param rebuilding whether the record is retained data read at start (state being rebuilt), not a new event
 * @param bytes      the record's size as read, or 0 when unknown: the history counts an event by it without
 *                   serializing the event's message before someone needs it
 */
public record SourcePosition(String partition, long offset, boolean rebuilding, int bytes) {
    public SourcePosition {
        if (!validName(partition)) {
            throw new IllegalArgumentException("partition name must be 1-32 letters, digits or _ (got " + partition + ")");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative (got " + offset + ")");
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative (got " + bytes + ")");
        }
    }

    /** A position whose record's size is not known. */
    public SourcePosition(String partition, long offset, boolean rebuilding) {
        this(partition, offset, rebuilding, 0);
    }

    /** [A-Za-z0-9_]{1,32}, checked by hand: this runs once per record read. */
    private static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > 32) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
