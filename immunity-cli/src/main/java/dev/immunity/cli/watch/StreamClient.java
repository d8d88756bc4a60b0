package dev.immunity.cli.watch;

import dev.immunity.core.util.Backoff;
import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.ApiClient;
import dev.immunity.cli.Sanitizer;
import dev.immunity.core.json.Json;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the Immunity stream (see {@code docs/stream-protocol.md}) over the JDK's WebSocket:
 * offers {@code immunity.v1} (and {@code bearer.<token>}), opts into {@code batch=ndjson}, keeps the
 * cursor of the last event it handed on, and when the stream drops reconnects with backoff and
 * jitter and resumes with {@code ?cursor=}. A {@code hello} with {@code recovered: false} is handed
 * on like every message: the listener replaces its state with the snapshot that follows.
 *
 * <p>Treats the connection as dead when nothing (not even a heartbeat or a ping) arrives for twice the
 * heartbeat interval. A first connection that fails, a refused upgrade (400/401/403) and a close for
 * policy (1008) end the client with a {@link Failure}; every other drop is retried.
 */
public final class StreamClient implements AutoCloseable {
    /** Receives every envelope, in order, on one thread at a time; and every change of connection state. */
    public interface Listener {
        void onEnvelope(String json, JsonNode envelope);

        void onStatus(Status status);
    }

    /** Connection states. */
    public enum State { CONNECTING, CONNECTED, RECONNECTING, FAILED, CLOSED }

    /**
     * The connection as the header shows it.
     *
     * @param retryAt  when the next attempt is due (reconnecting)
     * @param attempt  attempts since the last successful connection
     * @param message  why it dropped or failed, sanitised
     * @param rttMillis last measured round trip of a {@code ping}, or null
     */
    public record Status(State state, Instant retryAt, int attempt, String message, Long rttMillis) {
    }

    /** Why the client gave up: the one line to show. */
    public static final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message);
        }
    }

    /** What to ask for. */
    /** What to watch: priorities, services, and teams (each the services it owns in the server's ownership map). */
    public record Query(List<String> priorities, List<String> services, List<String> teams) {
        public Query(List<String> priorities, List<String> services) {
            this(priorities, services, List.of());
        }
    }

    private final HttpClient http;
    private final URI base;
    private final TokenSource tokens;
    private final Query query;
    private final Backoff backoff;
    private final Clock clock;
    private final Duration pingInterval;
    private final Listener listener;
    private final Object lock = new Object();
    private final CompletableFuture<Void> firstConnection = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private volatile boolean closed;
    private volatile Thread loop;
    private volatile WebSocket current;
    private volatile Long rttMillis;
    private String cursor;
    private String pendingCursor;
    private volatile long heartbeatIntervalMillis = 30_000;
    private volatile long lastFrameNanos;

    /**
     * @param startCursor  resume after this cursor ({@code --since}); null for a snapshot
     * @param pingInterval how often to send a {@code ping} message to measure the round trip; null for never
     */
    public StreamClient(HttpClient http, URI base, String token, Query query, String startCursor, Backoff backoff,
                        Clock clock, Duration pingInterval, Listener listener) {
        this(http, base, TokenSource.fixed(token), query, startCursor, backoff, clock, pingInterval, listener);
    }

    /**
     * @param tokens the token for each connection; when it says so, renewed in-band on the open connection
     *               ({@code {"type":"auth"}}) before it expires, so the stream never drops for it
     */
    public StreamClient(HttpClient http, URI base, TokenSource tokens, Query query, String startCursor, Backoff backoff,
                        Clock clock, Duration pingInterval, Listener listener) {
        this.http = http;
        this.base = base;
        this.tokens = tokens;
        this.query = query;
        this.cursor = startCursor;
        this.backoff = backoff;
        this.clock = clock;
        this.pingInterval = pingInterval;
        this.listener = listener;
    }

    /** Starts connecting in the background. */
    public StreamClient start() {
        loop = Thread.ofVirtual().name("immunity-stream-client").start(this::run);
        return this;
    }

    /** Completes when the first connection is up; fails with a {@link Failure} when it cannot be made. */
    public CompletableFuture<Void> firstConnection() {
        return firstConnection;
    }

    /** Completes when the client stops: normally after {@link #close}, exceptionally with a {@link Failure}. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** The cursor of the last event handed on (what a reconnection resumes after). */
    public String cursor() {
        synchronized (lock) {
            return cursor;
        }
    }

    /** The WebSocket URI for the current cursor. */
    URI uri(String after) {
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        StringBuilder q = new StringBuilder("batch=ndjson");
        if (after != null) {
            q.append("&cursor=").append(enc(after));
        }
        if (!query.priorities().isEmpty()) {
            q.append("&priority=").append(enc(String.join(",", query.priorities())));
        }
        for (String s : query.services()) {
            q.append("&service=").append(enc(s));
        }
        for (String t : query.teams()) {
            q.append("&team=").append(enc(t));
        }
        String path = (base.getPath() == null ? "" : base.getPath()) + "/ws/adaptive-immunity";
        return URI.create(scheme + "://" + base.getRawAuthority() + path + "?" + q);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private void run() {
        boolean everConnected = false;
        try {
            while (!closed) {
                status(State.CONNECTING, null, null);
                Session session = new Session();
                WebSocket ws;
                try {
                    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
                    String token = tokens.token();
                    if (token != null) {
                        b.subprotocols("immunity.v1", "bearer." + token);
                    } else {
                        b.subprotocols("immunity.v1");
                    }
                    ws = b.buildAsync(uri(cursor()), session).get(20, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    Throwable root = e instanceof ExecutionException ? rootCause(e) : e;
                    if (root instanceof WebSocketHandshakeException h) {
                        throw refused(h);
                    }
                    if (!everConnected) {
                        throw new Failure(ApiClient.isUnreachable(e) || root instanceof TimeoutException
                                ? ApiClient.unreachable(base)
                                : "cannot open the stream at " + uri(null) + ": " + Sanitizer.escape(String.valueOf(root.getMessage())));
                    }
                    waitToReconnect(backoff.next(), "connection failed: " + Sanitizer.escape(
                            ApiClient.isUnreachable(e) ? "server unreachable" : String.valueOf(root.getMessage())));
                    continue;
                }
                everConnected = true;
                current = ws;
                backoff.reset();
                firstConnection.complete(null);
                status(State.CONNECTED, null, null);
                CloseInfo close = session.awaitClose(ws);
                session.dead = true;
                ws.abort();
                current = null;
                if (closed) {
                    break;
                }
                if (close.code == 1008) {
                    throw new Failure("stream closed by the server (1008 " + Sanitizer.escape(close.reason)
                            + "): set a valid --token or IMMUNITY_TOKEN");
                }
                Duration delay = close.code == 4001 ? Duration.ZERO : backoff.next();
                waitToReconnect(delay, close.describe());
            }
            status(State.CLOSED, null, null);
            done.complete(null);
        } catch (Failure f) {
            status(State.FAILED, null, f.getMessage());
            firstConnection.completeExceptionally(f);
            done.completeExceptionally(f);
        } catch (InterruptedException e) {
            status(State.CLOSED, null, null);
            firstConnection.completeExceptionally(new Failure("closed"));
            done.complete(null);
        } catch (RuntimeException e) {
            Failure f = new Failure("stream client failed: " + e);
            status(State.FAILED, null, f.getMessage());
            firstConnection.completeExceptionally(f);
            done.completeExceptionally(f);
        }
    }

    private Failure refused(WebSocketHandshakeException h) {
        int code = h.getResponse().statusCode();
        Object body = h.getResponse().body();
        String detail = body == null ? "" : Sanitizer.escape(body.toString().strip());
        return new Failure(switch (code) {
            case 401 -> "server refused the stream (401 " + detail + "): set --token or IMMUNITY_TOKEN";
            case 403 -> "server refused the stream (403 " + detail + ")";
            case 400 -> "server refused the stream (400 " + detail + "): check --priority and --service";
            default -> "server refused the stream (HTTP " + code + "): is " + base + " an Immunity server?";
        });
    }

    private void waitToReconnect(Duration delay, String why) throws InterruptedException {
        if (closed) {
            return;
        }
        status(State.RECONNECTING, clock.instant().plus(delay), why);
        Thread.sleep(delay.toMillis());
    }

    private void status(State state, Instant retryAt, String message) {
        listener.onStatus(new Status(state, retryAt, backoff.attempts(), message, rttMillis));
    }

    /** Stops the client: closes the connection (1000) and ends the reconnect loop. */
    @Override
    public void close() {
        closed = true;
        WebSocket ws = current;
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((r, e) -> ws.abort());
        }
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }

    private record CloseInfo(int code, String reason) {
        String describe() {
            String what = switch (code) {
                case 1001 -> "server going away";
                case 1006 -> "connection dropped";
                case 1011 -> "server error";
                case 4001 -> "too slow";
                case -1 -> "no heartbeat";
                default -> "closed";
            };
            return what + (code > 0 ? " (" + code + ")" : "");
        }
    }

    private final class Session implements WebSocket.Listener {
        private final CompletableFuture<CloseInfo> closedFuture = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        volatile boolean dead;

        CloseInfo awaitClose(WebSocket ws) throws InterruptedException {
            lastFrameNanos = System.nanoTime();
            long lastPing = 0;
            while (true) {
                try {
                    return closedFuture.get(250, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    return new CloseInfo(1006, "");
                } catch (TimeoutException e) {
                    long now = System.nanoTime();
                    if (closed) {
                        return new CloseInfo(1000, "");
                    }
                    if (now - lastFrameNanos > TimeUnit.MILLISECONDS.toNanos(2 * heartbeatIntervalMillis)) {
                        return new CloseInfo(-1, "");
                    }
                    if (pingInterval != null && now - lastPing > pingInterval.toNanos()) {
                        lastPing = now;
                        ws.sendText("{\"type\":\"ping\",\"payload\":{\"sent_nanos\":" + now + "}}", true).join();
                    }
                    Instant renewAt = tokens.renewAt();
                    if (renewAt != null && !clock.instant().isBefore(renewAt)) {
                        renew(ws);
                    }
                }
            }
        }

        /** Sends a renewed token in-band; a renewal that fails leaves the connection to its current token. */
        private void renew(WebSocket ws) {
            String fresh;
            try {
                fresh = tokens.renew();
            } catch (RuntimeException e) {
                status(State.CONNECTED, null, "token renewal failed: " + Sanitizer.escape(String.valueOf(e.getMessage())));
                return;
            }
            if (fresh != null) {
                ws.sendText(Json.write(java.util.Map.of("type", "auth", "token", fresh)), true).join();
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastFrameNanos = System.nanoTime();
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                List<String> lines = new ArrayList<>();
                for (String line : frame.split("\n")) {
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
                for (String line : lines) {
                    handle(line);
                }
            }
            webSocket.request(1);
            return null;
        }

        private void handle(String line) {
            JsonNode env;
            try {
                env = Json.parse(line);
            } catch (RuntimeException e) {
                return; // not JSON: ignore, as with unknown types
            }
            String type = env.path("type").asText("");
            if ("pong".equals(type) && env.path("payload").path("echo").has("sent_nanos")) {
                rttMillis = Math.max(0, (System.nanoTime() - env.path("payload").path("echo").path("sent_nanos").asLong()) / 1_000_000);
                status(State.CONNECTED, null, null);
                return;
            }
            synchronized (lock) {
                if (dead) {
                    return;
                }
                listener.onEnvelope(line, env);
                String c = env.path("cursor").isTextual() ? env.path("cursor").textValue() : null;
                switch (type) {
                    case "hello" -> {
                        heartbeatIntervalMillis = Math.max(1000, env.path("payload").path("heartbeat_interval_seconds").asLong(30) * 1000);
                        pendingCursor = c;
                    }
                    case "apv", "patch" -> {
                        if (c != null) {
                            cursor = c;
                            pendingCursor = null;
                        }
                    }
                    case "metrics" -> {
                        // The snapshot (or replay) ends with a metrics message marked snapshot: now we are at hello's cursor.
                        if (env.path("snapshot").asBoolean(false) && pendingCursor != null) {
                            cursor = pendingCursor;
                            pendingCursor = null;
                        }
                    }
                    default -> {
                    }
                }
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lastFrameNanos = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastFrameNanos = System.nanoTime();
            return WebSocket.Listener.super.onPing(webSocket, message); // requests the next message; the JDK answers the pong
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastFrameNanos = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closedFuture.complete(new CloseInfo(statusCode, reason == null ? "" : reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closedFuture.complete(new CloseInfo(1006, String.valueOf(error.getMessage())));
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
