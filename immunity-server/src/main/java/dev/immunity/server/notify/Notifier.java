package dev.immunity.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.redis.RedisLink;
import dev.immunity.core.sla.Ownership;
import dev.immunity.core.stream.CloseCodes;
import dev.immunity.core.stream.Connection;
import dev.immunity.core.stream.StreamManager;
import io.lettuce.core.SetArgs;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns what the stream carries into notifications and hands each to the routes that want it. It is one more client
 * of the {@link StreamManager}: it sees exactly what a dashboard sees, live events only (not the snapshot, not a
 * rebuild's), and it never blocks the stream: it parses and queues, each route sends on its own thread.
 *
 * <p>With Redis, each notification is claimed once per route across the instances ({@code SET NX} with a day's
 * expiry on a key every instance computes alike), so several instances send it once. Without Redis, each instance
 * sends what it sees: run notifications on one instance only.
 */
public final class Notifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Notifier.class.getName());
    private static final long CLAIM_SECONDS = TimeUnit.DAYS.toSeconds(1);

    private final NotifySettings settings;
    private final StreamManager stream;
    private final Ownership ownership;
    private final RedisLink redis;
    private final java.util.function.Function<String, java.util.Optional<dev.immunity.core.model.Apv>> apvs;
    private final Map<String, RouteSender> senders = new LinkedHashMap<>();
    private final LongAdder deduplicated = new LongAdder();
    private volatile String connection;

    /**
     * @param apvs  the APV of a CVE, for the priority and services of its patches
     * @param redis shared by the instances to send each notification once, or null
     */
    public Notifier(NotifySettings settings, StreamManager stream, Ownership ownership,
                    java.util.function.Function<String, java.util.Optional<dev.immunity.core.model.Apv>> apvs,
                    RedisLink redis, InstantSource clock) {
        this.apvs = apvs;
        this.settings = settings;
        this.stream = stream;
        this.ownership = ownership;
        this.redis = redis;
        HttpClient http = HttpClient.newBuilder().connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        for (NotifySettings.Route r : settings.routes()) {
            senders.put(r.name(), new RouteSender(r, settings, http, clock));
        }
    }

    public void start() {
        senders.values().forEach(RouteSender::start);
        connection = stream.connect(new Listener());
        LOG.log(System.Logger.Level.INFO, "notify: " + senders.size() + " route(s): " + String.join(", ", senders.keySet()));
    }

    /** Sends one test message on a route now, on this thread; whether the receiver took it. */
    public static boolean test(NotifySettings settings, String routeName, InstantSource clock) throws InterruptedException {
        NotifySettings.Route route = settings.routes().stream().filter(r -> r.name().equals(routeName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no route named " + routeName + " (routes: "
                        + String.join(", ", settings.routes().stream().map(NotifySettings.Route::name).toList()) + ")"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        Notification n = new Notification(NotifySettings.Event.APV, "test:" + clock.instant(), "CVE-0000-0000", "low",
                List.of(), null, "Test message from Immunity to route " + routeName, "If you read this, the route works.",
                List.of());
        return new RouteSender(route, settings, http, clock).deliver(List.of(n));
    }

    /** Per route: sent, failed, dropped, retried; and notifications another instance had already claimed. */
    public Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        senders.forEach((name, s) -> out.put(name, Map.of("sent", s.sent.sum(), "failed", s.failed.sum(),
                "dropped", s.dropped.sum(), "retried", s.retried.sum())));
        return out;
    }

    public long deduplicated() {
        return deduplicated.sum();
    }

    @Override
    public void close() {
        if (connection != null) {
            stream.disconnect(connection);
        }
        senders.values().forEach(RouteSender::close);
    }

    /** One live stream message. */
    void onMessage(JsonNode m) {
        if (m.path("snapshot").asBoolean()) {
            return; // state restated (a snapshot, a rebuild), not something that just happened
        }
        Notification n = NotificationsOf.message(m, ownership, apvs);
        if (n == null) {
            return;
        }
        for (RouteSender s : senders.values()) {
            if (wants(s.route(), n) && claim(s.route(), n)) {
                s.offer(n);
            }
        }
    }

    private static boolean wants(NotifySettings.Route r, Notification n) {
        return r.events().contains(n.event())
                && (r.priorities().isEmpty() || n.priority() != null && r.priorities().contains(n.priority()))
                && (r.services().isEmpty() || n.services().stream().anyMatch(r.services()::contains))
                && (r.teams().isEmpty() || n.owner() != null && r.teams().contains(n.owner()));
    }

    /** Whether this instance sends it: always without Redis; with it, the instance that set the key first. */
    private boolean claim(NotifySettings.Route r, Notification n) {
        if (redis == null) {
            return true;
        }
        var commands = redis.commands();
        if (commands.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "notify: Redis is down; sending " + n.key() + " on " + r.name()
                    + " without the claim (another instance may send it too)");
            return true;
        }
        try {
            String ok = commands.get().set("immunity:notify:" + r.name() + ":" + n.key(), "1",
                    SetArgs.Builder.nx().ex(CLAIM_SECONDS)).get(2, TimeUnit.SECONDS);
            if ("OK".equals(ok)) {
                return true;
            }
            deduplicated.increment();
            return false;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "notify: claiming " + n.key() + " in Redis failed (" + e
                    + "); sending it (another instance may send it too)");
            return true;
        }
    }

    /** The notifier's end of the stream: parses and queues, never blocks. */
    private final class Listener implements Connection {
        @Override
        public void send(byte[] utf8) {
            for (String line : new String(utf8, StandardCharsets.UTF_8).split("\n")) {
                try {
                    onMessage(Json.parse(line));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "notify: could not read a stream message", e);
                }
            }
        }

        @Override
        public void close(int code, String reason) {
            if (code != CloseCodes.GOING_AWAY) {
                LOG.log(System.Logger.Level.WARNING, "notify: the stream closed the notifier (" + code + " " + reason
                        + "); reconnecting");
                Thread.ofVirtual().start(() -> connection = stream.connect(new Listener()));
            }
        }

        @Override
        public void abort() {
            close(CloseCodes.INTERNAL_ERROR, "aborted");
        }
    }
}
