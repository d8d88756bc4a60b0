package dev.immunity.core.stream;

import java.util.Optional;

/**
 * A position in the stream's history: {@code <epoch>-<seq>}. The epoch names one history (a server
 * process's in-memory history, or later a Kafka-backed one), the sequence number counts events in it.
 * Clients treat cursors as opaque strings and send them back verbatim.
 *
 * @param epoch identifies the history the sequence number belongs to
 * @param seq   the sequence number of the last event the holder has seen (0 = none)
 */
public record Cursor(String epoch, long seq) {
    public Cursor {
        if (epoch == null || epoch.isEmpty() || !epoch.matches("[0-9a-z]{1,32}")) {
            throw new IllegalArgumentException("cursor epoch must be 1-32 lower-case letters or digits");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("cursor sequence must not be negative");
        }
    }

    /** Parses a cursor; empty when the text is not one. */
    public static Optional<Cursor> parse(String text) {
        if (text == null || text.length() > 64) {
            return Optional.empty();
        }
        int dash = text.lastIndexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Cursor(text.substring(0, dash), Long.parseLong(text.substring(dash + 1))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return epoch + "-" + seq;
    }
}
