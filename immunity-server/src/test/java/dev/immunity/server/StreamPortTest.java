package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.support.RawWs;
import dev.immunity.server.support.Transport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@link StreamEndpointTest} against the stream's own port (Netty), and what that transport decodes and
 * checks itself: requests and frames split across reads or sent along with the upgrade, protocol violations,
 * refused requests.
 */
class StreamPortTest extends StreamEndpointTest {

    @Override
    URI ws(String query) {
        return Transport.STREAM_PORT.ws(server, query);
    }

    private static int port() {
        return server.server.streamPort();
    }

    @Test
    void upgradeAndFrames_splitIntoSingleBytes_areReassembled() throws IOException {
        try (RawWs raw = new RawWs(port())) {
            raw.sendSlowly(RawWs.upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
            raw.sendSlowly(RawWs.frame(0x81, "{\"type\":\"ping\",\"payload\":\"slow\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("slow");
        }
    }

    /** Frames a client sends right behind its upgrade request, in the same write, are not lost to the HTTP decoder. */
    @Test
    void framesSentWithTheUpgradeRequest_inOneWrite_areRead() throws IOException {
        try (RawWs raw = new RawWs(port())) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(RawWs.upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
            all.writeBytes(RawWs.frame(0x89, "early".getBytes(StandardCharsets.UTF_8)));
            all.writeBytes(RawWs.frame(0x81, "{\"type\":\"ping\",\"payload\":\"early\"}".getBytes(StandardCharsets.UTF_8)));
            raw.send(all.toByteArray());
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("early");
            assertThat(raw.pongs).containsExactly("early");
        }
    }

    @Test
    void fragmentedMessage_withAPingBetweenFragments_isAnswered() throws IOException {
        try (RawWs raw = RawWs.open(port())) {
            byte[] text = "{\"type\":\"ping\",\"payload\":\"in-three-parts\"}".getBytes(StandardCharsets.UTF_8);
            raw.send(RawWs.frame(0x01, java.util.Arrays.copyOfRange(text, 0, 10)));
            raw.send(RawWs.frame(0x89, "mid".getBytes(StandardCharsets.UTF_8)));
            raw.send(RawWs.frame(0x00, java.util.Arrays.copyOfRange(text, 10, 20)));
            raw.send(RawWs.frame(0x80, java.util.Arrays.copyOfRange(text, 20, text.length)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("in-three-parts");
            assertThat(raw.pongs).containsExactly("mid");
        }
    }

    @Test
    void unmaskedFrame_closesWithProtocolError() throws IOException {
        try (RawWs raw = RawWs.open(port())) {
            byte[] frame = RawWs.frame(0x81, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
            frame[1] &= 0x7f; // clear the mask bit; the (now meaningless) key bytes stay
            raw.send(frame);
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        }
    }

    @Test
    void textThatIsNotUtf8_closesWithInvalidPayload() throws IOException {
        try (RawWs raw = RawWs.open(port())) {
            raw.send(RawWs.frame(0x81, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
        }
    }

    @Test
    void clientClose_isAnsweredWithItsCode_andTheSocketCloses() throws IOException {
        try (RawWs raw = RawWs.open(port())) {
            raw.send(RawWs.frame(0x88, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'}));
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.NORMAL);
            assertThat(raw.in.read()).isEqualTo(-1);
        }
    }

    /** A header claiming 2^40 bytes must not make the server reserve memory for it, nor stop it serving others. */
    @Test
    void frameClaimingAHugeLength_closesWith1009_andTheServerGoesOn() throws IOException {
        for (int i = 0; i < 4; i++) { // more connections than I/O threads
            try (RawWs raw = RawWs.open(port())) {
                raw.send(new byte[] {(byte) 0x82, (byte) 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4});
                raw.send(new byte[4096]); // and it keeps sending
                assertThat(raw.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            }
        }
        try (RawWs raw = RawWs.open(port())) {
            raw.send(RawWs.frame(0x81, "{\"type\":\"ping\",\"payload\":\"still-here\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("still-here");
        }
    }

    @Test
    void invalidClientCloses_areAnsweredWithAProtocolError() throws IOException {
        for (byte[] close : new byte[][] {{0x03}, {0x03, (byte) 0xED}, {0x00, 0x10}, {0x13, (byte) 0x88}}) { // 1 byte, 1005, 16, 5000
            try (RawWs raw = RawWs.open(port())) {
                raw.send(RawWs.frame(0x88, close));
                assertThat(raw.closeCode()).as("answer to close payload %s", java.util.Arrays.toString(close))
                        .isEqualTo(CloseCodes.PROTOCOL_ERROR);
            }
        }
        try (RawWs raw = RawWs.open(port())) {
            raw.send(RawWs.frame(0x88, new byte[] {0x0F, (byte) 0xA0, (byte) 0xC3, 0x28})); // 4000, reason not UTF-8
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
        }
    }

    @Test
    void requestsThatAreNotTheStream_getAClearHttpError() throws IOException {
        assertThat(RawWs.answer(port(), "GET /api/adaptive-immunity/apvs HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 404").contains("this port serves only /ws/adaptive-immunity");
        assertThat(RawWs.answer(port(), "GET /ws/adaptive-immunity HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 426").contains("send a WebSocket upgrade");
        assertThat(RawWs.answer(port(), "POST /ws/adaptive-immunity HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 405");
        assertThat(RawWs.answer(port(), RawWs.upgrade(ImmunityServer.WS_PATH).replace("dGhlIHNhbXBsZSBub25jZQ==", "short")))
                .startsWith("HTTP/1.1 400");
        assertThat(RawWs.answer(port(), "GET /ws/adaptive-immunity HTTP/1.1\r\nX-Filler: " + "a".repeat(10_000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
        assertThat(RawWs.answer(port(), "not http at all\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(RawWs.answer(port(), RawWs.upgrade(ImmunityServer.WS_PATH + "?priority=%zz")))
                .startsWith("HTTP/1.1 400").contains("malformed query string");
        assertThat(RawWs.answer(port(), RawWs.upgrade(ImmunityServer.WS_PATH + "?priority=urgent")))
                .startsWith("HTTP/1.1 400");
    }

    /** With immunity.ws.deflate off (the default) an offer of permessage-deflate is declined: frames stay plain. */
    @Test
    void aDeflateOffer_isDeclinedWhenOff_andMessagesArePlain() throws IOException {
        try (RawWs raw = new RawWs(port())) {
            raw.send(RawWs.upgrade(ImmunityServer.WS_PATH, RawWs.DEFLATE_OFFER).getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("sec-websocket-extensions");
            assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
            assertThat(raw.dataFrameHeads).allMatch(b0 -> (b0 & 0x70) == 0);
        }
    }

    /** A reserved bit no extension was negotiated for is a protocol error, compressed-looking or not. */
    @Test
    void aFrameWithAReservedBitSet_closesWithProtocolError() throws IOException {
        for (int first : new int[] {0xC1, 0xA1, 0x91}) { // RSV1, RSV2, RSV3 on a text frame
            try (RawWs raw = RawWs.open(port())) {
                raw.send(RawWs.frame(first, RawWs.deflate("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8))));
                assertThat(raw.closeCode()).as("first byte %x", first).isEqualTo(CloseCodes.PROTOCOL_ERROR);
            }
        }
    }
}
