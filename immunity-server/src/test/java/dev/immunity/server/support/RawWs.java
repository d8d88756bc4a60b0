package dev.immunity.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.server.ImmunityServer;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebSocket client on a raw socket, for what the JDK client will not send (split frames, protocol violations,
 * extension offers). With {@link #inflating} it takes permessage-deflate messages apart with the JDK's
 * {@link Inflater} (RFC 7692: raw deflate, the 4-byte empty block put back at each message's end).
 */
public final class RawWs implements AutoCloseable {
    /** The upgrade with a permessage-deflate offer. */
    public static final String DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    private static final byte[] EMPTY_BLOCK = {0, 0, (byte) 0xFF, (byte) 0xFF};

    final Socket socket = new Socket();
    public final DataInputStream in;
    final OutputStream out;
    public final List<String> pongs = new ArrayList<>();
    /** The first byte of every data frame read (FIN, the three reserved bits, the opcode). */
    public final List<Integer> dataFrameHeads = new ArrayList<>();
    private int closeCode = -1;
    private Inflater inflater;

    public RawWs(int port) throws IOException {
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000); // below the server's 20 s ping interval: a stalled answer fails fast
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Connected and upgraded, with the hello read. */
    public static RawWs open(int port) throws IOException {
        RawWs raw = new RawWs(port);
        raw.send(upgrade(ImmunityServer.WS_PATH).getBytes(StandardCharsets.US_ASCII));
        assertThat(raw.responseHead()).startsWith("HTTP/1.1 101");
        assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
        return raw;
    }

    public static String upgrade(String path) {
        return upgrade(path, "");
    }

    /** An upgrade request with extra header lines (each ending in CRLF). */
    public static String upgrade(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + extraHeaders + "\r\n";
    }

    /** The whole answer to a request the server refuses (it closes the connection after it). */
    public static String answer(int port, String request) throws IOException {
        try (RawWs raw = new RawWs(port)) {
            raw.send(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(raw.in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A masked client frame: first byte (FIN, reserved bits and opcode), then the payload. */
    public static byte[] frame(int first, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(first);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)));
            }
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    /** A permessage-deflate message body: raw deflate, sync-flushed, without the trailing empty block. */
    public static byte[] deflate(byte[] message) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            d.setInput(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
                out.write(buf, 0, n);
            }
            byte[] all = out.toByteArray();
            return java.util.Arrays.copyOf(all, all.length - EMPTY_BLOCK.length);
        } finally {
            d.end();
        }
    }

    /** From now on, data frames with the first reserved bit set are inflated (the server's context kept). */
    public RawWs inflating() {
        inflater = new Inflater(true);
        return this;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * One byte per write (the socket has TCP_NODELAY: each is its own segment), so the server gets it in as many
     * reads as the network allows.
     */
    public void sendSlowly(byte[] bytes) throws IOException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
        }
    }

    public String responseHead() throws IOException {
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
    public JsonNode nextText() throws IOException {
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
                    dataFrameHeads.add(b0);
                    return Json.mapper().readTree((b0 & 0x40) != 0 && inflater != null ? inflate(payload) : payload);
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

    private byte[] inflate(byte[] compressed) throws IOException {
        inflater.setInput(concat(compressed, EMPTY_BLOCK));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = inflater.inflate(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IOException("not valid deflate data", e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    public JsonNode nextOfType(String type) throws IOException {
        for (JsonNode n = nextText(); n != null; n = nextText()) {
            if (type.equals(n.path("type").asText())) {
                return n;
            }
        }
        throw new AssertionError("closed before a " + type + " message came (close code " + closeCode + ")");
    }

    public int closeCode() throws IOException {
        while (closeCode < 0 && nextText() != null) {
            // skip messages until the close frame
        }
        return closeCode;
    }

    @Override
    public void close() throws IOException {
        if (inflater != null) {
            inflater.end();
        }
        socket.close();
    }
}
