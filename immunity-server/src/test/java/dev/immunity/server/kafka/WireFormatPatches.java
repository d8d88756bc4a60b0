package dev.immunity.server.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.WireFormat;
import dev.immunity.server.support.Fixtures;

/** Patch messages in the remediation engine's wire format. */
final class WireFormatPatches {
    private WireFormatPatches() {
    }

    static ObjectNode patch(String cveId, String status) {
        return WireFormat.toWire(Fixtures.patch(cveId, status));
    }
}
