package dev.immunity.core.stream;

import dev.immunity.core.model.Event;

import java.util.Map;

/**
 * Where a source (Kafka, Redis) hands what it reads: the port between reading and the stream. The
 * {@link StreamManager} is the real one.
 */
public interface EventSink {
    /** Tells the sink which partitions are read and from which offsets (before the first record). */
    void assign(String topicsFingerprint, Map<String, Long> startOffsets);

    /**
     * Publishes a record's event.
     *
     * @return whether it changed anything (a redelivery does not)
     */
    boolean publish(Event event, SourcePosition position);

    /** A record at {@code position} that carries no event (dead-lettered): cursors move past it. */
    void skip(SourcePosition position);
}
