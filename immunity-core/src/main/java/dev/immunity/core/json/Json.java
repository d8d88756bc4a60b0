package dev.immunity.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.UncheckedIOException;

/**
 * The one JSON codec of the project: snake_case names, timestamps as ISO-8601 UTC with {@code Z}.
 *
 * <p>Jackson's buffers come from one bounded shared pool, not from a thread-local: the server runs
 * each WebSocket connection on its own long-lived virtual thread, and a thread-local pool would keep
 * ~16 KB of buffers alive per connection.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.newBoundedPool(64))
                    .build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(4 * 1024 * 1024)
                .build());
    }

    private Json() {
    }

    /** The shared mapper. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Serializes a value to JSON text. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serializes a value to JSON as UTF-8 bytes. */
    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Converts a value to a JSON tree. */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * Parses JSON text to a tree.
     *
     * @throws InvalidEventException naming the position when the text is not JSON
     */
    public static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidEventException("", "empty message: expected a JSON object");
        }
        try (JsonParser parser = MAPPER.createParser(text)) {
            return readWhole(parser);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e); // reading a String: does not happen
        }
    }

    /**
     * Parses UTF-8 JSON bytes to a tree (read as bytes: no string copy of the whole record first).
     *
     * @throws InvalidEventException naming the position when the bytes are not JSON
     */
    public static JsonNode parse(byte[] utf8) {
        if (utf8 == null || utf8.length == 0) {
            throw new InvalidEventException("", "empty message: expected a JSON object");
        }
        try (JsonParser parser = MAPPER.createParser(utf8)) {
            JsonNode tree = readWhole(parser);
            if (tree == null || tree.isMissingNode()) {
                throw new InvalidEventException("", "empty message: expected a JSON object");
            }
            return tree;
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e); // reading a byte array: does not happen
        }
    }

    private static JsonNode readWhole(JsonParser parser) throws java.io.IOException {
        try {
            JsonNode tree = MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                // readTree alone stops after the first value: "{...}{...}" or "{...} junk" would pass as valid.
                throw new InvalidEventException("", "malformed JSON" + where(parser.currentTokenLocation())
                        + ": unexpected data after the JSON value");
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("", "malformed JSON" + where(e.getLocation()) + ": "
                    + Fields.printable(e.getOriginalMessage()));
        }
    }

    private static String where(JsonLocation loc) {
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
