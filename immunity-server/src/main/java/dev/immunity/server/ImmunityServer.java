package dev.immunity.server;

import dev.immunity.core.demo.DemoGenerator;
import dev.immunity.core.demo.DemoStream;
import dev.immunity.core.kafka.KafkaSource;
import dev.immunity.core.metrics.MetricsEngine;
import dev.immunity.core.metrics.MetricsSettings;
import dev.immunity.core.metrics.MttrBasis;
import dev.immunity.core.redis.RedisLink;
import dev.immunity.core.redis.RedisMetricsCache;
import dev.immunity.core.redis.RedisStreamSource;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.server.auth.JwtVerifier;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.rest.ApvApiService;
import dev.immunity.server.rest.ErrorHandling;
import dev.immunity.server.rest.Errors;
import dev.immunity.server.rest.HttpFilters;
import dev.immunity.server.rest.TriggerService;
import dev.immunity.server.rest.AuthConfigService;
import dev.immunity.server.ws.StreamPort;
import dev.immunity.server.ws.StreamEndpoint;
import dev.immunity.server.ws.WsPinger;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;

import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Immunity server: the stream over WebSocket, the REST API, the test trigger, the page, OpenAPI,
 * health and Prometheus metrics, all on one port; and, when configured, the stream on a port of its own
 * on Netty ({@link StreamPort}). {@link #start} wires the real thing; the CLI and
 * the tests both use it.
 */
public final class ImmunityServer implements AutoCloseable {
    /** The WebSocket path. */
    public static final String WS_PATH = "/ws/adaptive-immunity";
    /** The REST API prefix. */
    public static final String API_PATH = "/api/adaptive-immunity";

    private static final System.Logger LOG = System.getLogger(ImmunityServer.class.getName());

    private final ServerSettings settings;
    private final EventStore store;
    private final StreamManager stream;
    private final ScheduledExecutorService scheduler;
    private final WsPinger pinger;
    private final DemoStream demo;
    private final KafkaSource kafka;
    private final RedisLink redis;
    private final RedisMetricsCache sharedMetrics;
    private final RedisStreamSource redisSource;
    private final dev.immunity.server.notify.Notifier notifier;
    /** Set when a graceful shutdown begins: readiness turns DOWN so load balancers stop sending new clients. */
    private volatile boolean draining;
    private final EventIngress ingress;
    private final WebServer server;
    private final JwtVerifier verifier;
    private final HostCheck hostCheck;
    private final OriginCheck originCheck;
    private final RequestDeadlines deadlines;
    private final dev.immunity.server.rest.ReadBudget readBudget;
    /** The stream's own port, when configured. */
    private StreamPort streamTransport;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ImmunityServer(ServerSettings settings, InstantSource clock) {
        this.settings = settings;
        this.store = new EventStore(settings.store());
        MetricsEngine metrics = new MetricsEngine(clock,
                MetricsSettings.defaults().withMttrBasis(MttrBasis.fromWire(settings.mttrBasis())));
        // The demo runs on minutes, not days: unless an SLA was set, its clocks run on the demo's.
        var slaPolicy = settings.demo() && settings.sla().equals(dev.immunity.core.sla.SlaPolicy.defaults())
                ? dev.immunity.core.sla.SlaPolicy.demo() : settings.sla();
        this.stream = new StreamManager(store, metrics, settings.stream(), clock,
                new dev.immunity.core.sla.SlaClock(slaPolicy, MttrBasis.fromWire(settings.mttrBasis()), settings.ownership()));
        this.scheduler = Executors.newScheduledThreadPool(1,
                Thread.ofPlatform().name("immunity-server-scheduler").daemon(true).factory());
        this.verifier = settings.auth().enabled() ? new JwtVerifier(settings.auth(), clock) : null;
        Set<StreamEndpoint> open = ConcurrentHashMap.newKeySet();
        this.pinger = new WsPinger(open, settings.ws().pingInterval(), scheduler);
        this.kafka = settings.kafka() == null ? null : new KafkaSource(settings.kafka(), settings.limits().ingest(), stream, clock);
        this.redis = settings.redis() == null ? null : new RedisLink(settings.redis());
        this.sharedMetrics = redis == null ? null : new RedisMetricsCache(redis);
        // With Kafka, Kafka is the source of truth for events and Redis only shares metrics.
        this.redisSource = redis == null || kafka != null ? null : new RedisStreamSource(redis, settings.limits().ingest(), stream, clock);
        this.notifier = settings.notifications().routes().isEmpty() ? null : new dev.immunity.server.notify.Notifier(
                settings.notifications(), stream, settings.ownership(), store::apv, redis, clock);
        this.ingress = kafka != null ? EventIngress.kafka(kafka)
                : redisSource != null ? EventIngress.redis(redisSource)
                : EventIngress.direct(stream);

        this.hostCheck = HostCheck.of(settings.host(), settings.limits().allowedHosts());
        this.deadlines = new RequestDeadlines(settings.limits().headerTimeout());
        this.originCheck = new OriginCheck(settings.ws().allowedOrigins(), settings.limits().allowedHosts());
        dev.immunity.server.ws.ConnectionGuard wsPerAddress = settings.limits().maxConnectionsPerIp() > 0
                ? new dev.immunity.server.ws.ConnectionGuard(Integer.MAX_VALUE, settings.limits().maxConnectionsPerIp()) : null;
        HttpRouting.Builder http = HttpRouting.builder()
                .addFilter(HttpFilters.hostCheck(hostCheck))
                .addFilter(HttpFilters.securityHeaders(settings.auth()));
        if (verifier != null) {
            http.addFilter(HttpFilters.auth(verifier, settings.auth().triggerScope()));
            if (!settings.limits().observePublic()) {
                http.addFilter(HttpFilters.metricsAuth(verifier, settings.limits().metricsScope()));
            }
        }
        if (settings.limits().readBytesPerSecond() > 0) {
            this.readBudget = new dev.immunity.server.rest.ReadBudget(settings.limits().readBytesPerSecond(), clock);
            http.addFilter(readBudget.filter(API_PATH + "/"));
        } else {
            this.readBudget = null;
        }
        http.register(API_PATH, new ApvApiService(store, stream, this::metricsAnswer));
        http.register(API_PATH, new AuthConfigService(settings.auth()));
        if (settings.trigger().enabled()) {
            http.register("/api/test", new TriggerService(ingress, store, scheduler,
                    settings.trigger().ratePerSecond(),
                    Math.min(settings.maxRequestBytes(), settings.limits().ingest().maxApvBytes()), clock));
        }
        // Unknown API paths answer JSON like every other API error (the page's static files are not under /api).
        http.any("/api/*", (req, res) -> Errors.send(req, res, io.helidon.http.Status.NOT_FOUND_404,
                "no such endpoint: see /openapi"));
        ErrorHandling.register(http);

        WsRouting.Builder ws = WsRouting.builder().endpoint(WS_PATH,
                () -> new StreamEndpoint(stream, settings.ws(), verifier, scheduler, open, clock, originCheck, this::port, wsPerAddress));

        this.server = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                // A hard cap before routing; bodies up to it get a JSON 413 from the services' own limit.
                .maxPayloadSize(Math.max(settings.maxRequestBytes() * 4, 16L * 1024 * 1024))
                .shutdownHook(false)
                .idleConnectionTimeout(settings.ws().idleTimeout())
                .idleConnectionPeriod(min(settings.ws().idleTimeout().dividedBy(4), java.time.Duration.ofMinutes(1)))
                .connectionOptions(o -> o.tcpNoDelay(true))
                .maxTcpConnections(httpPortConnections(settings))
                .useNio(false) // blocking sockets: no 8 KB NIO write buffer per connection
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder()
                        .addReceiveListener(deadlines) // Helidon 4.5 applies no socket read timeout itself
                        .build())
                .addProtocol(WsConfig.builder()
                        .name("websocket")
                        .origins(allowedOrigins(settings))
                        .maxFrameLength(settings.ws().maxMessageBytes())
                        .build())
                .addFeature(ObserveFeature.builder()
                        .addObserver(HealthObserver.builder()
                                .details(true)
                                .addCheck(ServerMeters.streamHealth(stream, kafka, store))
                                .addCheck(ServerMeters.drainHealth(() -> draining))
                                .addChecks(redis == null ? new io.helidon.health.HealthCheck[0]
                                        : new io.helidon.health.HealthCheck[] {ServerMeters.redisHealth(redis, redisSource)})
                                .addChecks(verifier == null ? new io.helidon.health.HealthCheck[0]
                                        : new io.helidon.health.HealthCheck[] {ServerMeters.authKeysHealth(verifier)})
                                .build())
                        .addObserver(MetricsObserver.create())
                        .build())
                .addFeature(OpenApiFeature.create())
                .addFeature(StaticContentFeature.builder()
                        .addClasspath(cp -> cp.location("web").context("/").welcome("index.html"))
                        .addClasspath(cp -> cp.location("web/index.html").context("/adaptive-immunity").singleFile(true))
                        .build())
                .routing(http)
                .addRouting(ws)
                .build();
        if (settings.demo()) {
            DemoGenerator generator = new DemoGenerator(System.nanoTime(), clock);
            if (kafka == null && redisSource == null) {
                // The last half hour first, so every number on the dashboard has data from the start.
                // (With Kafka or Redis the topics or stream keep what earlier runs produced.)
                DemoStream.backlog(generator, 40, java.time.Duration.ofMinutes(30)).forEach(stream::publish);
            }
            this.demo = new DemoStream(generator, ingress::submit, settings.demoInterval());
        } else {
            this.demo = null;
        }
    }

    /**
     * What {@code GET /metrics} answers: this instance's engine once its state is complete (it reads the
     * same events as every other instance, so the numbers agree); while it is still rebuilding at start,
     * the copy shared through Redis if there is one (so a restarted instance answers correctly at once).
     */
    private Object metricsAnswer() {
        if (sharedMetrics != null && !stateComplete()) {
            var shared = sharedMetrics.shared();
            if (shared.isPresent()) {
                try {
                    return dev.immunity.core.json.Json.parse(shared.get());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "shared metrics unreadable; answering with the local ones", e);
                }
            }
        }
        return stream.metrics();
    }

    /** Whether this instance has read all the retained events (so its own metrics are the whole truth). */
    private boolean stateComplete() {
        return redisSource != null ? redisSource.status().phase() == RedisStreamSource.Phase.LIVE
                : kafka == null || kafka.phase() == KafkaSource.Phase.LIVE;
    }

    /** Writes the shared metrics copy when this instance's state is complete (never partial numbers). */
    private void shareMetrics() {
        try {
            if (stateComplete()) {
                sharedMetrics.refresh(stream.metrics());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "shared metrics write failed", e);
        }
    }

    /**
     * The browser origins allowed to open the stream, matched exactly (scheme, host and port): the configured
     * {@code immunity.ws.allowed-origins}, and the server's own page as every host name it answers to reaches it:
     * {@code http://NAME:PORT} for the loopback names (bound to loopback) or for each of
     * {@code immunity.http.allowed-hosts} (then also {@code https://NAME} and {@code http://NAME}, as through a
     * proxy on the default ports). Bound elsewhere with neither list, empty: Helidon then requires the
     * {@code Origin}'s host and port to be the {@code Host}'s.
     */
    static Set<String> allowedOrigins(ServerSettings settings) {
        Set<String> origins = new java.util.LinkedHashSet<>(settings.ws().allowedOrigins());
        List<String> listed = settings.limits().allowedHosts();
        if (settings.port() > 0 && (HostCheck.isLoopback(settings.host()) || !listed.isEmpty())) {
            List<String> names = new java.util.ArrayList<>(List.of("localhost", "127.0.0.1", "[::1]"));
            names.addAll(listed);
            for (String h : names) {
                origins.add("http://" + h + ":" + settings.port());
            }
            for (String h : listed) {
                origins.add("https://" + h);
                origins.add("http://" + h);
            }
        }
        return origins;
    }

    /**
     * The HTTP port's share of {@code immunity.http.max-connections}: all of it without the stream port; with it,
     * a thirty-second (at least 64), since the stream port is where many clients go. Helidon takes no connection
     * beyond it (they wait in the listen backlog), so the two ports together never exhaust the open-file limit.
     */
    static int httpPortConnections(ServerSettings settings) {
        int total = settings.limits().maxConnections();
        return settings.streamPort() < 0 ? total : Math.max(Math.min(64, total), total / 32);
    }

    private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Starts a server with the given settings on the system clock. */
    public static ImmunityServer start(ServerSettings settings) {
        return start(settings, InstantSource.system());
    }

    /** Starts a server with the given settings and clock. */
    public static ImmunityServer start(ServerSettings settings, InstantSource clock) {
        ClientErrorLogs.install();
        ImmunityServer s = new ImmunityServer(settings, clock);
        s.deadlines.start(s.scheduler);
        if (s.readBudget != null) {
            s.readBudget.start(s.scheduler);
        }
        s.stream.start();
        s.server.start();
        if (settings.streamPort() >= 0) {
            try {
                s.streamTransport = StreamPort.start(settings.host(), settings.streamPort(), s.stream, settings.ws(),
                        s.verifier, settings.stream().closeTimeout(), s.server::port, s.scheduler, clock, settings.limits(),
                        s.hostCheck, s.originCheck,
                        Math.max(1, settings.limits().maxConnections() - httpPortConnections(settings)));
            } catch (java.io.IOException e) {
                s.close();
                throw new java.io.UncheckedIOException("cannot listen on stream port " + settings.streamPort() + ": "
                        + e.getMessage(), e);
            }
        }
        ServerMeters.add(s.stream, s.kafka, s.store); // after start: the metrics feature has set up the registry
        if (s.notifier != null) {
            ServerMeters.addNotifier(s.notifier);
            s.notifier.start();
        }
        if (s.kafka != null) {
            s.kafka.start(); // after the web server: REST and WebSocket serve even while Kafka is down
        }
        if (s.redis != null) {
            s.redis.start(); // likewise: Redis may be down, nothing waits for it
            s.scheduler.scheduleWithFixedDelay(s::shareMetrics, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (s.redisSource != null) {
            s.redisSource.start();
        }
        if (s.verifier != null && s.verifier.settings().remoteKeys()) {
            s.scheduler.execute(s.verifier::prefetchKeys); // readiness reports the keys' state meanwhile
        }
        if (settings.trigger().enabled() && (settings.kafka() != null || settings.redis() != null)) {
            LOG.log(System.Logger.Level.WARNING, "the test trigger (POST /api/test/trigger-apv) is ON and writes into "
                    + (settings.kafka() != null ? "the Kafka APV topic " + settings.kafka().apvTopic()
                    : "the Redis stream " + settings.redis().streamKey())
                    + ", which the real pipeline reads; its APVs carry source_feed=" + dev.immunity.core.model.Apv.TRIGGER_SOURCE_FEED
                    + ". Unset immunity.trigger.enabled to turn it off.");
        }
        s.pinger.start();
        if (s.demo != null) {
            s.demo.start();
        }
        LOG.log(System.Logger.Level.INFO, "Immunity listening on http://" + settings.host() + ":" + s.port()
                + (s.streamTransport != null ? " (stream also on port " + s.streamPort() + ", "
                + s.streamTransport.transport() + ")" : "")
                + (settings.demo() ? " (demo stream on)" : "") + (settings.auth().enabled() ? " (JWT auth on)" : "")
                + (settings.kafka() != null ? " (events from Kafka at " + settings.kafka().bootstrapServers() + ")" : "")
                + (s.redisSource != null ? " (events fanned out through Redis at " + settings.redis().redactedUri() + ")"
                : s.redis != null ? " (metrics shared through Redis at " + settings.redis().redactedUri() + ")" : ""));
        return s;
    }

    /** The port the server is bound to. */
    public int port() {
        return server.port();
    }

    /** The stream's own port (Netty), or -1 when it is not configured. */
    public int streamPort() {
        return streamTransport == null ? -1 : streamTransport.port();
    }

    /** The stream port's I/O transport ({@code epoll}, {@code io_uring} or {@code nio}), or null when it is off. */
    public String streamPortTransport() {
        return streamTransport == null ? null : streamTransport.transport();
    }

    /**
     * Sends an APV or patch in the way the trigger does: to Kafka or the Redis stream when configured (so it
     * reaches every instance's clients), else straight into this server's stream.
     */
    public java.util.concurrent.CompletableFuture<java.util.Map<String, Object>> submit(dev.immunity.core.model.Event event) {
        return ingress.submit(event);
    }

    /**
     * The stream manager: publish events into this server only (embedding code, tests); use {@link #submit} to
     * reach every instance.
     */
    public StreamManager stream() {
        return stream;
    }

    /** The Kafka source, when Kafka is configured. */
    public java.util.Optional<KafkaSource> kafka() {
        return java.util.Optional.ofNullable(kafka);
    }

    /** The Redis stream source, when Redis is configured without Kafka. */
    public java.util.Optional<RedisStreamSource> redisSource() {
        return java.util.Optional.ofNullable(redisSource);
    }

    /** The notifier, when notification routes are configured. */
    public dev.immunity.server.notify.Notifier notifier() {
        return notifier;
    }

    /** The event store behind the REST API. */
    public EventStore store() {
        return store;
    }

    public ServerSettings settings() {
        return settings;
    }

    /**
     * A graceful shutdown (what SIGTERM does): readiness turns DOWN at once, then after {@code delay} (time for the
     * load balancer's health checks to notice) the stream clients are closed with 1001 spread over {@code window},
     * so that they do not all reconnect to the other instances in the same second; then the server stops.
     */
    public void drainAndClose(java.time.Duration delay, java.time.Duration window) {
        draining = true;
        LOG.log(System.Logger.Level.INFO, "shutting down: not ready; closing " + stream.connectionCount()
                + " stream clients over " + window.toMillis() + " ms after " + delay.toMillis() + " ms");
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stream.closeClientsOver(window);
        close();
    }

    /** Closes every stream client with 1001, then stops the server. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (demo != null) {
            demo.close();
        }
        if (notifier != null) {
            notifier.close();
            ServerMeters.removeNotifier(notifier);
        }
        if (kafka != null) {
            kafka.close();
        }
        if (redisSource != null) {
            redisSource.close();
        }
        if (redis != null) {
            redis.close();
        }
        stream.stop();
        if (streamTransport != null) {
            streamTransport.close(); // after the manager's 1001 closes, which it gives a moment to go out
        }
        scheduler.shutdownNow();
        server.stop();
        ServerMeters.remove(stream, kafka, store);
    }
}
