package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.Transport;
import dev.immunity.server.support.WsTestClient;
import dev.immunity.server.ws.WsSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket stream against the real server, with real WebSocket clients, on its HTTP port;
 * {@link StreamPortTest} runs the same tests on the stream's own port.
 */
class StreamEndpointTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        ServerSettings s = ServerSettings.forTests().withPort(TestServer.freePort());
        server = new TestServer(s.withStreamPort(0)
                .withStream(s.stream().withHistorySize(20))
                .withWs(new WsSettings(List.of("https://ops.example.com"), 1024, Duration.ofSeconds(20),
                        Duration.ofMinutes(5))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The stream on the transport under test. */
    URI ws(String query) {
        return Transport.HTTP_PORT.ws(server, query);
    }

    private WsTestClient connect() {
        return WsTestClient.connect(ws(null));
    }

    static String cve(int i) {
        return "CVE-2025-" + (20000 + i);
    }

    private static void publish(int from, int to) {
        for (int i = from; i <= to; i++) {
            assertThat(server.server.stream().publish(Fixtures.apv(cve(i)))).isTrue();
        }
    }

    static String cveOf(JsonNode n) {
        return n.path("payload").path("cve_id").asText();
    }

    private static List<String> liveApvs(List<JsonNode> msgs) {
        return msgs.stream().filter(n -> n.path("type").asText().equals("apv") && !n.has("snapshot"))
                .map(StreamEndpointTest::cveOf).toList();
    }

    @Test
    void twoClients_bothReceiveATriggeredApv() {
        try (WsTestClient a = connect(); WsTestClient b = connect()) {
            assertThat(a.next().path("type").asText()).isEqualTo("hello");
            assertThat(b.next().path("type").asText()).isEqualTo("hello");

            var response = server.trigger("{\"cve_id\": \"CVE-2024-TEST\"}");
            assertThat(response.statusCode()).isEqualTo(202);

            for (WsTestClient c : List.of(a, b)) {
                JsonNode apv = c.until(n -> "apv".equals(n.path("type").asText()) && !n.has("snapshot")
                        && cveOf(n).equals("CVE-2024-TEST")).getLast();
                assertThat(apv.path("payload").path("summary").asText()).isNotBlank();
                assertThat(apv.path("timestamp").asText()).endsWith("Z");
                assertThat(apv.path("cursor").asText()).isNotBlank();
            }
        }
    }

    /**
     * Messages are written as raw frames (header + the event's UTF-8 bytes), several per write: each
     * header length form (7-bit, 16-bit, 64-bit) and multi-byte text must reach a strict client intact,
     * each message in its own frame.
     */
    @Test
    void messagesOfEveryFrameSize_withNonAsciiText_arriveIntact_eachInItsOwnFrame() {
        String small = "é—漢字 ✓ fits a 7-bit frame length";
        String medium = "Ünïcödé overflow in libfoo → RCE; ".repeat(12);
        String large = "€".repeat(31_000); // 93 KB: a 64-bit frame length, within the 32,000-character details limit
        try (WsTestClient c = connect()) {
            c.next("hello");
            c.until(n -> "metrics".equals(n.path("type").asText()));
            int framesBefore = c.rawFrames().size();
            List<String> details = List.of(small, medium, large, small);
            for (int i = 0; i < details.size(); i++) {
                var json = Fixtures.apvJson(cve(900 + i), "high", List.of("payments-api"));
                json.put("details", details.get(i));
                assertThat(server.server.stream().publish(dev.immunity.core.json.WireFormat.parseApv(json))).isTrue();
            }
            List<String> received = c.until(n -> "apv".equals(n.path("type").asText()) && cveOf(n).equals(cve(903)))
                    .stream().filter(n -> "apv".equals(n.path("type").asText()))
                    .map(n -> n.path("payload").path("details").asText()).toList();
            assertThat(received).containsExactlyElementsOf(details);
            List<String> frames = c.rawFrames();
            assertThat(frames.subList(framesBefore, frames.size())).noneMatch(f -> f.contains("\n"));
        }
    }

    @Test
    void reconnectWithCursor_missesNothing_andSeesNothingTwice() {
        String cursor;
        try (WsTestClient first = connect()) {
            first.next("hello");
            publish(101, 105);
            List<JsonNode> seen = first.until(n -> cveOf(n).equals(cve(105)));
            assertThat(liveApvs(seen)).containsExactly(cve(101), cve(102), cve(103), cve(104), cve(105));
            cursor = seen.getLast().path("cursor").asText();
        }
        publish(106, 110);
        try (WsTestClient again = WsTestClient.connect(ws("cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)))) {
            JsonNode hello = again.next();
            assertThat(hello.path("payload").path("mode").asText()).isEqualTo("resume");
            assertThat(hello.path("payload").path("recovered").asBoolean()).isTrue();
            publish(111, 111);
            List<JsonNode> got = again.until(n -> cveOf(n).equals(cve(111)));
            assertThat(liveApvs(got)).containsExactly(cve(106), cve(107), cve(108), cve(109), cve(110), cve(111));
        }
    }

    @Test
    void staleCursor_getsAnExplicitNotRecovered_andASnapshot() {
        String cursor;
        try (WsTestClient first = connect()) {
            first.next("hello");
            publish(201, 201);
            cursor = first.until(n -> cveOf(n).equals(cve(201))).getLast().path("cursor").asText();
        }
        publish(202, 230); // more than the 20 events of history kept
        try (WsTestClient again = WsTestClient.connect(ws("cursor=" + cursor))) {
            JsonNode hello = again.next();
            assertThat(hello.path("type").asText()).isEqualTo("hello");
            assertThat(hello.path("payload").path("recovered").asBoolean(true)).isFalse();
            assertThat(hello.path("payload").path("mode").asText()).isEqualTo("snapshot");
            List<JsonNode> snapshot = again.until(n -> "metrics".equals(n.path("type").asText()));
            assertThat(snapshot).filteredOn(n -> "apv".equals(n.path("type").asText()))
                    .isNotEmpty()
                    .allMatch(n -> n.path("snapshot").asBoolean())
                    .anyMatch(n -> cveOf(n).equals(cve(230)));
        }
    }

    @Test
    void clientMessages_pingIsAnswered_andBadInputGetsAnErrorWithoutClosing() {
        try (WsTestClient c = connect()) {
            c.next("hello");
            c.send("{\"type\":\"ping\",\"payload\":\"t1\"}");
            assertThat(c.next("pong").path("payload").path("echo").asText()).isEqualTo("t1");
            c.send("{not json");
            assertThat(c.next("error").path("payload").path("error").asText()).contains("malformed JSON");
            c.send("{\"type\":\"subscribe\"}");
            assertThat(c.next("error").path("payload").path("error").asText()).contains("unknown message type");
            c.send("{\"type\":\"ping\"}");
            assertThat(c.next("pong").path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void clientWebSocketPing_isAnsweredWithAPong() throws Exception {
        var pong = new java.util.concurrent.CompletableFuture<String>();
        var ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(ws(null), new WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onPong(WebSocket w, java.nio.ByteBuffer data) {
                        pong.complete(StandardCharsets.UTF_8.decode(data).toString());
                        return null;
                    }
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        ws.sendPing(java.nio.ByteBuffer.wrap("are-you-there".getBytes(StandardCharsets.UTF_8)));
        assertThat(pong.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("are-you-there");
        ws.abort();
    }

    @Test
    void triggerWithSimulatedPatch_isFollowedByItsPatchLifecycle() {
        try (WsTestClient c = connect()) {
            c.next("hello");
            var r = server.post("/api/test/trigger-apv?simulate_patch=true", "application/json",
                    "{\"cve_id\": \"CVE-2024-54321\", \"priority\": \"critical\", \"recommended_strategy\": \"dependency_upgrade\"}");
            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode patch = c.until(n -> "patch".equals(n.path("type").asText())
                    && "CVE-2024-54321".equals(n.path("payload").path("cve_id").asText())).getLast();
            assertThat(patch.path("payload").path("status").asText()).isIn("pending", "validating");
            assertThat(patch.path("payload").path("patch_id").asText()).startsWith("patch-CVE-2024-54321-");
        }
    }

    @Test
    void oversizedClientMessage_closesWith1009() {
        try (WsTestClient c = connect()) {
            c.next("hello");
            c.send("{\"type\":\"ping\",\"payload\":\"" + "x".repeat(4000) + "\"}");
            assertThat(c.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void fragmentedClientMessage_isCappedWhenReassembled() {
        try (WsTestClient c = connect()) {
            c.next("hello");
            WebSocket ws = c.socket();
            try {
                for (int i = 0; i < 8; i++) {
                    ws.sendText("x".repeat(300), false).join(); // 2,400 bytes in 300-byte fragments
                }
            } catch (java.util.concurrent.CompletionException closedMidway) {
                // the server may close before the last fragments are sent: that is the point
            }
            assertThat(c.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void origin_ownAndAllowListedAreAccepted_othersRefused() {
        String own = "http://127.0.0.1:" + server.server.port();
        assertThat(WsTestClient.handshakeStatus(ws(null), TestServer.origin(own))).isEqualTo(101);
        assertThat(WsTestClient.handshakeStatus(ws(null), TestServer.origin("https://ops.example.com")))
                .isEqualTo(101);
        assertThat(WsTestClient.handshakeStatus(ws(null), TestServer.origin("https://evil.example")))
                .isEqualTo(403);
    }

    @Test
    void subprotocol_immunityV1_isSelectedWhenOffered() {
        try (WsTestClient c = WsTestClient.connect(ws(null), Map.of(), "immunity.v1")) {
            assertThat(c.socket().getSubprotocol()).isEqualTo("immunity.v1");
            assertThat(c.next().path("type").asText()).isEqualTo("hello");
        }
    }

    @Test
    void badPriorityFilter_isRefusedAtUpgrade() {
        assertThat(WsTestClient.handshakeStatus(ws("priority=urgent"), Map.of())).isEqualTo(400);
    }

    @Test
    void filteredClient_getsOnlyItsPriority() {
        try (WsTestClient c = WsTestClient.connect(ws("priority=critical"))) {
            c.next("hello");
            server.server.stream().publish(Fixtures.apv("CVE-2025-30001", "low", List.of("search")));
            server.server.stream().publish(Fixtures.apv("CVE-2025-30002", "critical", List.of("search")));
            List<JsonNode> got = c.until(n -> cveOf(n).equals("CVE-2025-30002"));
            assertThat(liveApvs(got)).containsExactly("CVE-2025-30002");
        }
    }

    @Test
    void batchingClient_receivesEveryEnvelopeOnce() {
        try (WsTestClient c = WsTestClient.connect(ws("batch=ndjson"))) {
            c.next("hello");
            publish(301, 340);
            List<JsonNode> got = c.until(n -> cveOf(n).equals(cve(340)));
            assertThat(liveApvs(got)).hasSize(40).doesNotHaveDuplicates();
        }
    }
}
