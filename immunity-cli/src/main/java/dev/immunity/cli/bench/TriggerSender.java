package dev.immunity.cli.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Publishes through {@code POST /api/test/trigger-apv} (our server, and the Node peer's same route). */
final class TriggerSender implements EventSender {
    static final String PATH = "/api/test/trigger-apv";
    private final HttpClient http;
    private final URI uri;
    private final String token;

    TriggerSender(HttpClient http, URI base, String token) {
        this.http = http;
        this.uri = base.resolve(PATH);
        this.token = token;
    }

    @Override
    public CompletableFuture<Void> send(String cveId, String apvJson) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(apvJson));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        return http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).thenAccept(r -> {
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("trigger answered HTTP " + r.statusCode()
                        + (r.statusCode() == 429 ? " (raise immunity.trigger.rate-per-second)" : ""));
            }
        });
    }

    @Override
    public String describe() {
        return "HTTP POST " + uri;
    }
}
