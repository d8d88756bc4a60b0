package dev.immunity.server.config;

import dev.immunity.core.kafka.KafkaSettings;
import dev.immunity.core.redis.RedisSettings;
import dev.immunity.core.store.StoreSettings;
import dev.immunity.core.stream.StreamSettings;
import dev.immunity.server.auth.AuthSettings;
import dev.immunity.server.ws.WsSettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps configuration to {@link ServerSettings}. Every key has an environment variable (the key in
 * upper case with {@code .} and {@code -} as {@code _}: {@code immunity.stream.queue-capacity} is
 * {@code IMMUNITY_STREAM_QUEUE_CAPACITY}). Precedence: command-line options, then environment
 * variables, then the YAML file named by {@code IMMUNITY_CONFIG} (or {@code --config}), then defaults.
 * A wrong value fails at start with the key's name.
 */
public final class ServerConfig {
    /** Every key, its default (null = unset) and what it means; the README's table is made from this. */
    public static final Map<String, Key> KEYS = keys(
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

    private final Config config;

    private ServerConfig(Config config) {
        this.config = config;
    }

    /**
     * Loads settings.
     *
     * @param overrides keys set on the command line (highest precedence)
     * @param env       the environment ({@code System.getenv()})
     */
    public static ServerSettings load(Map<String, String> overrides, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        for (Key k : KEYS.values()) {
            if (env.containsKey(k.env())) {
                values.put(k.name(), env.get(k.env()));
            }
        }
        values.putAll(overrides);
        var builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values));
        String file = Optional.ofNullable(overrides.get("immunity.config")).orElse(env.get("IMMUNITY_CONFIG"));
        if (file != null && !file.isBlank()) {
            Path path = Path.of(file);
            if (!Files.isReadable(path)) {
                throw new ConfigException("immunity.config: cannot read " + path);
            }
            builder.addSource(ConfigSources.file(path));
        }
        return new ServerConfig(builder.build()).settings();
    }

    private ServerSettings settings() {
        StreamSettings stream = StreamSettings.defaults();
        stream = new StreamSettings(
                intValue("immunity.stream.history-size", 1, 10_000_000),
                intValue("immunity.stream.queue-capacity", 1, 10_000_000),
                duration("immunity.stream.heartbeat-interval"),
                stream.metricsInterval(),
                intValue("immunity.stream.snapshot-apvs", 0, 10_000),
                stream.snapshotPatches(),
                duration("immunity.stream.close-timeout"),
                stream.maxBatchBytes(),
                intValue("immunity.stream.max-replay-events", 1, 10_000_000),
                intValue("immunity.stream.max-snapshot-bytes", 1024, Integer.MAX_VALUE),
                longValue("immunity.stream.history-max-bytes", 64 * 1024));
        WsSettings ws = new WsSettings(
                list("immunity.ws.allowed-origins"),
                intValue("immunity.ws.max-message-bytes", 128, 16 * 1024 * 1024),
                duration("immunity.ws.ping-interval"),
                duration("immunity.ws.idle-timeout"),
                delay("immunity.ws.write-delay", Duration.ofSeconds(1)),
                transport(),
                bool("immunity.ws.deflate"));
        String basis = text("immunity.metrics.mttr-basis").orElseThrow().toLowerCase(Locale.ROOT);
        if (!basis.equals("merged") && !basis.equals("applied")) {
            throw new ConfigException("immunity.metrics.mttr-basis: must be merged or applied (got \"" + basis + "\")");
        }
        return new ServerSettings(
                text("immunity.host").orElseThrow(),
                intValue("immunity.port", 0, 65535),
                text("immunity.stream-port").isPresent() ? intValue("immunity.stream-port", 0, 65535) : -1,
                bool("immunity.demo.enabled"),
                duration("immunity.demo.interval"),
                intValue("immunity.http.max-request-bytes", 1024, Integer.MAX_VALUE),
                new ServerSettings.TriggerSettings(text("immunity.trigger.enabled").isPresent()
                        ? bool("immunity.trigger.enabled")
                        : text("immunity.kafka.bootstrap-servers").isEmpty() && text("immunity.redis.uri").isEmpty(),
                        intValue("immunity.trigger.rate-per-second", 1, 1_000_000)),
                ws,
                stream,
                new StoreSettings(intValue("immunity.store.max-apvs", 1, 10_000_000),
                        intValue("immunity.store.max-patches", 1, 10_000_000),
                        text("immunity.store.max-apv-bytes").orElse("auto").equalsIgnoreCase("auto")
                                ? Math.max(64L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 4)
                                : longValue("immunity.store.max-apv-bytes", 64 * 1024),
                        intValue("immunity.store.max-diff-bytes", 1024, 64 * 1024 * 1024)),
                basis,
                auth(),
                kafka(),
                redis(),
                limits(),
                sla(),
                ownership(),
                notifications(),
                new ServerSettings.Shutdown(delay("immunity.shutdown.drain-delay", Duration.ofMinutes(5)),
                        delay("immunity.shutdown.close-window", Duration.ofMinutes(5))));
    }

    /** The notification routes ({@code immunity.notify.routes}, a list in the YAML file) and how they deliver. */
    private dev.immunity.server.notify.NotifySettings notifications() {
        List<dev.immunity.server.notify.NotifySettings.Route> routes = new java.util.ArrayList<>();
        List<Config> nodes = config.get("immunity.notify.routes").asNodeList().orElse(List.of());
        for (int i = 0; i < nodes.size(); i++) {
            Config r = nodes.get(i);
            String where = "immunity.notify.routes[" + i + "]";
            try {
                String name = r.get("name").asString().orElseThrow(() -> new IllegalArgumentException("name is required"));
                String url = r.get("url").asString().orElseThrow(() -> new IllegalArgumentException("url is required"));
                var format = dev.immunity.server.notify.NotifySettings.Format.valueOf(
                        r.get("format").asString().orElse("generic").strip().toUpperCase(Locale.ROOT));
                List<String> events = r.get("events").asList(String.class).orElse(List.of());
                var eventSet = events.isEmpty() ? java.util.EnumSet.allOf(dev.immunity.server.notify.NotifySettings.Event.class)
                        : events.stream().map(dev.immunity.server.notify.NotifySettings.Event::fromWire)
                        .collect(java.util.stream.Collectors.toCollection(
                                () -> java.util.EnumSet.noneOf(dev.immunity.server.notify.NotifySettings.Event.class)));
                List<String> priorities = r.get("priority").asList(String.class).orElse(List.of()).stream()
                        .map(p -> p.strip().toLowerCase(Locale.ROOT)).toList();
                for (String p : priorities) {
                    if (dev.immunity.core.model.Priority.fromWire(p) == null) {
                        throw new IllegalArgumentException("priority: must be critical, high, medium or low (got " + p + ")");
                    }
                }
                routes.add(new dev.immunity.server.notify.NotifySettings.Route(name, java.net.URI.create(url.strip()), format,
                        r.get("secret").asString().orElse(null), eventSet, java.util.Set.copyOf(priorities),
                        java.util.Set.copyOf(r.get("services").asList(String.class).orElse(List.of())),
                        java.util.Set.copyOf(r.get("teams").asList(String.class).orElse(List.of()))));
            } catch (IllegalArgumentException | io.helidon.config.ConfigException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
        }
        try {
            return new dev.immunity.server.notify.NotifySettings(routes, duration("immunity.notify.timeout"),
                    intValue("immunity.notify.max-attempts", 1, 100), duration("immunity.notify.backoff"),
                    duration("immunity.notify.digest-window"), duration("immunity.notify.min-interval"),
                    intValue("immunity.notify.queue-capacity", 1, 1_000_000));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("immunity.notify.routes: " + e.getMessage());
        }
    }

    /**
     * The ownership file ({@code immunity.ownership.file}): YAML, one list of services per team under {@code teams}:
     * <pre>teams:
     *   payments: [payments-api, checkout]
     *   platform: [auth-service]</pre>
     */
    private dev.immunity.core.sla.Ownership ownership() {
        Optional<String> file = text("immunity.ownership.file").filter(f -> !f.isBlank());
        if (file.isEmpty()) {
            return dev.immunity.core.sla.Ownership.NONE;
        }
        Path path = Path.of(file.get());
        if (!Files.isReadable(path)) {
            throw new ConfigException("immunity.ownership.file: cannot read " + path);
        }
        try {
            Config teams = Config.just(ConfigSources.file(path)).get("teams");
            if (!teams.exists()) {
                throw new ConfigException("immunity.ownership.file: " + path + " has no 'teams' (teams: {TEAM: [SERVICE, …]})");
            }
            Map<String, List<String>> map = new LinkedHashMap<>();
            for (Config team : teams.asNodeList().orElse(List.of())) {
                map.put(team.name(), team.asList(String.class).orElse(List.of()));
            }
            return new dev.immunity.core.sla.Ownership(map);
        } catch (io.helidon.config.ConfigException | IllegalArgumentException e) {
            throw new ConfigException("immunity.ownership.file: " + path + ": " + e.getMessage());
        }
    }

    private dev.immunity.core.sla.SlaPolicy sla() {
        Map<dev.immunity.core.model.Priority, Duration> d = new java.util.EnumMap<>(dev.immunity.core.model.Priority.class);
        for (dev.immunity.core.model.Priority p : dev.immunity.core.model.Priority.values()) {
            d.put(p, duration("immunity.sla." + p.wire()));
        }
        String key = "immunity.sla.at-risk-ratio";
        String v = text(key).orElse("0.75");
        try {
            return new dev.immunity.core.sla.SlaPolicy(d, Double.parseDouble(v));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": must be a number above 0 and below 1 (got \"" + v + "\")");
        }
    }

    private LimitSettings limits() {
        String max = text("immunity.http.max-connections").orElse("auto");
        int maxConnections = max.equalsIgnoreCase("auto") ? autoMaxConnections()
                : intValue("immunity.http.max-connections", 1, 10_000_000);
        try {
            return new LimitSettings(
                    new dev.immunity.core.json.IngestLimits(intValue("immunity.ingest.max-apv-bytes", 1024, 64 * 1024 * 1024),
                            intValue("immunity.ingest.max-patch-bytes", 1024, 64 * 1024 * 1024)),
                    list("immunity.http.allowed-hosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
                    maxConnections,
                    intValue("immunity.http.max-connections-per-ip", 0, 10_000_000),
                    duration("immunity.http.header-timeout"),
                    bool("immunity.observe.public"),
                    text("immunity.auth.metrics-scope").orElseThrow(),
                    intValue("immunity.http.read-bytes-per-second", 0, Integer.MAX_VALUE),
                    intValue("immunity.stream.max-replay-events", 1, 10_000_000),
                    intValue("immunity.stream.max-snapshot-bytes", 1024, Integer.MAX_VALUE),
                    intValue("immunity.ws.max-fragments", 1, 1_000_000));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The open-file limit of this process less what is open already (jars, logs) and a reserve of 128 for what
     * opens later (Kafka and Redis connections, files), so clients can never exhaust it.
     */
    static int autoMaxConnections() {
        long limit = 4096;
        long open = 256;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
            open = unix.getOpenFileDescriptorCount();
        }
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, limit - open - 128));
    }

    private KafkaSettings kafka() {
        Optional<String> servers = text("immunity.kafka.bootstrap-servers");
        if (servers.isEmpty()) {
            return null;
        }
        Map<String, String> props = new LinkedHashMap<>();
        Optional<String> file = text("immunity.kafka.properties-file");
        if (file.isPresent()) {
            var p = new java.util.Properties();
            try (var in = Files.newBufferedReader(Path.of(file.get()))) {
                p.load(in);
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("immunity.kafka.properties-file: cannot read " + file.get());
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        }
        for (String pair : text("immunity.kafka.client-properties").map(v -> v.split(";")).orElse(new String[0])) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("immunity.kafka.client-properties: expected key=value;key=value (got \""
                        + pair.strip() + "\")");
            }
            props.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        String group = text("immunity.kafka.group-id").orElseGet(() -> "immunity-" + hostName() + "-"
                + intValue("immunity.port", 0, 65535));
        Duration lookBack = text("immunity.kafka.look-back").isPresent() ? duration("immunity.kafka.look-back") : null;
        try {
            return new KafkaSettings(servers.get(), text("immunity.kafka.apv-topic").orElseThrow(),
                    text("immunity.kafka.patches-topic").orElseThrow(), text("immunity.kafka.dlq-topic").orElseThrow(),
                    group, lookBack, bool("immunity.kafka.create-topics"),
                    intValue("immunity.kafka.partitions", 1, 10_000), props);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("immunity.kafka: " + e.getMessage());
        }
    }

    private RedisSettings redis() {
        Optional<String> uri = text("immunity.redis.uri");
        if (uri.isEmpty()) {
            return null;
        }
        long maxLength = intValue("immunity.redis.stream-max-length", 1, Integer.MAX_VALUE);
        try {
            return new RedisSettings(uri.get(), text("immunity.redis.stream-key").orElseThrow(), maxLength,
                    text("immunity.redis.metrics-key").orElseThrow(), duration("immunity.redis.metrics-ttl"),
                    duration("immunity.redis.command-timeout"), intValue("immunity.redis.outbox-capacity", 0, 10_000_000));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("immunity.redis: " + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private AuthSettings auth() {
        Optional<String> secret = text("immunity.auth.hs256-secret");
        Optional<String> pem = text("immunity.auth.public-key");
        Optional<String> pemFile = text("immunity.auth.public-key-file");
        Optional<String> jwks = text("immunity.auth.jwks-uri");
        Optional<String> issuer = text("immunity.auth.issuer");
        if (pem.isEmpty() && pemFile.isPresent()) {
            try {
                pem = Optional.of(Files.readString(Path.of(pemFile.get())));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("immunity.auth.public-key-file: cannot read " + pemFile.get());
            }
        }
        if (secret.isEmpty() && pem.isEmpty() && jwks.isEmpty() && issuer.isEmpty()) {
            if (text("immunity.auth.oidc.client-id").isPresent()) {
                throw new ConfigException("immunity.auth.oidc.client-id: needs immunity.auth.issuer");
            }
            return AuthSettings.disabled();
        }
        try {
            java.net.URI jwksUri = null;
            if (jwks.isPresent()) {
                try {
                    jwksUri = java.net.URI.create(jwks.get());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("immunity.auth.jwks-uri: not a URL (got \"" + jwks.get() + "\")");
                }
            }
            AuthSettings.OidcClient oidc = text("immunity.auth.oidc.client-id")
                    .map(id -> new AuthSettings.OidcClient(id, list("immunity.auth.oidc.scopes", " ")))
                    .orElse(null);
            return new AuthSettings(true, secret.orElse(null),
                    pem.map(AuthSettings::parsePublicKeyPem).orElse(null), jwksUri,
                    text("immunity.auth.algorithm").orElse(null), issuer.orElse(null),
                    text("immunity.auth.audience").orElse(null), text("immunity.auth.trigger-scope").orElse(null),
                    text("immunity.auth.clock-skew").filter(v -> v.matches("0+(ms|s)?")).isPresent() ? Duration.ZERO
                            : duration("immunity.auth.clock-skew"),
                    duration("immunity.auth.max-token-lifetime"), oidc);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private Optional<String> text(String key) {
        Optional<String> v = config.get(key).asString().asOptional().map(String::strip).filter(s -> !s.isEmpty());
        return v.isPresent() ? v : Optional.ofNullable(KEYS.get(key).defaultValue()).filter(s -> !s.isEmpty());
    }

    private int intValue(String key, int min, int max) {
        String v = text(key).orElseThrow(() -> new ConfigException(key + ": is required"));
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(key + ": must be between " + min + " and " + max + " (got " + n + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": must be a whole number (got \"" + v + "\")");
        }
    }

    private long longValue(String key, long min) {
        String v = text(key).orElseThrow(() -> new ConfigException(key + ": is required"));
        try {
            long n = Long.parseLong(v);
            if (n < min) {
                throw new ConfigException(key + ": must be at least " + min + " (got " + n + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": must be a whole number of bytes (got \"" + v + "\")");
        }
    }

    private boolean bool(String key) {
        String v = text(key).orElse("false").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new ConfigException(key + ": must be true or false (got \"" + v + "\")");
        };
    }

    private WsSettings.IoTransport transport() {
        String v = text("immunity.ws.transport").orElse("auto");
        try {
            return WsSettings.IoTransport.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("immunity.ws.transport: must be auto, epoll, io_uring or nio (got \"" + v + "\")");
        }
    }

    private Duration duration(String key) {
        String v = text(key).orElseThrow(() -> new ConfigException(key + ": is required"));
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": must be a duration such as 500ms, 30s, 5m or PT30S (got \"" + v + "\")");
        }
    }

    /** A duration that may also be zero ({@code 0}, {@code 0ms}), at most {@code max}. */
    private Duration delay(String key, Duration max) {
        if (text(key).orElse("0").matches("0+(ms|s)?")) {
            return Duration.ZERO;
        }
        Duration d = duration(key);
        if (d.compareTo(max) > 0) {
            throw new ConfigException(key + ": must be at most " + max.toMillis() + "ms (got " + d.toMillis() + "ms)");
        }
        return d;
    }

    private List<String> list(String key) {
        return list(key, ",");
    }

    /** A list split on {@code separators} (a regex character class body), blanks dropped. */
    private List<String> list(String key, String separators) {
        return text(key).map(s -> Arrays.stream(s.split("[" + separators + ",]")).map(String::strip)
                .filter(x -> !x.isEmpty()).toList()).orElse(List.of());
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d} or ISO-8601 {@code PT30S}; must be positive. */
    public static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (t.startsWith("p")) {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            } else if (t.endsWith("m")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            } else if (t.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("d")) {
                d = Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                throw new IllegalArgumentException("no unit");
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: " + text, e);
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be positive: " + text);
        }
        return d;
    }

    private static Map<String, Key> keys(Key... keys) {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : keys) {
            m.put(k.name(), k);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** A configuration value is wrong; the message starts with the key. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
