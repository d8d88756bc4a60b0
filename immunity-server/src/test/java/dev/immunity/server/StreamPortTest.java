package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.stream.CloseCodes;
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

    @Test
    void upgradeAndFrames_splitIntoSingleBytes_areReassembled() throws IOException {
        try (Raw raw = new Raw()) {
            raw.sendSlowly(Raw.upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
            raw.sendSlowly(Raw.frame(0x81, "{\"type\":\"ping\",\"payload\":\"slow\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("slow");
        }
    }

    /** Frames a client sends right behind its upgrade request, in the same write, are not lost to the HTTP decoder. */
    @Test
    void framesSentWithTheUpgradeRequest_inOneWrite_areRead() throws IOException {
        try (Raw raw = new Raw()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(Raw.upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
            all.writeBytes(Raw.frame(0x89, "early".getBytes(StandardCharsets.UTF_8)));
            all.writeBytes(Raw.frame(0x81, "{\"type\":\"ping\",\"payload\":\"early\"}".getBytes(StandardCharsets.UTF_8)));
            raw.send(all.toByteArray());
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("early");
            assertThat(raw.pongs).containsExactly("early");
        }
    }

    @Test
    void fragmentedMessage_withAPingBetweenFragments_isAnswered() throws IOException {
        try (Raw raw = Raw.open()) {
            byte[] text = "{\"type\":\"ping\",\"payload\":\"in-three-parts\"}".getBytes(StandardCharsets.UTF_8);
            raw.send(Raw.frame(0x01, java.util.Arrays.copyOfRange(text, 0, 10)));
            raw.send(Raw.frame(0x89, "mid".getBytes(StandardCharsets.UTF_8)));
            raw.send(Raw.frame(0x00, java.util.Arrays.copyOfRange(text, 10, 20)));
            raw.send(Raw.frame(0x80, java.util.Arrays.copyOfRange(text, 20, text.length)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("in-three-parts");
            assertThat(raw.pongs).containsExactly("mid");
        }
    }

    @Test
    void unmaskedFrame_closesWithProtocolError() throws IOException {
        try (Raw raw = Raw.open()) {
            byte[] frame = Raw.frame(0x81, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
            frame[1] &= 0x7f; // clear the mask bit; the (now meaningless) key bytes stay
            raw.send(frame);
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        }
    }

    @Test
    void textThatIsNotUtf8_closesWithInvalidPayload() throws IOException {
        try (Raw raw = Raw.open()) {
            raw.send(Raw.frame(0x81, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
        }
    }

    @Test
    void clientClose_isAnsweredWithItsCode_andTheSocketCloses() throws IOException {
        try (Raw raw = Raw.open()) {
            raw.send(Raw.frame(0x88, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'}));
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.NORMAL);
            assertThat(raw.in.read()).isEqualTo(-1);
        }
    }

    /** A header claiming 2^40 bytes must not make the server reserve memory for it, nor stop it serving others. */
    @Test
    void frameClaimingAHugeLength_closesWith1009_andTheServerGoesOn() throws IOException {
        for (int i = 0; i < 4; i++) { // more connections than I/O threads
            try (Raw raw = Raw.open()) {
                raw.send(new byte[] {(byte) 0x82, (byte) 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4});
                raw.send(new byte[4096]); // and it keeps sending
                assertThat(raw.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            }
        }
        try (Raw raw = Raw.open()) {
            raw.send(Raw.frame(0x81, "{\"type\":\"ping\",\"payload\":\"still-here\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("still-here");
        }
    }

    @Test
    void invalidClientCloses_areAnsweredWithAProtocolError() throws IOException {
        for (byte[] close : new byte[][] {{0x03}, {0x03, (byte) 0xED}, {0x00, 0x10}, {0x13, (byte) 0x88}}) { // 1 byte, 1005, 16, 5000
            try (Raw raw = Raw.open()) {
                raw.send(Raw.frame(0x88, close));
                assertThat(raw.closeCode()).as("answer to close payload %s", java.util.Arrays.toString(close))
                        .isEqualTo(CloseCodes.PROTOCOL_ERROR);
            }
        }
        try (Raw raw = Raw.open()) {
            raw.send(Raw.frame(0x88, new byte[] {0x0F, (byte) 0xA0, (byte) 0xC3, 0x28})); // 4000, reason not UTF-8
            assertThat(raw.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
        }
    }

    @Test
    void requestsThatAreNotTheStream_getAClearHttpError() throws IOException {
        assertThat(Raw.answer("GET /api/adaptive-immunity/apvs HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 404").contains("this port serves only /ws/adaptive-immunity");
        assertThat(Raw.answer("GET /ws/adaptive-immunity HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 426").contains("send a WebSocket upgrade");
        assertThat(Raw.answer("POST /ws/adaptive-immunity HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 405");
        assertThat(Raw.answer(Raw.upgrade(ImmunityServer.WS_PATH).replace("dGhlIHNhbXBsZSBub25jZQ==", "short")))
                .startsWith("HTTP/1.1 400");
        assertThat(Raw.answer("GET /ws/adaptive-immunity HTTP/1.1\r\nX-Filler: " + "a".repeat(10_000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
        assertThat(Raw.answer("not http at all\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    /** A WebSocket client on a raw socket, for what the JDK client will not send. */
    private static final class Raw implements AutoCloseable {
        final Socket socket = new Socket();
        final DataInputStream in;
        final OutputStream out;
        final java.util.List<String> pongs = new java.util.ArrayList<>();
        private int closeCode = -1;

        Raw() throws IOException {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.server.streamPort()), 5_000);
            socket.setSoTimeout(10_000); // below the server's 20 s ping interval: a stalled answer fails fast
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        /** Connected and upgraded, with the hello read. */
        static Raw open() throws IOException {
            Raw raw = new Raw();
            raw.send(upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
            assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
            return raw;
        }

        static String upgrade(String path) {
            return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        }

        /** The whole answer to a request the server refuses (it closes the connection after it). */
        static String answer(String request) throws IOException {
            try (Raw raw = new Raw()) {
                raw.send(request.getBytes(StandardCharsets.ISO_8859_1));
                return new String(raw.in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        /** A masked client frame: first byte (FIN and opcode), then the payload. */
        static byte[] frame(int first, byte[] payload) {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write(first);
            if (payload.length < 126) {
                f.write(0x80 | payload.length);
            } else {
                f.write(0x80 | 126);
                f.write(payload.length >>> 8);
                f.write(payload.length);
            }
            byte[] mask = {0x11, 0x22, 0x33, 0x44};
            f.writeBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                f.write(payload[i] ^ mask[i & 3]);
            }
            return f.toByteArray();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /**
         * One byte per write (the socket has TCP_NODELAY: each is its own segment), so the server gets it in as many
         * reads as the network allows.
         */
        void sendSlowly(byte[] bytes) throws IOException {
            for (byte b : bytes) {
                out.write(b);
                out.flush();
            }
        }

        String responseHead() throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            return head.toString();
        }

        /** The next text message (answering nothing, collecting pongs); null once a close frame came. */
        JsonNode nextText() throws IOException {
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                assertThat(b1 & 0x80).as("server frames are not masked").isZero();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] payload = in.readNBytes((int) len);
                switch (b0 & 0x0f) {
                    case 0x1 -> {
                        return Json.mapper().readTree(payload);
                    }
                    case 0x8 -> {
                        closeCode = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                        return null;
                    }
                    case 0xA -> pongs.add(new String(payload, StandardCharsets.UTF_8));
                    default -> {
                        // pings and anything else: not what these tests look at
                    }
                }
            }
        }

        JsonNode nextOfType(String type) throws IOException {
            for (JsonNode n = nextText(); n != null; n = nextText()) {
                if (type.equals(n.path("type").asText())) {
                    return n;
                }
            }
            throw new AssertionError("closed before a " + type + " message came (close code " + closeCode + ")");
        }

        int closeCode() throws IOException {
            while (closeCode < 0 && nextText() != null) {
                // skip messages until the close frame
            }
            return closeCode;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
