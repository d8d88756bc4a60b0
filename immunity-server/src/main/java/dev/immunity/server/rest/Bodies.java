package dev.immunity.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reads request bodies: JSON only (415 otherwise), capped in size (413 beyond). */
final class Bodies {
    private Bodies() {
    }

    static JsonNode readJson(ServerRequest req, long maxBytes) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/json") && !type.matches("application/[a-z0-9.+-]*\\+json.*")) {
            throw new BadRequestException(Status.UNSUPPORTED_MEDIA_TYPE_415,
                    "Content-Type must be application/json", null);
        }
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            throw new BadRequestException(Status.REQUEST_ENTITY_TOO_LARGE_413,
                    "body too large: at most " + maxBytes + " bytes", null);
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new BadRequestException(Status.REQUEST_ENTITY_TOO_LARGE_413,
                        "body too large: at most " + maxBytes + " bytes", null);
            }
        } catch (IOException e) {
            throw new BadRequestException("could not read the request body", null);
        }
        try {
            return Json.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (InvalidEventException e) {
            throw new BadRequestException(e.getMessage(), e.field());
        }
    }
}
