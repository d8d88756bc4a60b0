package dev.immunity.core.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Redis and what to keep there.
 *
 * @param uri             {@code redis://[:password@]host:port[/db]}, or {@code rediss://…} for TLS
 * @param streamKey       the Redis Stream every instance appends its events to and reads them from
 * @param streamMaxLength about how many entries the stream keeps ({@code XADD MAXLEN ~}); what a starting
 *                        instance rebuilds from and how far back a cursor can resume on any instance
 * @param metricsKey      the key holding the shared metrics snapshot (JSON)
 * @param metricsTtl      the shared snapshot's time to live: an upper bound, it is rewritten whenever it changes
 * @param commandTimeout  how long one command may take before it fails (lettuce's default is 60 s)
 * @param outboxCapacity  events kept while Redis is unreachable, appended to the stream once it is back
 */
public record RedisSettings(String uri, String streamKey, long streamMaxLength, String metricsKey, Duration metricsTtl,
                            Duration commandTimeout, int outboxCapacity) {
    public static final String STREAM_KEY = "immunity:events";
    public static final String METRICS_KEY = "immunity:metrics";

    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://") && !uri.startsWith("redis-socket://")) {
            throw new IllegalArgumentException("uri must start with redis:// or rediss:// (got " + redact(uri) + ")");
        }
        if (streamKey == null || streamKey.isBlank() || metricsKey == null || metricsKey.isBlank()) {
            throw new IllegalArgumentException("stream and metrics keys must not be empty");
        }
        if (streamMaxLength < 1) {
            throw new IllegalArgumentException("stream max length must be at least 1 (got " + streamMaxLength + ")");
        }
        if (outboxCapacity < 0) {
            throw new IllegalArgumentException("outbox capacity must not be negative (got " + outboxCapacity + ")");
        }
        Objects.requireNonNull(metricsTtl, "metricsTtl");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
    }

    /** Defaults for a URI: stream {@value #STREAM_KEY} of about 100,000 entries, 5 min metrics TTL, 500 ms commands. */
    public static RedisSettings of(String uri) {
        return new RedisSettings(uri, STREAM_KEY, 100_000, METRICS_KEY, Duration.ofMinutes(5), Duration.ofMillis(500),
                10_000);
    }

    public RedisSettings withStreamKey(String key) {
        return new RedisSettings(uri, key, streamMaxLength, metricsKey, metricsTtl, commandTimeout, outboxCapacity);
    }

    public RedisSettings withMetricsKey(String key) {
        return new RedisSettings(uri, streamKey, streamMaxLength, key, metricsTtl, commandTimeout, outboxCapacity);
    }

    /** The URI without its password, for logs and health details. */
    public String redactedUri() {
        return redact(uri);
    }

    private static String redact(String uri) {
        return uri == null ? null : uri.replaceAll("//[^@/]*@", "//***@");
    }
}
