package dev.immunity.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for tests: collects every message as JSON, records the close
 * code, and can stop reading (to play a stalled client).
 */
public final class WsTestClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final List<String> raw = java.util.Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private volatile long closedAtNanos;
    private volatile Throwable error;
    private volatile String closeReason;
    private final AtomicBoolean paused = new AtomicBoolean();
    private final WebSocket ws;
    private final StringBuilder partial = new StringBuilder();

    private WsTestClient(URI uri, boolean startPaused, java.util.Map<String, String> headers, String... protocols) {
        paused.set(startPaused);
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(b::header);
        if (protocols.length > 0) {
            b.subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
        }
        this.ws = b.buildAsync(uri, new Listener()).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public static WsTestClient connect(URI uri) {
        return new WsTestClient(uri, false, java.util.Map.of());
    }

    public static WsTestClient connect(URI uri, java.util.Map<String, String> headers, String... protocols) {
        return new WsTestClient(uri, false, headers, protocols);
    }

    /** A client that reads nothing until {@link #resume()}. */
    public static WsTestClient connectStalled(URI uri) {
        return new WsTestClient(uri, true, java.util.Map.of());
    }

    /**
     * Tries to connect and closes again; returns the handshake's HTTP status: 101 when it connected,
     * else the status of the refusal.
     */
    public static int handshakeStatus(URI uri, java.util.Map<String, String> headers, String... protocols) {
        try {
            new WsTestClient(uri, false, headers, protocols).close();
            return 101;
        } catch (RuntimeException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    public WebSocket socket() {
        return ws;
    }

    /** The next message, waiting up to the timeout; fails the test when none comes. */
    public JsonNode next() {
        try {
            JsonNode n = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (n == null) {
                throw new AssertionError("no message within " + TIMEOUT.toSeconds() + " s (close code: "
                        + closeCode.getNow(null) + (closeReason == null ? "" : ", reason: " + closeReason)
                        + ", messages received: " + raw.size() + ")", error);
            }
            return n;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next message of one of the given types, skipping others (heartbeats, metrics...). */
    public JsonNode next(String... types) {
        List<String> wanted = List.of(types);
        while (true) {
            JsonNode n = next();
            if (wanted.contains(n.path("type").asText())) {
                return n;
            }
        }
    }

    /** Messages until one matches, returning all of them (the match last). */
    public List<JsonNode> until(Predicate<JsonNode> last) {
        List<JsonNode> out = new ArrayList<>();
        while (true) {
            JsonNode n = next();
            out.add(n);
            if (last.test(n)) {
                return out;
            }
        }
    }

    /** Messages already received and not yet taken, without waiting. */
    public List<JsonNode> drain() {
        List<JsonNode> out = new ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    public void send(String text) {
        ws.sendText(text, true).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public void resume() {
        if (paused.compareAndSet(true, false)) {
            ws.request(Long.MAX_VALUE);
        }
    }

    /** The close code the server sent (waits up to the timeout). */
    public int closeCode() {
        return closeCode.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public CompletableFuture<Integer> closeFuture() {
        return closeCode;
    }

    /** When the server's close arrived ({@link System#nanoTime}), or 0 before it did. */
    public long closedAtNanos() {
        return closedAtNanos;
    }

    /** Drops the TCP connection without a close handshake. */
    public void abort() {
        ws.abort();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).join();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            if (!paused.get()) {
                webSocket.request(Long.MAX_VALUE);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                raw.add(text);
                for (String line : text.split("\n")) {
                    messages.add(Json.parse(line));
                }
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closedAtNanos = System.nanoTime();
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            WsTestClient.this.error = error; // the cause a failing test reports
            closeCode.complete(1006);
        }
    }

    /** The raw frames received so far, copied (a batched frame holds several envelopes). */
    public List<String> rawFrames() {
        synchronized (raw) {
            return List.copyOf(raw); // a copy: frames (heartbeats, metrics) may keep arriving while the caller looks
        }
    }
}
