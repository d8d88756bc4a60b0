package dev.immunity.server.config;

import dev.immunity.core.json.IngestLimits;

import java.time.Duration;
import java.util.List;

/**
 * What the server allows a client, so that no client (or producer) can take it down: sizes, connection
 * counts, timeouts and which host names it answers to. See the README's <em>Security</em> section.
 *
 * @param ingest               the largest APV and patch accepted
 * @param allowedHosts         host names the server answers to (DNS-rebinding defence); empty means the
 *                             loopback names when bound to a loopback address, and any name otherwise
 * @param maxConnections       connections open at once on each port; beyond it new ones are refused
 * @param maxConnectionsPerIp  connections open at once from one address on each port; 0 for no cap
 * @param headerTimeout        how long a request's headers (and a WebSocket upgrade) may take to arrive
 * @param observePublic        whether {@code /observe/metrics} is open when auth is on
 * @param metricsScope         the scope {@code /observe/metrics} needs when auth is on and it is not public
 * @param readBytesPerSecond   REST answer bytes one address may read per second (a token bucket holding
 *                             ten seconds' worth); 0 for no limit
 * @param maxReplayEvents      events a resuming client may be sent from history; beyond it, a snapshot
 * @param maxSnapshotBytes     bytes of APVs and patches a new client's snapshot may hold (newest first)
 * @param maxFragments         fragments one WebSocket message may have on the stream port
 */
public record LimitSettings(IngestLimits ingest, List<String> allowedHosts, int maxConnections, int maxConnectionsPerIp,
                            Duration headerTimeout, boolean observePublic, String metricsScope, long readBytesPerSecond,
                            int maxReplayEvents, int maxSnapshotBytes, int maxFragments) {
    public LimitSettings {
        allowedHosts = List.copyOf(allowedHosts);
    }
}
