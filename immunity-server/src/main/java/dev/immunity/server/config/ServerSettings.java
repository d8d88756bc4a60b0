package dev.immunity.server.config;

import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.core.store.StoreSettings;
import dev.immunity.core.stream.StreamSettings;
import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.ws.WsSettings;

import java.time.Duration;

/**
 * Everything the server needs to start, mapped from configuration by {@link ServerConfig}.
 *
 * @param host            address to bind
 * @param port            port to bind (0 = any free port)
 * @param streamPort      a second port serving only the stream, on Netty (0 = any free port);
 *                        -1 (the default) for none
 * @param demo            whether to run the demo stream
 * @param demoInterval    mean time between demo APVs
 * @param maxRequestBytes largest request body accepted (larger answers 413)
 * @param trigger         the test trigger endpoint
 * @param ws              the WebSocket endpoint
 * @param stream          fan-out, heartbeat and resume
 * @param store           how much state is kept
 * @param mttrBasis       {@code merged} or {@code applied}: what ends the MTTR clock
 * @param auth            JWT auth (off by default)
 * @param kafka           where events come from when Kafka is configured; null on embedded defaults
 * @param redis           shared metrics, and fan-out across instances when Kafka is not configured; null when off
 * @param limits          what a client is allowed: sizes, connections, timeouts, host names
 * @param sla             the remediation SLA per priority
 * @param ownership       which team owns which service (empty without an ownership file)
 * @param notifications   notification routes (none by default)
 * @param shutdown        the graceful shutdown on SIGTERM
 */
public record ServerSettings(String host, int port, int streamPort, boolean demo, Duration demoInterval, long maxRequestBytes,
                             TriggerSettings trigger, WsSettings ws, StreamSettings stream, StoreSettings store,
                             String mttrBasis, AuthSettings auth, KafkaSettings kafka, RedisSettings redis,
                             LimitSettings limits, dev.immunity.core.sla.SlaPolicy sla,
                             dev.immunity.core.sla.Ownership ownership,
                             dev.immunity.server.notify.NotifySettings notifications, Shutdown shutdown) {

    /**
     * The graceful shutdown: readiness turns DOWN, then after {@code drainDelay} the stream clients are closed with 1001
     * spread over {@code closeWindow}.
     */
    public record Shutdown(Duration drainDelay, Duration closeWindow) {
    }

    /**
     * The test trigger.
     *
     * @param enabled       whether {@code POST /api/test/trigger-apv} exists
     * @param ratePerSecond sustained requests per second accepted (a burst of twice that is allowed); beyond it 429
     */
    public record TriggerSettings(boolean enabled, int ratePerSecond) {
    }

    /** Defaults, with an ephemeral port: for tests and embedding. */
    public static ServerSettings forTests() {
        return ServerConfig.load(java.util.Map.of("immunity.port", "0", "immunity.host", "127.0.0.1"), java.util.Map.of());
    }

    public ServerSettings withPort(int p) {
        return new ServerSettings(host, p, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withStreamPort(int p) {
        return new ServerSettings(host, port, p, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withKafka(KafkaSettings k) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, k, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withDemo(boolean on) {
        return new ServerSettings(host, port, streamPort, on, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withStream(StreamSettings s) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, s, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withWs(WsSettings w) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, w, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withAuth(AuthSettings a) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                a, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withTrigger(TriggerSettings t) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, t, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withRedis(RedisSettings r) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, r, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withStore(StoreSettings s) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, s, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, notifications, shutdown);
    }

    public ServerSettings withSla(dev.immunity.core.sla.SlaPolicy policy) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, policy, ownership, notifications, shutdown);
    }

    public ServerSettings withNotifications(dev.immunity.server.notify.NotifySettings n) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, limits, sla, ownership, n, shutdown);
    }

    public ServerSettings withLimits(LimitSettings l) {
        return new ServerSettings(host, port, streamPort, demo, demoInterval, maxRequestBytes, trigger, ws, stream, store, mttrBasis,
                auth, kafka, redis, l, sla, ownership, notifications, shutdown);
    }
}
