package dev.immunity.core.stream;

import java.util.Map;

/**
 * Counters of a {@link StreamManager}, at one instant.
 *
 * @param connections       clients connected now
 * @param connectionsTotal  clients connected since start
 * @param messagesSent      messages handed to clients (an envelope counts once per client)
 * @param framesSent        transport writes (a batched frame counts once)
 * @param slowClientCloses  clients closed because their queue overflowed
 * @param eventsByType      events accepted per envelope type
 * @param duplicatesIgnored messages that changed nothing (redeliveries, stale states)
 * @param resumes           clients that resumed from a cursor
 * @param resumesFailed     clients whose cursor could not be resumed (they got a snapshot)
 */
public record StreamStats(int connections, long connectionsTotal, long messagesSent, long framesSent,
                          long slowClientCloses, Map<String, Long> eventsByType, long duplicatesIgnored,
                          long resumes, long resumesFailed) {
    public StreamStats {
        eventsByType = Map.copyOf(eventsByType);
    }
}
