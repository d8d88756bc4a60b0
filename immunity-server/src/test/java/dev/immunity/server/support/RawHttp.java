package dev.immunity.server.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Raw bytes over a socket, for requests no well-behaved client library will send (a forged Host, half a request). */
public final class RawHttp {
    private RawHttp() {
    }

    /** Sends {@code request} and returns everything the server sends until it closes or goes quiet for {@code quiet}. */
    public static String exchange(int port, String request, Duration quiet) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.setSoTimeout((int) quiet.toMillis());
            return readAll(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} and returns the first answer's head (status line and headers), then hangs up. */
    public static String head(int port, String request, Duration timeout) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.setSoTimeout((int) timeout.toMillis());
            StringBuilder head = new StringBuilder();
            InputStream in = s.getInputStream();
            int c;
            while (head.indexOf("\r\n\r\n") < 0 && (c = in.read()) >= 0) {
                head.append((char) c);
            }
            return head.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status code of the first response in {@code answer}. */
    public static int status(String answer) {
        if (!answer.startsWith("HTTP/1.1 ")) {
            throw new AssertionError("not an HTTP answer: " + answer.substring(0, Math.min(80, answer.length())));
        }
        return Integer.parseInt(answer.substring(9, 12));
    }

    /** A WebSocket upgrade request for {@code path} with the given Host and Origin. */
    public static String upgrade(String path, String host, String origin) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // quiet: that is all for now
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
