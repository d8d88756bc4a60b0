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
        for (ConfigKeys.Key k : ConfigKeys.ALL.values()) {
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
        return v.isPresent() ? v : Optional.ofNullable(ConfigKeys.ALL.get(key).defaultValue()).filter(s -> !s.isEmpty());
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

    /** A configuration value is wrong; the message starts with the key. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
