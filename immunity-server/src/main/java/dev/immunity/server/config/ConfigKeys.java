package dev.immunity.server.config;

import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.server.auth.AuthSettings;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every configuration key the server reads, with its default and what it means. Each has an environment variable:
 * the key in upper case with {@code .} and {@code -} as {@code _} ({@link Key#env()}). The README's configuration
 * table is checked against this list.
 */
public final class ConfigKeys {
    /** Every key, its default (null = unset) and what it means, in the README table's order. */
    public static final Map<String, Key> ALL = keys(
            new Key("immunity.host", "127.0.0.1", "address to bind (0.0.0.0 for every interface)"),
            new Key("immunity.port", "8001", "HTTP and WebSocket port"),
            new Key("immunity.stream-port", null, "a second port serving only the stream, over non-blocking sockets with no thread per client: far less memory per connection (off when unset; 0 = any free port)"),
            new Key("immunity.demo.enabled", "false", "run the demo stream (realistic APVs and patches)"),
            new Key("immunity.demo.interval", "3s", "mean time between demo APVs"),
            new Key("immunity.http.max-request-bytes", "1048576", "largest request body (413 beyond)"),
            new Key("immunity.http.allowed-hosts", null, "host names the server answers to (comma-separated), against DNS rebinding; unset: only localhost, 127.0.0.1 and [::1] when bound to a loopback address, any name otherwise"),
            new Key("immunity.http.max-connections", "auto", "connections open at once, both ports together (auto: the open-file limit less what is open at start and 128); with the stream port, the HTTP port takes 1/32 of it (at least 64) and the stream port the rest"),
            new Key("immunity.http.max-connections-per-ip", "0", "connections open at once from one address, both ports together (0: no cap; set it when clients do not all come through one proxy or load balancer)"),
            new Key("immunity.http.header-timeout", "10s", "how long a request's headers, or a WebSocket upgrade, may take to arrive before the connection is closed"),
            new Key("immunity.http.read-bytes-per-second", "52428800", "REST answer bytes one address may read per second, averaged over two seconds (429 beyond; 0: no limit)"),
            new Key("immunity.ingest.max-apv-bytes", "65536", "largest APV accepted, as received (413 from the trigger, dead-lettered from Kafka, skipped and logged from Redis)"),
            new Key("immunity.ingest.max-patch-bytes", "1048576", "largest patch update accepted, as received"),
            new Key("immunity.observe.public", "false", "with auth on, leave /observe/metrics open (else it needs the metrics scope); health stays open"),
            new Key("immunity.trigger.enabled", null, "whether POST /api/test/trigger-apv exists (default: on only with the embedded in-memory source, off with Kafka or Redis, where it would write into the real pipeline)"),
            new Key("immunity.trigger.rate-per-second", "100", "trigger requests per second before 429"),
            new Key("immunity.ws.allowed-origins", "", "browser origins allowed besides the server's own, exactly as browsers send them (comma-separated)"),
            new Key("immunity.ws.max-message-bytes", "65536", "largest message a client may send (1009 beyond)"),
            new Key("immunity.ws.ping-interval", "20s", "WebSocket ping interval (keeps listen-only clients alive)"),
            new Key("immunity.ws.idle-timeout", "5m", "drop a connection after this long without a frame from the client"),
            new Key("immunity.ws.write-delay", "0ms", "stream port only: after a write to a client, how long its next write waits so that messages arriving meanwhile go out together (fewer system calls under load; each message at most this much later)"),
            new Key("immunity.ws.transport", "auto", "stream port only: the I/O transport: auto (epoll on Linux, else NIO), epoll, io_uring (opt-in; Linux 5.14 or later) or nio; a transport that does not load fails the start"),
            new Key("immunity.ws.deflate", "false", "stream port only: accept permessage-deflate (RFC 7692) from clients that offer it: fewer bytes on the wire, but every message compressed per client and a compressor held by each such connection (see BENCHMARKS.md)"),
            new Key("immunity.stream.history-size", "10000", "events kept for resume"),
            new Key("immunity.stream.queue-capacity", "4096", "messages queued per client before it is closed as too slow (4001)"),
            new Key("immunity.stream.heartbeat-interval", "30s", "heartbeat message interval"),
            new Key("immunity.stream.snapshot-apvs", "100", "recent APVs sent to a new client"),
            new Key("immunity.stream.history-max-bytes", "134217728", "bytes of history kept for resume (each event counted as twice its frame); the oldest go first"),
            new Key("immunity.stream.max-replay-events", "2000", "most events replayed to a resuming client; further behind, it gets recovered: false and a snapshot"),
            new Key("immunity.stream.max-snapshot-bytes", "1048576", "most bytes of APVs and patches in a new client's snapshot (newest first)"),
            new Key("immunity.ws.max-fragments", "64", "stream port: most fragments one message may have (1009 beyond)"),
            new Key("immunity.stream.close-timeout", "10s", "how long a stalled client's close may take before it is dropped"),
            new Key("immunity.store.max-apvs", "100000", "APVs kept in memory: beyond it the oldest closed ones (merged) go; open ones stay, and go only over max-apv-bytes (counted in immunity_store_evicted_open_total, warned in health)"),
            new Key("immunity.store.max-apv-bytes", "auto", "about how much heap the APVs held may take (an estimate; auto: a quarter of the maximum heap, at least 64 MiB); beyond it they go as beyond max-apvs"),
            new Key("immunity.store.max-patches", "400000", "patches kept in memory"),
            new Key("immunity.sla.critical", "7d", "remediation SLA of critical APVs: from detection (processed_at) to the first merged patch (applied with mttr-basis=applied)"),
            new Key("immunity.sla.high", "30d", "remediation SLA of high APVs"),
            new Key("immunity.sla.medium", "90d", "remediation SLA of medium APVs"),
            new Key("immunity.sla.low", "180d", "remediation SLA of low APVs"),
            new Key("immunity.sla.at-risk-ratio", "0.75", "share of the SLA after which an open APV is at risk (above 0, below 1)"),
            new Key("immunity.notify.timeout", "10s", "how long one notification delivery attempt may take"),
            new Key("immunity.notify.max-attempts", "5", "attempts per notification delivery (retried on 5xx, 429, timeouts) before it is given up"),
            new Key("immunity.notify.backoff", "1s", "first retry delay of a notification delivery; doubled each retry, with jitter (a 429's Retry-After wins)"),
            new Key("immunity.notify.digest-window", "5s", "how long a route gathers after a first notification before it sends: a burst becomes one digest"),
            new Key("immunity.notify.min-interval", "30s", "least time between two messages of a route; what arrives meanwhile goes in one digest"),
            new Key("immunity.notify.queue-capacity", "1000", "notifications a route holds waiting to be sent; beyond it they are dropped, counted and logged"),
            new Key("immunity.shutdown.drain-delay", "5s", "on SIGTERM: how long readiness reports DOWN before clients are closed, so load balancers stop sending new ones (0 for none)"),
            new Key("immunity.shutdown.close-window", "10s", "on SIGTERM: stream clients are closed with 1001 spread over this window, so they do not all reconnect elsewhere at once"),
            new Key("immunity.ownership.file", "", "YAML file of the team owning each service (teams: {TEAM: [SERVICE, ...]}): the owner of APVs and SLA messages, the team filter, metrics by team"),
            new Key("immunity.store.max-diff-bytes", "262144", "the most of one patch's diff kept (UTF-8 bytes): a longer one is cut at a line end and flagged diff_truncated; all diffs together stay within a quarter of max-apv-bytes, beyond it the least recently updated patches' diffs are released"),
            new Key("immunity.metrics.mttr-basis", "merged", "what ends the MTTR clock: merged or applied"),
            new Key("immunity.kafka.bootstrap-servers", null, "Kafka bootstrap servers (host:port,…); turns Kafka mode on (serve --kafka)"),
            new Key("immunity.kafka.apv-topic", KafkaSettings.APV_TOPIC, "the detection engine's APV topic"),
            new Key("immunity.kafka.patches-topic", KafkaSettings.PATCHES_TOPIC, "the remediation engine's patches topic"),
            new Key("immunity.kafka.dlq-topic", KafkaSettings.DLQ_TOPIC, "dead-letter topic for invalid records"),
            new Key("immunity.kafka.group-id", null, "this instance's own consumer group (default immunity-<host>-<port>); never shared"),
            new Key("immunity.kafka.look-back", null, "how far back to read at start to rebuild state (default: all retained data)"),
            new Key("immunity.kafka.create-topics", "true", "create missing topics at start"),
            new Key("immunity.kafka.partitions", "3", "partitions of topics the server creates"),
            new Key("immunity.kafka.client-properties", null, "extra Kafka client properties, key=value;key=value (SASL/TLS…)"),
            new Key("immunity.kafka.properties-file", null, "a Java properties file of extra Kafka client properties"),
            new Key("immunity.redis.uri", null, "Redis URI (redis://[:password@]host:port[/db], rediss:// for TLS); turns Redis on: shared metrics, and fan-out across instances without Kafka (serve --redis)"),
            new Key("immunity.redis.stream-key", RedisSettings.STREAM_KEY, "the Redis Stream instances fan events out through"),
            new Key("immunity.redis.stream-max-length", "100000", "about how many events the stream keeps (XADD MAXLEN ~): what a starting instance rebuilds from, how far back cursors resume"),
            new Key("immunity.redis.metrics-key", RedisSettings.METRICS_KEY, "key of the shared metrics snapshot"),
            new Key("immunity.redis.metrics-ttl", "5m", "time to live of the shared metrics snapshot (rewritten whenever it changes)"),
            new Key("immunity.redis.command-timeout", "500ms", "how long a Redis command may take before it fails"),
            new Key("immunity.redis.outbox-capacity", "10000", "events kept while Redis is unreachable, appended to the stream when it is back"),
            new Key("immunity.auth.issuer", null, "the identity provider's issuer URL: tokens' iss must equal it; alone, turns JWT auth on with keys from its OpenID Connect discovery"),
            new Key("immunity.auth.jwks-uri", null, "JWK Set URL to verify tokens with (keys cached, refetched on an unknown kid); turns JWT auth on"),
            new Key("immunity.auth.audience", null, "required aud claim (exact match; aud may be a string or an array of strings)"),
            new Key("immunity.auth.hs256-secret", null, "HS256 secret (at least 32 bytes); turns JWT auth on"),
            new Key("immunity.auth.public-key", null, "RS256/PS256/ES256 public key, PEM; turns JWT auth on"),
            new Key("immunity.auth.public-key-file", null, "file holding that PEM"),
            new Key("immunity.auth.algorithm", null, "accept only this algorithm (default: RS256, PS256, ES256, EdDSA from a JWK Set; HS256 only with a secret)"),
            new Key("immunity.auth.clock-skew", "60s", "tolerance for exp, nbf and iat"),
            new Key("immunity.auth.max-token-lifetime", "24h", "refuse tokens whose exp lies further ahead than this"),
            new Key("immunity.auth.trigger-scope", AuthSettings.DEFAULT_TRIGGER_SCOPE, "scope the trigger needs"),
            new Key("immunity.auth.metrics-scope", "immunity:metrics", "scope /observe/metrics needs when auth is on (unless immunity.observe.public)"),
            new Key("immunity.auth.oidc.client-id", null, "public OAuth client (no secret) the page and `immunity login` sign in with; needs immunity.auth.issuer"),
            new Key("immunity.auth.oidc.scopes", "openid profile", "scopes they request (add offline_access where the provider needs it for refresh tokens)"));

    /** One configuration key. */
    public record Key(String name, String defaultValue, String description) {
        /** The environment variable that sets this key. */
        public String env() {
            return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    private ConfigKeys() {
    }

    private static Map<String, Key> keys(Key... keys) {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : keys) {
            m.put(k.name(), k);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
