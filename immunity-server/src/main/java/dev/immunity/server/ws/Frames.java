package dev.immunity.server.ws;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Server-to-client WebSocket frames (unmasked), built once per message and shared by every client. */
final class Frames {
    static final byte TEXT_FIN = (byte) 0x81;
    static final byte CLOSE_FIN = (byte) 0x88;
    static final byte PING_FIN = (byte) 0x89;
    static final byte PONG_FIN = (byte) 0x8A;
    /** How long a client has to answer the server's close frame (on either port) before it is dropped. */
    static final long CLIENT_CLOSE_WAIT_MS = 2_000;
    private static final int MAX_SHARED_FRAME = 64 * 1024;
    /** Recently framed messages, shared by all connections (see {@link #text}). */
    private static final AtomicReferenceArray<Framed> RECENT = new AtomicReferenceArray<>(16);

    private Frames() {
    }

    /**
     * The message as a whole text frame. Every client gets the same message array, so the frame is
     * built once and shared: a few recent frames are kept by the identity of their message. Large
     * messages (a client's own ndjson batch) are framed but not kept.
     */
    static byte[] text(byte[] message) {
        int slot = System.identityHashCode(message) & (RECENT.length() - 1);
        Framed f = RECENT.getPlain(slot);
        if (f == null || f.message != message) {
            byte[] frame = frame(TEXT_FIN, message);
            if (message.length > MAX_SHARED_FRAME) {
                return frame;
            }
            f = new Framed(message, frame);
            RECENT.setPlain(slot, f);
        }
        return f.frame;
    }

    /** A whole frame: header and payload in one array. */
    static byte[] frame(byte first, byte[] payload) {
        byte[] header = header(first, payload.length);
        byte[] frame = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, frame, header.length, payload.length);
        return frame;
    }

    /** A close frame's payload: the code and the reason, cut to fit a control frame (125 bytes). */
    static byte[] closePayload(int code, String reason) {
        byte[] text = reason == null ? new byte[0] : reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = Math.min(text.length, 123);
        while (n > 0 && n < text.length && (text[n] & 0xC0) == 0x80) {
            n--; // never cut a UTF-8 sequence in two
        }
        byte[] p = new byte[2 + n];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(text, 0, p, 2, n);
        return p;
    }

    static byte[] header(byte first, int length) {
        if (length < 126) {
            return new byte[] {first, (byte) length};
        }
        if (length < 65_536) {
            return new byte[] {first, 126, (byte) (length >>> 8), (byte) length};
        }
        byte[] h = new byte[10];
        h[0] = first;
        h[1] = 127;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
        }
        return h;
    }

    private record Framed(byte[] message, byte[] frame) {
    }
}
