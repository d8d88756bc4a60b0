package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The REST API of one server, over the JDK's HTTP client. Failures become {@link ImmunityCli.UserException}s
 * whose message is the one line the user should read.
 */
public final class ApiClient {
    /** Where the read API lives. */
    public static final String API = "/api/adaptive-immunity";

    private final HttpClient http;
    private final URI base;
    private final String token;

    public ApiClient(HttpClient http, URI base, String token) {
        this.http = http;
        this.base = base;
        this.token = token;
    }

    /** An answer: status and parsed body. */
    public record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    /** GETs a path with query parameters (null values are left out); the body when the status is 2xx. */
    public JsonNode get(String path, Map<String, String> query) {
        HttpRequest.Builder req = request(path + queryString(query)).GET();
        return expectOk(send(req));
    }

    /** POSTs a JSON body; the answer whatever its status (the caller decides). */
    public Answer post(String pathAndQuery, String json) {
        HttpRequest.Builder req = request(pathAndQuery)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = send(req);
        return new Answer(r.statusCode(), parse(r), r);
    }

    /** The message for a server that does not answer: the one line every command prints. */
    public static String unreachable(URI base) {
        return "cannot reach " + base + ": is the server running? set --server or IMMUNITY_SERVER";
    }

    /** Turns a non-2xx answer into the line to print. */
    public RuntimeException failure(HttpResponse<String> r, JsonNode body) {
        String message = body != null && body.path("error").isTextual() ? body.path("error").textValue()
                : "HTTP " + r.statusCode();
        message = Sanitizer.escape(message);
        return switch (r.statusCode()) {
            case 401 -> new ImmunityCli.UserException("server refused the request (401 " + message
                    + "): set --token or IMMUNITY_TOKEN");
            case 403 -> new ImmunityCli.UserException("server refused the request (403 " + message
                    + "): the token lacks the scope needed");
            case 404 -> new ImmunityCli.UserException(message);
            default -> new ImmunityCli.UserException("server answered " + r.statusCode() + ": " + message);
        };
    }

    private JsonNode expectOk(HttpResponse<String> r) {
        JsonNode body = parse(r);
        if (r.statusCode() / 100 != 2) {
            throw failure(r, body);
        }
        if (body == null) {
            throw new ImmunityCli.UserException("server at " + base + " answered something that is not JSON: "
                    + "is --server pointing at an Immunity server?");
        }
        return body;
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(base.getPath() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder req) {
        try {
            return http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new ImmunityCli.UserException(unreachable(base), e);
        } catch (HttpTimeoutException e) {
            throw new ImmunityCli.UserException("server at " + base + " did not answer in time", e);
        } catch (IOException e) {
            if (isUnreachable(e)) {
                throw new ImmunityCli.UserException(unreachable(base), e);
            }
            throw new ImmunityCli.UserException("talking to " + base + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImmunityCli.UserException("interrupted", e);
        }
    }

    /** Whether a failure means nothing answered at that address (refused, unresolvable, timed out connecting). */
    public static boolean isUnreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof java.nio.channels.UnresolvedAddressException
                    || c instanceof java.net.UnknownHostException || c instanceof java.net.http.HttpConnectTimeoutException
                    || c instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode parse(HttpResponse<String> r) {
        try {
            return r.body() == null || r.body().isBlank() ? null : Json.parse(r.body());
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String queryString(Map<String, String> query) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) {
                j.add(enc(k) + "=" + enc(v));
            }
        });
        return j.toString();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
