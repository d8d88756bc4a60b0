package dev.immunity.core.model;

/**
 * Something the stream carries to clients. The {@link #type()} is the envelope's {@code type}.
 */
public sealed interface Event permits Apv, Patch, MetricsSnapshot, Heartbeat {

    /** The envelope type of this event: {@code apv}, {@code patch}, {@code metrics} or {@code heartbeat}. */
    EventType type();
}
