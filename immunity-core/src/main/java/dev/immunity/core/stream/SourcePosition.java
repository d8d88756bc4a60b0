package dev.immunity.core.stream;

/**
 * Where an event was read from a source with offsets (a Kafka record).
 *
 * @param partition  the partition's short name in cursors: a letter for the topic and the partition number
 *                   ({@code a0}, {@code p2}); letters, digits and {@code _} only
 * @param offset     the record's offset
 * @param rebuilding whether the record is retained data read at start (state being rebuilt), not a new event
 */
public record SourcePosition(String partition, long offset, boolean rebuilding) {
    public SourcePosition {
        if (partition == null || !partition.matches("[A-Za-z0-9_]{1,32}")) {
            throw new IllegalArgumentException("partition name must be 1-32 letters, digits or _ (got " + partition + ")");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative (got " + offset + ")");
        }
    }
}
