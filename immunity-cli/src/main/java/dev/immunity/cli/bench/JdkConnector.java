package dev.immunity.cli.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Connections through {@code java.net.http.WebSocket}: one shared {@link HttpClient}, a small executor. */
final class JdkConnector implements Connector {
    private final ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "bench-ws");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().executor(pool).connectTimeout(Duration.ofSeconds(10)).build();

    @Override
    public CompletableFuture<Handle> connect(URI ws, BenchClient client) {
        return http.newWebSocketBuilder().subprotocols("immunity.v1").connectTimeout(Duration.ofSeconds(10))
                .buildAsync(ws, client).thenApply(s -> s::abort);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
