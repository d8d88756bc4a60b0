package dev.immunity.core.model;

/**
 * Periodic keep-alive carrying how many clients are connected.
 *
 * @param connections    clients connected to this server
 * @param intervalSeconds how often heartbeats are sent
 */
public record Heartbeat(int connections, long intervalSeconds) implements Event {
    @Override
    public EventType type() {
        return EventType.HEARTBEAT;
    }
}
