package dev.immunity.server;

import dev.immunity.core.json.WireFormat;
import dev.immunity.core.kafka.KafkaSource;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.model.Patch;
import dev.immunity.core.redis.RedisStreamSource;
import dev.immunity.core.stream.StreamManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where events produced inside the server (the trigger, the demo) go in: straight into the stream when
 * the server runs on embedded defaults, or to the Kafka topics when Kafka is configured, so they reach
 * every instance's clients exactly like the pipeline's own events, or to the Redis stream when Redis is
 * configured without Kafka (the same, for several instances without Kafka).
 */
public interface EventIngress {

    /**
     * Sends an event in.
     *
     * @return what happened, as fields for an API answer ({@code status} and where it went)
     */
    CompletableFuture<Map<String, Object>> submit(Event event);

    /** Straight into this server's stream. */
    static EventIngress direct(StreamManager stream) {
        return event -> {
            boolean sent = stream.publish(event);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", sent ? "accepted" : "duplicate");
            out.put("cursor", stream.currentCursor());
            return CompletableFuture.completedFuture(out);
        };
    }

    /** To the Kafka topics (APV topic keyed by CVE id; patches topic keyed by CVE id). */
    static EventIngress kafka(KafkaSource kafka) {
        return event -> {
            var sent = switch (event) {
                case Apv apv -> kafka.publishApv(apv.cveId(), WireFormat.toWire(apv));
                case Patch patch -> kafka.publishPatch(patch.cveId(), WireFormat.toWire(patch));
                default -> throw new IllegalArgumentException("only APVs and patches can be sent in");
            };
            return sent.thenApply(meta -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "published");
                out.put("topic", meta.topic());
                out.put("partition", meta.partition());
                out.put("offset", meta.offset());
                return out;
            });
        };
    }

    /**
     * To the Redis stream every instance reads. When Redis does not answer within its command timeout the
     * event is published here at once and queued for the stream ({@code status: accepted},
     * {@code delivery: local}); it never waits longer than that timeout.
     */
    static EventIngress redis(RedisStreamSource source) {
        return event -> {
            Map<String, Object> out = new LinkedHashMap<>();
            try {
                RedisStreamSource.Submitted s = source.submit(event);
                if (s.localOnly()) {
                    out.put("status", s.sent() ? "accepted" : "duplicate");
                    out.put("delivery", "local; queued for the other instances until Redis is back");
                } else {
                    out.put("status", "published");
                    out.put("stream_id", s.id());
                }
                return CompletableFuture.completedFuture(out);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }
}
