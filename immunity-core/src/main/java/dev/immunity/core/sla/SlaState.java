package dev.immunity.core.sla;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where an APV stands against its SLA: open ones within, at risk or breached; closed ones met or missed. */
public enum SlaState {
    WITHIN, AT_RISK, BREACHED, MET, MISSED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state named {@code text} (as on the wire), or null. */
    public static SlaState fromWire(String text) {
        for (SlaState s : values()) {
            if (s.wire().equalsIgnoreCase(text.strip())) {
                return s;
            }
        }
        return null;
    }

    public boolean isOpen() {
        return this == WITHIN || this == AT_RISK || this == BREACHED;
    }
}
