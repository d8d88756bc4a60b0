package dev.immunity.server.rest;

import dev.immunity.core.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Status;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON error answers: {@code {"error": "...", "status": 400, "field": "..."}}. Never a stack trace,
 * never the text of an unexpected exception.
 */
public final class Errors {
    private Errors() {
    }

    /** Sends an error with a message safe to show to the client. */
    public static void send(ServerRequest req, ServerResponse res, Status status, String message) {
        send(req, res, status, message, null);
    }

    /** Sends an error naming the offending field; to a {@code HEAD} request, the same headers and no body. */
    public static void send(ServerRequest req, ServerResponse res, Status status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status.code());
        if (field != null && !field.isEmpty()) {
            body.put("field", field);
        }
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, HttpMediaTypes.JSON_UTF_8.text());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        if (req.prologue().method() == Method.HEAD) {
            res.send(); // a body after HEAD would desynchronise a proxy reusing the connection
            return;
        }
        res.send(Json.write(body));
    }
}
