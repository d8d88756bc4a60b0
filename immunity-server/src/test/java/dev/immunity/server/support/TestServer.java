package dev.immunity.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A real server on a free port, with a real HTTP client. */
public final class TestServer implements AutoCloseable {
    public final ImmunityServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public TestServer(ServerSettings settings) {
        this.server = ImmunityServer.start(settings);
    }

    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    public URI ws(String query) {
        return URI.create("ws://127.0.0.1:" + server.port() + ImmunityServer.WS_PATH + (query == null ? "" : "?" + query));
    }

    public WsTestClient connect() {
        return WsTestClient.connect(ws(null));
    }

    /** A stream client with this query ({@code team=payments}, {@code priority=critical}…). */
    public WsTestClient connect(String query) {
        return WsTestClient.connect(ws(query));
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http(path)).timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public HttpResponse<String> trigger(String json) {
        return post("/api/test/trigger-apv", "application/json", json);
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        return Json.parse(response.body());
    }

    /** A port free right now (for settings that depend on the port before the server starts). */
    public static int freePort() {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Map<String, String> origin(String origin) {
        return Map.of("Origin", origin);
    }

    @Override
    public void close() {
        server.close();
    }
}
