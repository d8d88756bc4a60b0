package dev.immunity.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The {@code type} of a stream envelope. */
public enum EventType {
    APV, PATCH, METRICS, HEARTBEAT, SLA;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
