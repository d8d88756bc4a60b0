package dev.immunity.server;

import dev.immunity.core.kafka.KafkaSource;
import dev.immunity.core.model.EventType;
import dev.immunity.core.model.Priority;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.core.stream.StreamStats;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.ToLongFunction;

/**
 * Prometheus meters ({@code /observe/metrics}) and the stream health check. The meter registry is
 * process-wide, so the meters are registered once and sum over the servers running in this JVM
 * (one in production; tests start several).
 */
final class ServerMeters {
    private static final Set<StreamManager> LIVE = new CopyOnWriteArraySet<>();
    private static final Set<dev.immunity.server.notify.Notifier> NOTIFIERS = new CopyOnWriteArraySet<>();

    /**
     * Counts a notifier's deliveries in {@code immunity_notifications_total{route,result}}: sent, failed (given up),
     * dropped (its queue was full), retried (attempts after the first) and deduplicated (another instance sent it).
     */
    static synchronized void addNotifier(dev.immunity.server.notify.Notifier notifier) {
        NOTIFIERS.add(notifier);
        MeterRegistry registry = Services.get(MeterRegistry.class);
        for (String route : notifier.counts().keySet()) {
            for (String result : List.of("sent", "failed", "dropped", "retried")) {
                registry.getOrCreate(FunctionalCounter.builder("immunity_notifications", NOTIFIERS,
                                all -> all.stream().mapToLong(n -> n.counts().getOrDefault(route, java.util.Map.of())
                                        .getOrDefault(result, 0L)).sum())
                        .tags(List.of(Tag.create("route", route), Tag.create("result", result)))
                        .description("Notifications by route and result"));
            }
        }
        registry.getOrCreate(FunctionalCounter.builder("immunity_notifications_deduplicated", NOTIFIERS,
                        all -> all.stream().mapToLong(dev.immunity.server.notify.Notifier::deduplicated).sum())
                .description("Notifications not sent because another instance had claimed them in Redis"));
    }

    static void removeNotifier(dev.immunity.server.notify.Notifier notifier) {
        NOTIFIERS.remove(notifier);
    }
    private static final Set<KafkaSource> SOURCES = new CopyOnWriteArraySet<>();
    private static final Set<dev.immunity.core.store.EventStore> STORES = new CopyOnWriteArraySet<>();
    private static volatile boolean registered;

    private ServerMeters() {
    }

    /** Counts a started server's stream in the meters (registering them on first use). */
    static void add(StreamManager stream, KafkaSource kafka, dev.immunity.core.store.EventStore store) {
        STORES.add(store);
        LIVE.add(stream);
        if (kafka != null) {
            SOURCES.add(kafka);
        }
        register();
    }

    /** Stops counting a stopped server's stream. */
    static void remove(StreamManager stream, KafkaSource kafka, dev.immunity.core.store.EventStore store) {
        STORES.remove(store);
        LIVE.remove(stream);
        if (kafka != null) {
            SOURCES.remove(kafka);
        }
    }

    private static synchronized void register() {
        if (registered) {
            return;
        }
        MeterRegistry registry = Services.get(MeterRegistry.class);
        registry.getOrCreate(Gauge.builder("immunity_connections", () -> sum(StreamStats::connections))
                .description("WebSocket clients connected now"));
        counter(registry, "immunity_messages_sent", "Stream messages handed to clients", StreamStats::messagesSent);
        counter(registry, "immunity_slow_client_closes", "Clients closed because they read too slowly",
                StreamStats::slowClientCloses);
        counter(registry, "immunity_duplicates_ignored", "Messages that changed nothing (redeliveries, stale states)",
                StreamStats::duplicatesIgnored);
        for (EventType t : EventType.values()) {
            registry.getOrCreate(FunctionalCounter.builder("immunity_events", t,
                            type -> sum(s -> s.eventsByType().getOrDefault(type.wire(), 0L)))
                    .tags(List.of(Tag.create("type", t.wire())))
                    .description("Events accepted, by type"));
        }
        registry.getOrCreate(FunctionalCounter.builder("immunity_kafka_dead_lettered", SOURCES,
                        sources -> sources.stream().mapToLong(k -> k.deadLettered()).sum())
                .description("Kafka records that were not valid events, sent to the dead-letter topic"));
        registry.getOrCreate(FunctionalCounter.builder("immunity_kafka_records", SOURCES,
                        sources -> sources.stream().mapToLong(k -> k.consumed()).sum())
                .description("Kafka records read"));
        registry.getOrCreate(FunctionalCounter.builder("immunity_store_evicted_open", STORES,
                        stores -> stores.stream().mapToLong(st -> st.evictedOpen()).sum())
                .description("Open APVs evicted because open ones alone were over immunity.store.max-apv-bytes"));
        for (Priority p : Priority.values()) {
            List<Tag> tags = List.of(Tag.create("priority", p.wire()));
            registry.getOrCreate(Gauge.builder("immunity_apvs_open", () -> sla(s -> s.open().get(p)))
                    .tags(tags).description("APVs open now (no merged patch), by priority"));
            registry.getOrCreate(Gauge.builder("immunity_sla_at_risk", () -> sla(s -> s.atRisk().get(p)))
                    .tags(tags).description("Open APVs past immunity.sla.at-risk-ratio of their SLA, not yet breached"));
            registry.getOrCreate(Gauge.builder("immunity_sla_breached", () -> sla(s -> s.breached().get(p)))
                    .tags(tags).description("Open APVs past their SLA deadline"));
            registry.getOrCreate(Gauge.builder("immunity_sla_compliance_ratio", () -> sla(s -> s.complianceByPriority().get(p)))
                    .tags(tags).description("APVs closed within their SLA / APVs closed (NaN before the first closure)"));
            registry.getOrCreate(Gauge.builder("immunity_mttr_seconds", () -> fromSnapshot(m -> m.byPriority().get(p).mttrP50Seconds()))
                    .tags(List.of(Tag.create("priority", p.wire()), Tag.create("quantile", "0.5")))
                    .description("Mean time to remediate, by priority and quantile (NaN before the first remediation)"));
            registry.getOrCreate(Gauge.builder("immunity_mttr_seconds", () -> fromSnapshot(m -> m.byPriority().get(p).mttrP90Seconds()))
                    .tags(List.of(Tag.create("priority", p.wire()), Tag.create("quantile", "0.9")))
                    .description("Mean time to remediate, by priority and quantile (NaN before the first remediation)"));
        }
        registered = true;
    }

    /** One metrics snapshot per second at most, however many gauges a scrape reads. */
    private static volatile dev.immunity.core.model.MetricsSnapshot snapshotCache;
    private static volatile long snapshotNanos;

    private static double sla(java.util.function.Function<dev.immunity.core.sla.SlaSummary, Number> f) {
        return fromSnapshot(m -> m.sla() == null ? null : f.apply(m.sla()));
    }

    private static double fromSnapshot(java.util.function.Function<dev.immunity.core.model.MetricsSnapshot, Number> f) {
        long now = System.nanoTime();
        var snapshot = snapshotCache;
        if (snapshot == null || now - snapshotNanos > 1_000_000_000L) {
            StreamManager m = LIVE.isEmpty() ? null : LIVE.iterator().next();
            if (m == null) {
                return Double.NaN;
            }
            snapshot = m.metrics();
            snapshotCache = snapshot;
            snapshotNanos = now;
        }
        Number n = f.apply(snapshot);
        return n == null ? Double.NaN : n.doubleValue();
    }

    private static void counter(MeterRegistry registry, String name, String description, ToLongFunction<StreamStats> f) {
        registry.getOrCreate(FunctionalCounter.builder(name, f, fn -> sum(fn)).description(description));
    }

    private static long sum(ToLongFunction<StreamStats> f) {
        long total = 0;
        for (StreamManager m : LIVE) {
            total += f.applyAsLong(m.stats());
        }
        return total;
    }

    /**
     * Readiness: the stream serves; with Kafka, the source must also have rebuilt its state and reach the
     * cluster (DOWN otherwise, with the reason in the details; REST and WebSocket keep serving meanwhile).
     */
    static HealthCheck streamHealth(StreamManager stream, KafkaSource kafka, dev.immunity.core.store.EventStore store) {
        return readiness(kafka == null ? "stream" : "kafka", () -> {
            var b = HealthCheckResponse.builder().detail("connections", stream.connectionCount())
                    .detail("apvs_held", store.apvCount());
            if (store.evictedOpen() > 0) {
                b.detail("warning", store.evictedOpen() + " open APVs were evicted: the store is full of open ones;"
                        + " raise immunity.store.max-apv-bytes (and the heap)");
            }
            if (kafka == null) {
                return b.status(true).detail("source", "in-memory").build();
            }
            KafkaSource.Status k = kafka.status();
            b.status(k.ready())
                    .detail("source", "kafka")
                    .detail("phase", k.phase().name().toLowerCase(java.util.Locale.ROOT))
                    .detail("rebuild", kafka.rebuildProgress() == null ? "done" : kafka.rebuildProgress())
                    .detail("broker", k.brokerUp() ? "up" : "down")
                    .detail("dead_lettered", k.deadLettered())
                    .detail("processing_failures", k.failed())
                    .detail("dead_letters_pending", k.deadLettersPending())
                    .detail("dead_letter_topic", k.deadLetterError() == null ? "ok" : "failing: " + k.deadLetterError());
            if (k.lastError() != null && !k.ready()) {
                b.detail("last_error", k.lastError());
            }
            return b.build();
        });
    }

    /**
     * Readiness of the Redis link: DOWN while Redis does not answer (or, with the Redis stream, before the state
     * is rebuilt), with the reason. Events still reach this instance's clients meanwhile (see the README).
     */
    static HealthCheck redisHealth(dev.immunity.core.redis.RedisLink link,
                                   dev.immunity.core.redis.RedisStreamSource source) {
        return readiness("redis", () -> {
            var b = HealthCheckResponse.builder().detail("uri", link.settings().redactedUri());
            boolean up = link.up();
            if (source == null) {
                b.status(up).detail("role", "metrics").detail("redis", up ? "up" : "down");
                if (!up && link.lastError() != null) {
                    b.detail("last_error", link.lastError());
                }
                return b.build();
            }
            var st = source.status();
            b.status(st.ready())
                    .detail("role", "events and metrics")
                    .detail("redis", st.redisUp() ? "up" : "down")
                    .detail("phase", st.phase().name().toLowerCase(java.util.Locale.ROOT))
                    .detail("queued", st.queued())
                    .detail("dropped", st.dropped())
                    .detail("skipped", st.skipped());
            if (!st.ready() && st.lastError() != null) {
                b.detail("last_error", st.lastError());
            }
            return b.build();
        });
    }

    /**
     * Readiness of token verification: DOWN while no signing keys have been loaded from the JWKS URL or the
     * issuer's discovery (every request would be refused), with where they come from and why they are missing.
     * Keys already loaded keep working while the provider is unreachable, and the check stays UP.
     */
    static HealthCheck authKeysHealth(dev.immunity.server.auth.JwtVerifier verifier) {
        return readiness("auth-keys", () -> {
            boolean ready = verifier.keysReady();
            if (!ready) {
                verifier.prefetchKeys(); // nimbus rate-limits the fetches
            }
            return HealthCheckResponse.builder().status(verifier.keysReady())
                    .detail("keys", verifier.keysDescription()).build();
        });
    }

    /** Readiness DOWN once a graceful shutdown has begun (see {@link ImmunityServer#drainAndClose}). */
    static HealthCheck drainHealth(java.util.function.BooleanSupplier draining) {
        return readiness("shutdown", () -> draining.getAsBoolean()
                ? HealthCheckResponse.builder().status(false).detail("state", "draining: shutting down").build()
                : HealthCheckResponse.builder().status(true).detail("state", "serving").build());
    }

    private static HealthCheck readiness(String name, java.util.function.Supplier<HealthCheckResponse> check) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return check.get();
            }
        };
    }
}
