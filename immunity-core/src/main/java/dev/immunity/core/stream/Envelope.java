package dev.immunity.core.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;

/**
 * One message of the stream: {@code {type, timestamp, payload}} as the original plan specified, plus
 * {@code cursor} (on events that can be resumed from) and {@code snapshot: true} (on messages that
 * restate current state rather than report a new event). See {@code docs/stream-protocol.md}.
 */
@JsonPropertyOrder({"type", "timestamp", "payload", "cursor", "snapshot"})
public record Envelope(
        String type,
        Instant timestamp,
        Object payload,
        @JsonInclude(JsonInclude.Include.NON_NULL) String cursor,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean snapshot) {
}
