package dev.immunity.server;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.RawHttp;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server against clients that want it down or want to change its data: forged Host headers (DNS
 * rebinding), half-sent requests, malformed floods, HEAD, oversized and overwriting triggers, old cursors.
 */
class HostileClientsTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        Map<String, String> config = new HashMap<>();
        config.put("immunity.port", "0");
        config.put("immunity.stream-port", "0");
        config.put("immunity.http.header-timeout", "1s");
        config.put("immunity.stream.max-replay-events", "20");
        config.put("immunity.ws.max-fragments", "8");
        server = new TestServer(ServerConfig.load(config, Map.of()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static int http() {
        return server.server.port();
    }

    private static int streamPort() {
        return server.server.streamPort();
    }

    @Test
    void foreignHostName_isRefusedOnRestThePageAndUpgrades_onBothPorts() {
        String evil = "evil.example:" + http();
        Duration quiet = Duration.ofSeconds(2);
        assertThat(RawHttp.status(RawHttp.exchange(http(), "GET /api/adaptive-immunity/apvs HTTP/1.1\r\nHost: " + evil
                + "\r\nConnection: close\r\n\r\n", quiet))).isEqualTo(421);
        assertThat(RawHttp.status(RawHttp.exchange(http(), "GET / HTTP/1.1\r\nHost: " + evil
                + "\r\nConnection: close\r\n\r\n", quiet))).isEqualTo(421);
        assertThat(RawHttp.status(RawHttp.exchange(http(), "POST /api/test/trigger-apv HTTP/1.1\r\nHost: " + evil
                + "\r\nContent-Type: application/json\r\nContent-Length: 24\r\nConnection: close\r\n\r\n"
                + "{\"cve_id\":\"CVE-2099-1\"}", quiet))).isEqualTo(421);
        assertThat(RawHttp.status(RawHttp.exchange(http(), RawHttp.upgrade(ImmunityServer.WS_PATH, evil,
                "http://" + evil), quiet))).isEqualTo(421);
        assertThat(RawHttp.status(RawHttp.exchange(streamPort(), RawHttp.upgrade(ImmunityServer.WS_PATH,
                "evil.example:" + streamPort(), "http://evil.example:" + streamPort()), quiet))).isEqualTo(421);

        // the loopback names still work
        assertThat(RawHttp.status(RawHttp.exchange(http(), "GET /observe/health HTTP/1.1\r\nHost: localhost:" + http()
                + "\r\nConnection: close\r\n\r\n", quiet))).isEqualTo(200);
        assertThat(RawHttp.status(RawHttp.exchange(streamPort(), RawHttp.upgrade(ImmunityServer.WS_PATH,
                "127.0.0.1:" + streamPort(), null), quiet))).isEqualTo(101);
    }

    @Test
    void origin_mustMatchSchemeHostAndPortExactly() {
        Duration quiet = Duration.ofSeconds(2);
        String host = "localhost:" + http();
        assertThat(RawHttp.status(RawHttp.exchange(http(), RawHttp.upgrade(ImmunityServer.WS_PATH, host,
                "https://" + host), quiet))).isEqualTo(403);
        assertThat(RawHttp.status(RawHttp.exchange(http(), RawHttp.upgrade(ImmunityServer.WS_PATH, host,
                "http://localhost:1"), quiet))).isEqualTo(403);
        assertThat(RawHttp.status(RawHttp.exchange(http(), RawHttp.upgrade(ImmunityServer.WS_PATH, host,
                "http://" + host), quiet))).isEqualTo(101);
    }

    @Test
    void halfSentRequest_isClosedWithinTheHeaderTimeout_onBothPorts() {
        for (int port : new int[] {http(), streamPort()}) {
            long start = System.nanoTime();
            String answer = RawHttp.exchange(port, "GET " + ImmunityServer.WS_PATH + " HTTP/1.1\r\nHost: localhost\r\n",
                    Duration.ofSeconds(15));
            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertThat(answer).as("port %d sends nothing and closes", port).isEmpty();
            assertThat(seconds).as("closed within the 1 s header timeout (plus one sweep)").isLessThan(5);
        }
    }

    @Test
    void headToAnUnknownPath_answersWithoutABody() {
        for (String path : List.of("/nope", "/api/adaptive-immunity/nope")) {
            // Pipelined: a body after the HEAD answer would show up before the second answer.
            String answer = RawHttp.exchange(http(), "HEAD " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(RawHttp.status(answer)).isEqualTo(404);
            int endOfHead = answer.indexOf("\r\n\r\n") + 4;
            assertThat(answer.substring(endOfHead)).as("what follows the HEAD answer for %s", path).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aThousandMalformedRequests_addUnderAHundredLogLines_andTheServerStillAnswers() {
        dev.immunity.server.support.LogCapture capture = new dev.immunity.server.support.LogCapture(java.util.logging.Level.INFO);
        try {
            for (int i = 0; i < 500; i++) {
                RawHttp.head(http(), "GARBAGE\r\n\r\n", Duration.ofSeconds(5));
                RawHttp.head(http(), "POST /api/test/trigger-apv HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        + "application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\nzz\r\n\r\n",
                        Duration.ofSeconds(5));
            }
        } finally {
            capture.close();
        }
        long lines = capture.records().stream().mapToLong(r -> 1 + (r.getThrown() == null ? 0 : 20)).sum();
        assertThat(lines).as("log lines, counting a stack trace as 20").isLessThan(100);
        assertThat(server.get("/api/adaptive-immunity/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedChunkedBody_is400() {
        String answer = RawHttp.exchange(http(), "POST /api/test/trigger-apv HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                + "application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n\r\n", Duration.ofSeconds(2));
        assertThat(RawHttp.status(answer)).isEqualTo(400);
        assertThat(answer).doesNotContain("Exception").doesNotContain("radix");
    }

    @Test
    void trigger_overTheApvSizeLimit_is413_andForACveFromARealSource_is409() {
        var big = server.trigger("{\"cve_id\":\"CVE-2097-0001\",\"summary\":\"" + "A".repeat(70_000) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(server.get("/api/adaptive-immunity/apvs/CVE-2097-0001").statusCode()).isEqualTo(404);

        server.server.stream().publish(Fixtures.apv("CVE-2024-1492", "high", List.of("payments-api")));
        var overwrite = server.trigger("{\"cve_id\":\"CVE-2024-1492\",\"priority\":\"low\",\"summary\":\"false positive, ignore\"}");
        assertThat(overwrite.statusCode()).isEqualTo(409);
        assertThat(TestServer.json(server.get("/api/adaptive-immunity/apvs/CVE-2024-1492")).path("priority").asText())
                .isEqualTo("high");

        assertThat(server.trigger("{\"cve_id\":\"CVE-2099-0409\"}").statusCode()).isEqualTo(202);
        assertThat(server.trigger("{\"cve_id\":\"CVE-2099-0409\",\"priority\":\"low\"}").statusCode())
                .as("a trigger-made APV may be triggered again").isIn(200, 202);
    }

    @Test
    void resumeFromAVeryOldCursor_getsASnapshotInsteadOfABulkReplay() {
        String oldCursor;
        try (WsTestClient c = server.connect()) {
            oldCursor = c.next("hello").path("payload").path("cursor").asText();
        }
        for (int i = 0; i < 30; i++) {
            server.server.stream().publish(Fixtures.apv(String.format("CVE-2024-8%04d", i)));
        }
        try (WsTestClient c = WsTestClient.connect(server.ws("cursor=" + oldCursor))) {
            var hello = c.next("hello").path("payload");
            assertThat(hello.path("recovered").asBoolean(true)).isFalse();
            assertThat(hello.path("reason").asText()).contains("more than 20 events behind");
        }
    }

    @Test
    void streamPort_messageInTooManyFragments_isClosedWith1009() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), streamPort())) {
            OutputStream out = s.getOutputStream();
            out.write(RawHttp.upgrade(ImmunityServer.WS_PATH, "localhost", null).getBytes(StandardCharsets.ISO_8859_1));
            out.write(maskedFrame(0x1, false, new byte[0]));
            for (int i = 0; i < 20; i++) {
                out.write(maskedFrame(0x0, false, new byte[0]));
            }
            out.flush();
            s.setSoTimeout(10_000);
            byte[] all = InputStreamReads.until(s.getInputStream(), new byte[] {(byte) 0x88});
            int at = indexOf(all, (byte) 0x88);
            assertThat(at).as("a close frame").isNotNegative();
            int code = ((all[at + 2] & 0xff) << 8) | (all[at + 3] & 0xff);
            assertThat(code).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    private static byte[] maskedFrame(int opcode, boolean fin, byte[] payload) {
        byte[] f = new byte[6 + payload.length];
        f[0] = (byte) ((fin ? 0x80 : 0) | opcode);
        f[1] = (byte) (0x80 | payload.length);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = payload[i]; // mask key 0
        }
        return f;
    }

    private static int indexOf(byte[] a, byte b) {
        // the close frame comes after the 101 answer, the hello and the snapshot: find the last 0x88 frame start
        for (int i = a.length - 4; i >= 0; i--) {
            if (a[i] == b && (a[i + 1] & 0x7f) >= 2 && (a[i + 1] & 0x7f) < 126) {
                return i;
            }
        }
        return -1;
    }

    /** Reads until the server closes or goes quiet. */
    static final class InputStreamReads {
        static byte[] until(InputStream in, byte[] ignored) throws java.io.IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // quiet
            }
            return out.toByteArray();
        }
    }

    @Test
    void perAddressCap_refusesTheConnectionOverIt_onBothPorts() {
        Map<String, String> config = new HashMap<>();
        config.put("immunity.port", "0");
        config.put("immunity.stream-port", "0");
        config.put("immunity.http.max-connections-per-ip", "2");
        try (TestServer capped = new TestServer(ServerConfig.load(config, Map.of()))) {
            for (int port : new int[] {capped.server.port(), capped.server.streamPort()}) {
                java.net.URI uri = java.net.URI.create("ws://127.0.0.1:" + port + ImmunityServer.WS_PATH);
                try (WsTestClient a = WsTestClient.connect(uri); WsTestClient b = WsTestClient.connect(uri)) {
                    a.next("hello");
                    b.next("hello");
                    int third;
                    try (WsTestClient c = WsTestClient.connect(uri)) {
                        third = c.closeCode();
                    } catch (RuntimeException e) {
                        third = -1; // the stream port closes before the handshake
                    }
                    assertThat(third).as("port %d", port).isIn(-1, 1013);
                }
                dev.immunity.server.support.Await.await("the two connections are gone", Duration.ofSeconds(10),
                        () -> capped.server.stream().connectionCount() == 0);
                try (WsTestClient again = WsTestClient.connect(uri)) {
                    assertThat(again.next("hello").path("type").asText()).isEqualTo("hello");
                }
            }
        }
    }

    @Test
    void readBudget_anAddressPullingLargeAnswers_gets429WithRetryAfter() {
        Map<String, String> config = new HashMap<>();
        config.put("immunity.port", "0");
        config.put("immunity.http.read-bytes-per-second", "20000");
        try (TestServer limited = new TestServer(ServerConfig.load(config, Map.of()))) {
            for (int i = 0; i < 30; i++) {
                limited.server.stream().publish(Fixtures.apv(String.format("CVE-2024-9%04d", i)));
            }
            java.net.http.HttpResponse<String> last = null;
            int ok = 0;
            for (int i = 0; i < 50 && (last == null || last.statusCode() != 429); i++) {
                last = limited.get("/api/adaptive-immunity/apvs?limit=500", "Accept-Encoding", "identity");
                ok += last.statusCode() == 200 ? 1 : 0;
            }
            assertThat(ok).as("served while the bucket held bytes").isPositive();
            assertThat(last.statusCode()).isEqualTo(429);
            assertThat(last.headers().firstValue("Retry-After")).isPresent();
            assertThat(limited.get("/observe/health/live").statusCode()).as("other paths are not charged").isEqualTo(200);
        }
    }
}
